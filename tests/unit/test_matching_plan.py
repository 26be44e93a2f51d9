"""Whole plans: preference stability, infeasibility reports, explanations, time limits, and the
independent checker on the sample data and on generated scenarios."""

from __future__ import annotations

import time

import pytest
from checkers.plan_checker import check_plan
from matching_helpers import FAST, opportunity, person, placed, scenario, team

from optimiser.matching import solve_plan, what_if
from planner.domain import CriticalSkill, FairnessFloor, PersonOpportunity, Policy
from planner.plan_io import read_plan, write_plan


def test_stability_rule_removes_blocking_pairs():
    people = [person("a", preferences=("O1", "O2"), skills={"gis": 2}), person("b")]
    opps = [opportunity("O1"), opportunity("O2", required_skills={"gis": 1})]
    free = solve_plan(scenario(people, opps))
    assert placed(free) == {("a", "O2"), ("b", "O1")} and free.blocking_pair_count == 1
    stable = solve_plan(scenario(people, opps, stable=True))
    assert stable.blocking_pair_count == 0 and ("a", "O1") in placed(stable)


def test_a_person_held_back_by_their_teams_limit_does_not_block():
    people = [person("a", preferences=("O",)), person("b", preferences=("O",))]
    sc = scenario(people, [opportunity("O", capacity=2)],
                  teams=[team("home", max_release_share=0.5), team("host")], stable=True)
    plan = solve_plan(sc)
    assert plan.status == "OPTIMAL" and len(plan.placements) == 1 and plan.blocking_pair_count == 0


def test_infeasible_pins_name_the_team_release_limit():
    sc = scenario([person("a"), person("b"), person("c"), person("d")], [opportunity("O", capacity=4)],
                  teams=[team("home", max_release_share=0.25), team("host")],
                  pinned=(PersonOpportunity(person_id="a", opportunity_id="O"),
                          PersonOpportunity(person_id="b", opportunity_id="O")))
    plan = solve_plan(sc)
    assert plan.status == "INFEASIBLE"
    assert any("release limit of team home" in c for c in plan.conflicts)
    assert any("pinned placement" in c for c in plan.conflicts)


def test_pinning_an_ineligible_pair_names_eligibility():
    sc = scenario([person("a", skills={"gis": 1})], [opportunity("O", required_skills={"gis": 3})],
                  pinned=(PersonOpportunity(person_id="a", opportunity_id="O"),))
    plan = solve_plan(sc)
    assert plan.status == "INFEASIBLE" and "gis" in plan.conflicts[0] and "eligibility" in plan.conflicts[0]


def test_placement_explanation_breaks_the_score_down():
    sc = scenario([person("a", preferences=("O",), aspirations={"gis": 3}, skills={"gis": 1})],
                  [opportunity("O", development_skills={"gis": 3})])
    plan = solve_plan(sc)
    p = plan.placements[0]
    assert "preference (choice 1)" in p.explanation and "development value 1.00" in p.explanation
    assert p.breakdown["development"] == pytest.approx(4.0) and p.score == pytest.approx(sum(p.breakdown.values()))


def test_unplaced_reasons_name_release_limit_eligibility_and_places_taken():
    people = [person("in1", preferences=("O",)), person("in2", preferences=("O",)),
              person("short", preferences=("G",), skills={"gis": 1}),
              person("late", team_id="other", preferences=("O",), grade=1)]
    opps = [opportunity("O", capacity=1), opportunity("G", required_skills={"gis": 4})]
    sc = scenario(people, opps, teams=[team("home", max_release_share=0.5), team("host"), team("other")])
    plan = solve_plan(sc)
    reasons = plan.unplaced
    assert "gis" in reasons["short"] and "eligible for none" in reasons["short"]
    assert len(plan.placements) == 1
    left_out = {"in1", "in2", "late"} - {p.person_id for p in plan.placements}
    for pid in left_out:
        assert "places taken" in reasons[pid] or "release limit" in reasons[pid]


def test_unplaced_reason_names_the_critical_skill():
    sc = scenario([person("nurse", skills={"triage": 4}, preferences=("O",))], [opportunity("O")],
                  teams=[team("home", critical_skills=(CriticalSkill(skill="triage", level=3, count=1),)),
                         team("host")])
    assert "critical skill" in solve_plan(sc).unplaced["nurse"]


def test_what_if_relaxing_a_requirement_opens_the_opportunity():
    sc = scenario([person("a", preferences=("O",))], [opportunity("O", required_skills={"gis": 3})])
    result = what_if(sc, relax=[("O", "gis")])
    assert result.eligible_pairs_before == 0 and result.eligible_pairs_after == 1
    assert result.people_newly_eligible == 1
    assert len(result.baseline.placements) == 0 and len(result.changed.placements) == 1


def test_what_if_rejects_a_requirement_the_opportunity_does_not_have():
    sc = scenario([person("a")], [opportunity("O", required_skills={"gis": 3})])
    with pytest.raises(KeyError, match="does not require"):
        what_if(sc, relax=[("O", "python")])


def test_plan_files_round_trip_and_escape_formulas(tmp_path):
    sc = scenario([person("=cmd", preferences=("O",))], [opportunity("O")])
    plan = solve_plan(sc)
    write_plan(plan, tmp_path)
    assert "'=cmd" in (tmp_path / "plan.csv").read_text()
    back = read_plan(tmp_path)
    assert back.placements[0].person_id == "=cmd" and back.status == plan.status
    for key in ("status", "objective", "best_bound", "gap", "solve_seconds", "placements", "blocking_pairs"):
        assert key in (tmp_path / "plan.json").read_text()


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from planner.generate import generate_scenario
    from planner.scenario_io import write_scenario_csv

    folder = tmp_path_factory.mktemp("generated")
    sc = generate_scenario(1500, 7)
    policy = Policy(**FAST, periods=2, max_cross_organisation=25,
                    fairness=FairnessFloor(bands=((1, 4), (5, 8), (9, 20)), min_share=0.2))
    sc = sc.model_copy(update={"policy": policy})
    write_scenario_csv(sc, folder)
    return sc, folder


@pytest.mark.slow  # over ~5 s on a loaded machine: `make test` runs it, `make check` does not
def test_generated_rotation_obeys_every_rule_per_the_independent_checker(generated, tmp_path):
    sc, folder = generated
    plan = solve_plan(sc)
    assert plan.status in ("OPTIMAL", "FEASIBLE") and plan.placements
    assert {p.period for p in plan.placements} == {1, 2}
    write_plan(plan, tmp_path)
    assert check_plan(folder, tmp_path) == []


@pytest.mark.slow  # over ~5 s on a loaded machine: `make test` runs it, `make check` does not
def test_checker_catches_a_broken_plan(generated, tmp_path):
    sc, folder = generated
    plan = solve_plan(sc)
    first = plan.placements[0]
    # Put the same person on their opportunity again in the same period, and on an opportunity of
    # their own team.
    own = next(o for o in sc.opportunities if o.host_team_id == sc.person_by_id[first.person_id].team_id)
    broken = plan.model_copy(update={"placements": plan.placements + [
        first.model_copy(update={"opportunity_id": own.opportunity_id})]})
    write_plan(broken, tmp_path)
    problems = check_plan(folder, tmp_path)
    assert any("own team" in p for p in problems) and any("holds 2 placements" in p for p in problems)


def test_sample_plan_obeys_every_rule(tmp_path):
    from pathlib import Path

    from planner.scenario_io import read_scenario

    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    sc = read_scenario(sample).scenario
    plan = solve_plan(sc, sc.policy.model_copy(update=FAST))
    write_plan(plan, tmp_path)
    assert plan.placements and check_plan(sample, tmp_path) == []


def test_time_limit_is_honoured_with_a_status():
    from planner.generate import generate_scenario

    sc = generate_scenario(4000, 3)
    started = time.perf_counter()
    plan = solve_plan(sc, sc.policy.model_copy(update={"time_limit_s": 3.0, "workers": 1}))
    assert time.perf_counter() - started < 3.0 + 2.0
    assert plan.status in ("OPTIMAL", "FEASIBLE", "TIME_LIMIT_NO_PLAN")


@pytest.mark.parametrize("people,seed,extra", [
    (400, 11, {"stretch_levels": 1}),
    (400, 12, {"periods": 3}),
    (400, 13, {"stable": True}),
    (400, 14, {"max_cross_organisation": 3, "periods": 2}),
])
@pytest.mark.slow  # over ~5 s on a loaded machine: `make test` runs it, `make check` does not
def test_generated_plans_pass_the_independent_checker(tmp_path, people, seed, extra):
    from planner.generate import generate_scenario
    from planner.scenario_io import write_scenario_csv

    sc = generate_scenario(people, seed)
    sc = sc.model_copy(update={"policy": Policy(**{**FAST, **extra})})
    write_scenario_csv(sc, tmp_path / "scenario")
    plan = solve_plan(sc)
    assert plan.status in ("OPTIMAL", "FEASIBLE") and plan.placements
    if extra.get("stable"):
        assert plan.blocking_pair_count == 0
    write_plan(plan, tmp_path / "plan")
    assert check_plan(tmp_path / "scenario", tmp_path / "plan") == []


def test_a_time_limit_too_short_for_the_lp_still_returns_the_greedy_plan(tmp_path):
    """However short the limit, a large model answers with a plan that keeps every rule, not an
    empty one: the greedy plan is made before the LP relaxation gets the rest of the time."""
    from planner.generate import generate_scenario
    from planner.scenario_io import write_scenario_csv

    sc = generate_scenario(3000, 5)
    started = time.perf_counter()
    plan = solve_plan(sc, sc.policy.model_copy(update={"time_limit_s": 0.2, "workers": 1}))
    assert time.perf_counter() - started < 0.2 + 2.0
    assert plan.status in ("OPTIMAL", "FEASIBLE")
    assert len(plan.placements) > 100
    write_scenario_csv(sc, tmp_path / "scenario")
    write_plan(plan, tmp_path / "plan")
    assert check_plan(tmp_path / "scenario", tmp_path / "plan") == []
