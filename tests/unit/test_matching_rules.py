"""One test per hard rule of the matching plan, each on a tiny scenario that only that rule
decides."""

from __future__ import annotations

from matching_helpers import opportunity, person, placed, scenario, team

from optimiser.candidates import candidate_pairs
from optimiser.matching import solve_plan
from optimiser.model import build_model, model_data
from optimiser.rules import HARD_RULES
from planner.domain import FairnessFloor, PersonOpportunity


def pairs_of(sc, **policy):
    pol = sc.policy.model_copy(update=policy)
    pairs = candidate_pairs(sc, pol)
    return {(sc.people[p].person_id, sc.opportunities[o].opportunity_id)
            for p, o in zip(pairs["person"], pairs["opp"])}


def test_every_rule_has_a_plain_words_name_and_a_docstring():
    for rule in HARD_RULES:
        assert rule.name and " " in rule.name or rule.name == "eligibility"
        assert rule.rule and len(rule.rule.split()) > 8


def test_eligibility_leaves_out_own_team_unavailable_short_skill_grade_and_practice_time():
    sc = scenario(
        [person("ok", skills={"gis": 3}), person("away", available=False, skills={"gis": 3}),
         person("short", skills={"gis": 2}), person("junior", grade=1, skills={"gis": 3}),
         person("social", profession="social-work", must_practise=0.5, skills={"gis": 3}),
         person("insider", team_id="host", skills={"gis": 3})],
        [opportunity("O", required_skills={"gis": 3}, grade_min=3, fte=1.0)],
    )
    assert pairs_of(sc) == {("ok", "O")}


def test_stretch_lets_people_one_level_short_in():
    sc = scenario([person("short", skills={"gis": 2})], [opportunity("O", required_skills={"gis": 3})])
    assert pairs_of(sc) == set()
    assert pairs_of(sc, stretch_levels=1) == {("short", "O")}


def test_must_practise_allows_part_time_or_own_profession():
    sc = scenario(
        [person("sw", profession="social-work", must_practise=0.5)],
        [opportunity("part", fte=0.5), opportunity("full", fte=1.0),
         opportunity("own", fte=1.0, profession="social-work")],
    )
    assert pairs_of(sc) == {("sw", "part"), ("sw", "own")}


def test_one_placement_per_person_per_period():
    sc = scenario([person("a")], [opportunity("O1"), opportunity("O2")])
    plan = solve_plan(sc)
    assert len(plan.placements) == 1


def test_capacity_is_never_exceeded():
    sc = scenario([person(f"p{i}") for i in range(4)], [opportunity("O", capacity=2)])
    plan = solve_plan(sc)
    assert len(plan.placements) == 2


def test_team_release_limit_share():
    sc = scenario([person(f"p{i}") for i in range(10)], [opportunity("O", capacity=10)],
                  teams=[team("home", max_release_share=0.25), team("host")])
    assert len(solve_plan(sc).placements) == 2  # floor(0.25 x 10)


def test_team_release_limit_min_staff_is_stricter():
    sc = scenario([person(f"p{i}") for i in range(10)], [opportunity("O", capacity=10)],
                  teams=[team("home", max_release_share=0.5, min_staff=9), team("host")])
    assert len(solve_plan(sc).placements) == 1


def test_critical_skills_kept_by_the_people_who_stay():
    from planner.domain import CriticalSkill

    people = [person("nurse1", skills={"triage": 4}), person("nurse2", skills={"triage": 4}),
              person("nurse3", skills={"triage": 4}), person("clerk")]
    sc = scenario(people, [opportunity("O", capacity=4)],
                  teams=[team("home", critical_skills=(CriticalSkill(skill="triage", level=3, count=2),)),
                         team("host")])
    plan = solve_plan(sc)
    nurses_away = [p for p in plan.placements if p.person_id.startswith("nurse")]
    assert len(nurses_away) == 1 and len(plan.placements) == 2


def test_team_short_of_a_critical_skill_keeps_everyone_who_has_it():
    from planner.domain import CriticalSkill

    sc = scenario([person("only", skills={"triage": 4}), person("clerk")], [opportunity("O", capacity=2)],
                  teams=[team("home", critical_skills=(CriticalSkill(skill="triage", level=3, count=3),)),
                         team("host")])
    assert placed(solve_plan(sc)) == {("clerk", "O")}


def test_pinned_placement_happens_even_when_it_scores_less():
    sc = scenario([person("a", preferences=("best",)), person("b")],
                  [opportunity("best"), opportunity("other")],
                  pinned=(PersonOpportunity(person_id="a", opportunity_id="other"),))
    assert ("a", "other") in placed(solve_plan(sc))


def test_forbidden_placement_never_happens():
    sc = scenario([person("a", preferences=("best",))], [opportunity("best")],
                  forbidden=(PersonOpportunity(person_id="a", opportunity_id="best"),))
    assert placed(solve_plan(sc)) == set()


def test_cap_on_moves_across_organisations():
    sc = scenario([person(f"p{i}") for i in range(3)], [opportunity("O", capacity=3)],
                  teams=[team("home", org="council"), team("host", org="nhs-trust")], max_cross_organisation=1)
    assert len(solve_plan(sc).placements) == 1


def test_fairness_floor_keeps_a_share_for_juniors():
    # Seniors score higher (they prefer the opportunity); without a floor they take every place.
    seniors = [person(f"s{i}", grade=9, preferences=("O",)) for i in range(4)]
    juniors = [person(f"j{i}", grade=2) for i in range(4)]
    sc = scenario(seniors + juniors, [opportunity("O", capacity=4)])
    assert all(p.person_id.startswith("s") for p in solve_plan(sc).placements)
    fair = sc.policy.model_copy(update={"fairness": FairnessFloor(bands=((1, 4), (5, 12)), min_share=0.5)})
    plan = solve_plan(sc, fair)
    juniors_placed = sum(p.person_id.startswith("j") for p in plan.placements)
    assert juniors_placed * 2 >= len(plan.placements) and len(plan.placements) == 4


def test_rotation_never_repeats_an_opportunity_and_holds_limits_each_period():
    sc = scenario([person("a", preferences=("O1", "O2"))], [opportunity("O1"), opportunity("O2")], periods=2)
    plan = solve_plan(sc)
    got = sorted((p.period, p.opportunity_id) for p in plan.placements)
    assert got == [(1, "O1"), (2, "O2")] or got == [(1, "O2"), (2, "O1")]


def test_model_has_one_variable_per_candidate_pair_and_period():
    sc = scenario([person("a"), person("b")], [opportunity("O1"), opportunity("O2", host="home")], periods=3)
    built = build_model(model_data(sc))
    assert built.n_vars == 2 * 3  # a and b on O1 only; O2 is their own team's
