"""National scenarios (`trellis generate --regions R`): staff spread over English regions, each
organisation in one region, about one opportunity in ten remote, and each region as rich in
opportunities as a place of its size."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from checkers.plan_checker import check_plan
from click.testing import CliRunner
from matching_helpers import FAST

from optimiser.matching import solve_plan
from planner.cli import main
from planner.domain import Policy
from planner.eligibility import eligibility_reasons
from planner.generate import eligible_pair_count, generate_scenario
from planner.generate.regions import REGIONS, people_per_region
from planner.plan_io import write_plan
from planner.scenario_io import read_scenario, write_scenario_csv


@pytest.fixture(scope="module")
def national():
    return generate_scenario(4000, 5, regions=4)


def test_without_regions_no_team_names_a_region_and_nothing_is_remote():
    s = generate_scenario(600, 3)
    assert {t.region for t in s.teams} == {""} and not any(o.remote for o in s.opportunities)


def test_teams_are_spread_over_the_largest_named_regions_in_proportion(national):
    names = [name for name, _ in REGIONS[:4]]
    assert {t.region for t in national.teams} == set(names)
    team_region = {t.team_id: t.region for t in national.teams}
    per_region = Counter(team_region[p.team_id] for p in national.people)
    assert [per_region[name] for name in names] == people_per_region(4000, 4)
    assert all(t.team_id.startswith(t.region.lower().replace(" ", "-") + "-") for t in national.teams)


def test_people_per_region_adds_up_and_follows_the_workforce_shares():
    counts = people_per_region(1_000_000, 7)
    assert sum(counts) == 1_000_000 and counts == sorted(counts, reverse=True)
    assert counts[0] == pytest.approx(1_000_000 * 0.16 / sum(s for _, s in REGIONS[:7]), abs=1)


def test_each_organisation_works_within_one_region(national):
    regions_of = defaultdict(set)
    for team in national.teams:
        regions_of[team.organisation].add(team.region)
    assert all(len(regions) == 1 for regions in regions_of.values())
    assert len(regions_of) == 4 * 4  # the four employers of the place, in each region


def test_about_one_opportunity_in_ten_is_remote(national):
    share = sum(o.remote for o in national.opportunities) / len(national.opportunities)
    assert 0.06 <= share <= 0.14


def test_opportunities_per_person_are_as_without_regions(national):
    assert len(national.opportunities) == len(generate_scenario(4000, 5).opportunities)


def test_a_region_offers_its_people_about_what_a_place_of_its_size_does(national):
    """Eligible pairs per person in a 4-region scenario are those of a place a quarter its size
    (plus the remote work of the other regions), not those of one place four times larger."""
    regional = eligible_pair_count(national) / 4000
    one_region = eligible_pair_count(generate_scenario(1000, 5)) / 1000
    one_place = eligible_pair_count(generate_scenario(4000, 5)) / 4000
    assert 0.8 * one_region <= regional <= 0.5 * one_place


def test_people_prefer_opportunities_open_in_their_region(national):
    team_region = {t.team_id: t.region for t in national.teams}
    opportunity = national.opportunity_by_id
    preferred = [(p, opportunity[o]) for p in national.people for o in p.preferences]
    assert len(preferred) > 2000
    assert all(o.remote or team_region[o.host_team_id] == team_region[p.team_id] for p, o in preferred)
    assert sum(o.remote for _, o in preferred) > 0
    eligible = sum(not eligibility_reasons(p, o, national) for p, o in preferred)
    assert eligible / len(preferred) > 0.5


def test_the_same_seed_gives_the_same_national_scenario():
    assert generate_scenario(500, 2, regions=3).model_dump() == generate_scenario(500, 2, regions=3).model_dump()


def test_cli_writes_a_national_scenario_that_reads_back(tmp_path):
    result = CliRunner().invoke(main, ["generate", "--people", "500", "--regions", "3", "--seed", "2",
                                       str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "in 3 regions" in result.output
    assert read_scenario(tmp_path / "out").scenario.model_dump() == generate_scenario(500, 2, regions=3).model_dump()


@pytest.mark.parametrize("args, message", [
    (["--people", "500", "--regions", "10"], "a whole number from 1 to 9"),
    (["--people", "250", "--regions", "3"], "needs at least 300 people"),
    (["--sample", "--regions", "3"], "--sample fixes"),
])
def test_cli_explains_a_wrong_number_of_regions(tmp_path, args, message):
    result = CliRunner().invoke(main, ["generate", *args, str(tmp_path / "out")])
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "out").exists()


def test_cli_refuses_more_people_than_an_excel_sheet_holds(tmp_path):
    args = ["generate", "--people", "1048576", "--regions", "7", str(tmp_path / "out.xlsx")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "an Excel sheet holds at most 1,048,575 people" in result.output
    assert not (tmp_path / "out.xlsx").exists()


def test_a_plan_places_people_in_their_own_region_or_on_remote_work(tmp_path):
    """The optimiser reads rule 5 through the eligibility mask; the independent checker, which
    reads the CSV files and no optimiser code, confirms it, and catches a plan that breaks it."""
    national = generate_scenario(900, 4, regions=3)
    national = national.model_copy(update={"policy": Policy(**FAST)})
    write_scenario_csv(national, tmp_path / "scenario")
    plan = solve_plan(national)
    assert plan.placements
    write_plan(plan, tmp_path / "plan")
    assert check_plan(tmp_path / "scenario", tmp_path / "plan") == []
    team_region = {t.team_id: t.region for t in national.teams}
    placed = [(national.person_by_id[p.person_id], national.opportunity_by_id[p.opportunity_id])
              for p in plan.placements]
    assert all(o.remote or team_region[o.host_team_id] == team_region[p.team_id] for p, o in placed)

    person, _ = placed[0]
    away = next(o for o in national.opportunities
                if not o.remote and team_region[o.host_team_id] != team_region[person.team_id])
    broken = plan.model_copy(update={"placements": [
        plan.placements[0].model_copy(update={"opportunity_id": away.opportunity_id})]})
    write_plan(broken, tmp_path / "broken")
    assert any("not remote" in problem for problem in check_plan(tmp_path / "scenario", tmp_path / "broken"))
