"""The seeded generator and the bundled sample: realistic, fictional, repeatable, and never
drifting from each other."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from planner import sample_place as place
from planner.cli import main
from planner.eligibility import eligibility_reasons
from planner.generate import (
    PLAN_DATE,
    SAMPLE_PEOPLE,
    SAMPLE_SEED,
    eligible_pair_count,
    generate_scenario,
)
from planner.generate.opportunities import _U, practice_friendly_opportunity
from planner.generate.teams import _trim_to
from planner.scenario_io import read_scenario, write_scenario_csv

DATA = Path(__file__).resolve().parents[2] / "data"


@pytest.fixture(scope="module")
def medium():
    return generate_scenario(3000, 11)


@pytest.fixture(scope="module")
def sample():
    return generate_scenario(SAMPLE_PEOPLE, SAMPLE_SEED)


@pytest.fixture(scope="module")
def sample_crisis():
    return generate_scenario(SAMPLE_PEOPLE, SAMPLE_SEED, crisis=True)


# ---------------------------------------------------------------------------------------------
# Repeatable
# ---------------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_scenario():
    assert generate_scenario(400, 5).model_dump() == generate_scenario(400, 5).model_dump()
    assert generate_scenario(400, 5, crisis=True).model_dump() == generate_scenario(400, 5, crisis=True).model_dump()


def test_another_seed_gives_another_scenario():
    a, b = generate_scenario(400, 5), generate_scenario(400, 6)
    assert [p.name for p in a.people] != [p.name for p in b.people]


def test_a_crisis_scenario_is_its_calm_twin_plus_the_crisis(sample, sample_crisis):
    calm_people = [p.model_dump(exclude={"last_redeployed"}) for p in sample.people]
    assert calm_people == [p.model_dump(exclude={"last_redeployed"}) for p in sample_crisis.people]
    assert [t.model_dump(exclude={"status"}) for t in sample.teams] == [
        t.model_dump(exclude={"status"}) for t in sample_crisis.teams
    ]
    assert sample.opportunities == sample_crisis.opportunities
    assert not sample.demand and all(t.status.value == "normal" for t in sample.teams)


@pytest.mark.parametrize("people", [0, 19, 2_000_001])
def test_an_impossible_size_is_refused_in_plain_words(people):
    with pytest.raises(ValueError, match="people must be between"):
        generate_scenario(people, 1)


# ---------------------------------------------------------------------------------------------
# Sizes and proportions
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("people", [50, 600, 3000])
def test_sizes_follow_the_workforce(people):
    s = generate_scenario(people, 3)
    assert len(s.people) == people
    sizes = list(s.headcount_by_team.values())
    assert min(sizes) >= 8 and max(sizes) <= 60
    assert len(s.teams) >= people / 40
    assert len(s.opportunities) == round(people / 7.5)
    assert all(p.team_id in s.team_by_id for p in s.people)


def test_teams_grow_in_number_with_the_workforce():
    counts = [len(generate_scenario(n, 3).teams) for n in (100, 600, 3000, 10_000)]
    assert counts == sorted(counts) and counts[-1] > 4 * counts[0]
    assert counts[-1] == pytest.approx(10_000 / 21, rel=0.25)


def test_a_small_place_still_has_all_four_employers():
    s = generate_scenario(50, 8)
    assert len({t.organisation for t in s.teams}) == 4


def test_the_sample_is_about_600_people_in_about_30_teams(sample):
    assert len(sample.people) == 600
    assert 25 <= len(sample.teams) <= 35
    assert len(sample.opportunities) == 80
    assert 55 <= len(sample.skills) <= 75
    assert {t.organisation for t in sample.teams} == {o.name for o in place.ORGANISATIONS.values()}
    assert {o.kind.value for o in sample.opportunities} == {
        "secondment", "project", "development_move", "shadowing", "role"
    }
    assert len({s.category for s in sample.skills}) >= 10


def test_every_employer_keeps_to_its_own_grade_scale(medium):
    scale = {o.name: (o.grade_min, o.grade_max) for o in place.ORGANISATIONS.values()}
    for p in medium.people:
        low, high = scale[medium.team_by_id[p.team_id].organisation]
        assert low <= p.grade <= high


def test_team_sizes_vary(medium):
    sizes = Counter(medium.headcount_by_team.values())
    assert len(sizes) >= 20


def test_about_one_in_five_works_part_time(medium):
    part_time = [p for p in medium.people if p.fte < 1]
    assert 0.12 <= len(part_time) / len(medium.people) <= 0.35


def test_only_social_workers_and_planners_must_keep_practising(medium):
    practising = [p for p in medium.people if p.must_practise > 0]
    assert {p.profession for p in practising} == {"social-work", "planning"}
    assert all(0.4 <= p.must_practise <= 0.6 for p in practising)
    social_workers = [p for p in medium.people if p.profession == "social-work"]
    assert sum(p.must_practise > 0 for p in social_workers) / len(social_workers) > 0.6


def test_people_who_must_practise_have_part_time_opportunities_they_can_take(sample):
    practising = [p for p in sample.people if p.must_practise > 0 and p.available]
    fits = {
        (p.person_id, o.opportunity_id)
        for p in practising
        for o in sample.opportunities
        if o.fte < 1 and o.profession != p.profession and not eligibility_reasons(p, o, sample)
    }
    assert len({person for person, _ in fits}) >= 5


def test_some_people_are_not_available(medium):
    unavailable = sum(not p.available for p in medium.people)
    assert 0.01 <= unavailable / len(medium.people) <= 0.1


def test_skills_follow_the_profession(medium):
    def share_holding(skill, who):
        return sum(skill in p.skills for p in who) / len(who)

    nurses = [p for p in medium.people if p.profession == "nursing"]
    others = [p for p in medium.people if p.profession not in ("nursing", "social-care", "healthcare-support")]
    assert share_holding("medication-administration", nurses) > 0.8
    assert share_holding("medication-administration", others) < 0.05
    analysts = [p for p in medium.people if p.profession == "data"]
    assert share_holding("data-analysis", analysts) > 0.9


def test_senior_people_hold_higher_levels(medium):
    nurses = [p for p in medium.people if p.profession == "nursing" and "clinical-assessment" in p.skills]
    junior = [p.skills["clinical-assessment"] for p in nurses if p.grade <= 5]
    senior = [p.skills["clinical-assessment"] for p in nurses if p.grade >= 8]
    assert sum(senior) / len(senior) > sum(junior) / len(junior) + 0.5


def test_rare_skills_are_held_by_few(medium):
    holders = Counter(skill for p in medium.people for skill in p.skills)
    for skill in place.RARE_SKILLS:
        assert holders[skill] <= 0.01 * len(medium.people), skill
    assert sum(holders[s] > 0 for s in place.RARE_SKILLS) >= 3


def test_names_are_diverse(medium):
    surnames = Counter(p.name.split(" ", 1)[1] for p in medium.people)
    assert len(surnames) > 100
    assert surnames.most_common(1)[0][1] < 0.05 * len(medium.people)
    heritages = [set(group[2]) for group in place.NAME_GROUPS]
    assert all(any(name in group for name in surnames) for group in heritages)


def test_people_aspire_to_skills_they_do_not_yet_hold_at_that_level(medium):
    with_goals = [p for p in medium.people if p.aspirations]
    assert 0.6 <= len(with_goals) / len(medium.people) <= 0.9
    for p in with_goals:
        for skill, level in p.aspirations.items():
            assert p.skills.get(skill, 0) < level
    developed = {s for o in medium.opportunities for s in o.development_skills}
    goals = [s for p in with_goals for s in p.aspirations]
    assert sum(s in developed for s in goals) / len(goals) > 0.9


def test_preferences_are_mostly_for_opportunities_people_can_or_nearly_can_take(medium):
    verdicts = Counter()
    for p in medium.people:
        assert len(p.preferences) <= 5
        for opp_id in p.preferences:
            o = medium.opportunity_by_id[opp_id]
            assert o.host_team_id != p.team_id
            if not eligibility_reasons(p, o, medium):
                verdicts["eligible"] += 1
            elif not eligibility_reasons(p, o, medium, stretch_levels=1):
                verdicts["nearly"] += 1
            else:
                verdicts["aspirational"] += 1
    total = sum(verdicts.values())
    assert total > len(medium.people)
    assert (verdicts["eligible"] + verdicts["nearly"]) / total > 0.75
    assert verdicts["aspirational"] > 0


def test_most_critical_skills_can_be_kept_and_a_few_teams_already_fall_short(medium):
    members: dict[str, list] = {}
    for p in medium.people:
        members.setdefault(p.team_id, []).append(p)
    short = 0
    with_critical = 0
    for t in medium.teams:
        for c in t.critical_skills:
            with_critical += 1
            holders = sum(p.skills.get(c.skill, 0) >= c.level for p in members[t.team_id])
            short += holders < c.count
    assert with_critical >= len(medium.teams)
    assert 1 <= short <= 0.12 * len(medium.teams)


def test_release_limits_vary(medium):
    assert len({t.max_release_share for t in medium.teams}) >= 4
    with_minimum = [t for t in medium.teams if t.min_staff is not None]
    assert 0.2 <= len(with_minimum) / len(medium.teams) <= 0.5
    assert all(t.min_staff <= medium.headcount_by_team[t.team_id] for t in with_minimum)


# ---------------------------------------------------------------------------------------------
# Roles one grade up, and openings for every profession
# ---------------------------------------------------------------------------------------------


def _promotions_open_to(person, scenario):
    return [
        o for o in scenario.opportunities
        if o.kind.value == "role" and o.profession == person.profession
        and o.grade_max is not None and o.grade_max > person.grade
        and not eligibility_reasons(person, o, scenario)
    ]


def test_roles_are_posts_of_a_profession_one_grade_up_with_its_ladder_titles(medium):
    roles = [o for o in medium.opportunities if o.kind.value == "role"]
    assert 0.2 <= len(roles) / len(medium.opportunities) <= 0.45
    titles = {t for ladder in place.LADDER_TITLES.values() for t in ladder}
    for o in roles:
        assert o.profession in place.PROFESSIONS
        assert o.grade_min is not None and o.grade_min < o.grade_max <= o.grade_min + 2
        assert o.title.split(", ")[0] in titles
        assert o.end is None
    headcount = Counter(p.profession for p in medium.people)
    assert {k for k, n in headcount.items() if n >= 100} <= {o.profession for o in roles}


def test_a_good_share_of_people_below_the_top_can_be_promoted_in_their_profession_now(sample):
    top = {}
    for p in sample.people:
        top[p.profession] = max(top.get(p.profession, 0), p.grade)
    below = [p for p in sample.people if p.grade < top[p.profession] and p.available]
    promotable = [p for p in below if _promotions_open_to(p, sample)]
    assert len(promotable) / len(below) >= 0.25


def test_most_people_can_take_at_least_one_opportunity_and_every_profession_has_openings(sample):
    able = [p for p in sample.people if any(not eligibility_reasons(p, o, sample) for o in sample.opportunities)]
    assert len(able) / len(sample.people) >= 0.55
    professions = Counter(p.profession for p in sample.people)
    served = {p.profession for p in able}
    assert {k for k, n in professions.items() if n >= 15} <= served


def test_a_profession_working_in_one_team_only_gets_roles_hosted_elsewhere(sample):
    homes = {}
    for p in sample.people:
        homes.setdefault(p.profession, set()).add(p.team_id)
    for o in sample.opportunities:
        if o.kind.value == "role" and homes[o.profession] == {o.host_team_id}:
            raise AssertionError(f"{o.title} is hosted in the only team of its profession")


# ---------------------------------------------------------------------------------------------
# Eligible pairs (contract rules 1-5)
# ---------------------------------------------------------------------------------------------


def test_eligible_pair_count_applies_rules_1_to_4_as_the_pathways_do():
    s = generate_scenario(250, 9)
    by_rule = sum(not eligibility_reasons(p, o, s) for p in s.people for o in s.opportunities)
    assert eligible_pair_count(s) == by_rule
    stretched = sum(not eligibility_reasons(p, o, s, stretch_levels=1) for p in s.people for o in s.opportunities)
    assert eligible_pair_count(s, stretch_levels=1) == stretched > by_rule


def test_ten_thousand_people_give_about_1300_opportunities_and_200_to_300_thousand_eligible_pairs():
    s = generate_scenario(10_000, 1)
    assert len(s.opportunities) == 1333
    assert 200_000 <= eligible_pair_count(s) <= 300_000


# ---------------------------------------------------------------------------------------------
# Crisis
# ---------------------------------------------------------------------------------------------


def test_crisis_pauses_some_services_and_makes_others_critical(sample_crisis):
    statuses = Counter(t.status.value for t in sample_crisis.teams)
    assert statuses["paused"] >= 2 and statuses["critical"] >= 4 and statuses["normal"] >= 4


def test_crisis_demand_has_several_priorities_and_some_cannot_be_covered(sample_crisis):
    s = sample_crisis
    assert len({d.priority for d in s.demand}) >= 3
    assert all(d.team_id in s.team_by_id and d.count >= 1 for d in s.demand)
    uncoverable = [
        d for d in s.demand
        if sum(p.skills.get(d.skill, 0) >= d.level and p.team_id != d.team_id for p in s.people) < d.count
    ]
    assert uncoverable
    assert {d.skill for d in uncoverable} & set(place.RARE_SKILLS)


def test_crisis_demand_grows_with_the_workforce():
    small = generate_scenario(600, 4, crisis=True)
    large = generate_scenario(3000, 4, crisis=True)
    units = [sum(d.count for d in s.demand) for s in (small, large)]
    assert units[1] == pytest.approx(5 * units[0], rel=0.2)


def test_some_people_were_redeployed_recently_and_must_rest(sample_crisis):
    s = sample_crisis
    assert s.policy.plan_date == PLAN_DATE
    days = [(PLAN_DATE - p.last_redeployed).days for p in s.people if p.last_redeployed]
    assert 0.05 <= len(days) / len(s.people) <= 0.2
    assert any(d < s.policy.rest_days for d in days) and any(d >= s.policy.rest_days for d in days)


# ---------------------------------------------------------------------------------------------
# The bundled sample never drifts from the generator
# ---------------------------------------------------------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    """Each file's bytes; line endings are left to git and the CSV writer (both are valid CSV)."""
    return {f.name: f.read_bytes().replace(b"\r\n", b"\n") for f in sorted(folder.iterdir()) if f.is_file()}


@pytest.mark.parametrize("folder, crisis", [("sample", False), ("sample-crisis", True)])
def test_the_bundled_sample_is_exactly_what_the_generator_writes(tmp_path, folder, crisis):
    write_scenario_csv(generate_scenario(SAMPLE_PEOPLE, SAMPLE_SEED, crisis=crisis), tmp_path)
    bundled = _files(DATA / folder)
    assert set(bundled) == set(_files(tmp_path))
    for name, content in _files(tmp_path).items():
        assert bundled[name] == content, f"data/{folder}/{name} differs: run `trellis generate --sample{' --crisis' if crisis else ''} data/{folder}`"


@pytest.mark.parametrize("folder, crisis", [("sample", False), ("sample-crisis", True)])
def test_the_bundled_sample_reads_back_as_the_generated_scenario(folder, crisis):
    result = read_scenario(DATA / folder)
    assert result.scenario.model_dump() == generate_scenario(SAMPLE_PEOPLE, SAMPLE_SEED, crisis=crisis).model_dump()
    files = {f.name for f in (DATA / folder).iterdir()}
    assert {"teams.csv", "people.csv", "opportunities.csv", "skills.csv", "policy.json"} <= files
    assert ("demand.csv" in files) == crisis
    # validate's warnings are real: a team or two already lacks a critical skill
    assert 1 <= sum("critical" in (w.column or "") for w in result.warnings) <= 3


def test_the_sample_policy_sets_the_plan_date_of_the_crisis():
    assert json.loads((DATA / "sample-crisis" / "policy.json").read_text())["plan_date"] == PLAN_DATE.isoformat()


# ---------------------------------------------------------------------------------------------
# trellis generate
# ---------------------------------------------------------------------------------------------


def test_cli_writes_a_csv_folder_that_reads_back_as_the_generated_scenario(tmp_path):
    result = CliRunner().invoke(main, ["generate", "--people", "80", "--seed", "3", "--crisis", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "80 people" in result.output and "units of crisis demand" in result.output
    read = read_scenario(tmp_path / "out").scenario
    assert read.model_dump() == generate_scenario(80, 3, crisis=True).model_dump()


def test_cli_writes_json_when_asked(tmp_path):
    out = tmp_path / "scenario.json"
    result = CliRunner().invoke(main, ["generate", "--people", "60", "--seed", "2", str(out)])
    assert result.exit_code == 0, result.output
    assert read_scenario(out).scenario.model_dump() == generate_scenario(60, 2).model_dump()


def test_cli_sample_regenerates_the_bundled_sample(tmp_path):
    result = CliRunner().invoke(main, ["generate", "--sample", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert _files(tmp_path) == _files(DATA / "sample")


@pytest.mark.parametrize(
    "args, message",
    [
        (["generate", "out"], "--people"),
        (["generate", "--sample", "--people", "100", "out"], "--sample fixes"),
        (["generate", "--people", "5", "out"], "a whole number from 20 to 2,000,000"),
    ],
)
def test_cli_explains_a_wrong_call(tmp_path, args, message):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert message in result.output


# ---------------------------------------------------------------------------------------------
# Single rules of the generator
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sizes, people", [([30, 20, 25], 60), ([12, 40], 41), ([8, 8, 8, 9], 30), ([10, 60], 75)])
def test_team_sizes_are_trimmed_to_the_workforce_and_never_below_eight(sizes, people):
    trimmed = _trim_to(np.array(sizes), people)
    assert trimmed.sum() == people
    assert trimmed.min() >= 8 and trimmed.max() <= 60


def test_practice_friendly_opportunities_fit_people_who_must_keep_practising():
    for i in range(len(place.PRACTICE_FRIENDLY)):
        u = [0.5] * len(_U)
        u[_U["practice_title"]] = (i + 0.5) / len(place.PRACTICE_FRIENDLY)
        o = practice_friendly_opportunity("secondment", "Force Control Room", u)
        assert o["fte"] <= 1 - 0.5 and o["grade_min"] == o["grade_max"] == -1
        held_by_practising = {
            s for key in ("social-work", "planning") for s, _, _ in place.PROFESSIONS[key].skills
        }
        assert {place.SKILL_IDS[s] for s in o["required_skill"]} <= held_by_practising


@pytest.mark.slow  # over ~5 s on a loaded machine: `make test` runs it, `make check` does not
def test_the_catalogue_ships_inside_the_built_package(tmp_path):
    """`trellis generate` must work from an installed copy: the catalogue's data files are package
    data. Build the packages as setuptools would install them, then generate from that copy alone."""
    root = Path(__file__).resolve().parents[2]
    built = tmp_path / "built"
    subprocess.run(
        [sys.executable, "-c", "import sys; from setuptools import setup; "
         f"sys.argv = ['setup.py', '-q', 'egg_info', '--egg-base', {str(tmp_path)!r}, "
         f"'build_py', '--build-lib', {str(built)!r}]; setup()"],
        cwd=root, check=True, capture_output=True, timeout=120,
    )
    assert sorted(p.name for p in (built / "planner" / "catalogue").glob("*.json")) == [
        "names.json", "opportunities.json", "organisations.json", "professions.json", "skills.json", "teams.json"]
    result = subprocess.run(
        [sys.executable, "-c", "import planner; from planner.generate import generate_scenario; "
         "print(planner.__file__); print(len(generate_scenario(40, 3).people))"],
        cwd=tmp_path, env={"PYTHONPATH": str(built), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    module_file, people = result.stdout.split()
    assert Path(module_file).is_relative_to(built) and people == "40"
