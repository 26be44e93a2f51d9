"""Blocking pairs are named: plan.json lists each with who would drop what, `trellis explain
--blocking` prints them, and the HR plan page lists the first 50 with the total."""

from __future__ import annotations

import json

from click.testing import CliRunner
from matching_helpers import opportunity, person, placed, scenario

from optimiser.matching import solve_plan
from planner.cli import main
from planner.domain import PersonOpportunity, Plan
from planner.plan_io import read_plan, write_plan
from planner.store import save_plan


def _unstable_plan():
    """a ranks O1 first but gets O2 (only a can do O2); O1 goes to b, whom O1 scores lower."""
    people = [person("a", preferences=("O1", "O2"), skills={"gis": 2}), person("b")]
    opps = [opportunity("O1"), opportunity("O2", required_skills={"gis": 1})]
    plan = solve_plan(scenario(people, opps))
    assert placed(plan) == {("a", "O2"), ("b", "O1")}
    return plan


def test_each_blocking_pair_names_the_person_the_opportunity_and_who_would_be_dropped(tmp_path):
    plan = _unstable_plan()
    assert plan.blocking_pair_count == 1
    pair = plan.blocking_pairs[0]
    assert (pair.person_id, pair.opportunity_id, pair.period) == ("a", "O1", 1)
    assert pair.reason == ("In period 1, a ranks O1 1st and would leave O2 (ranked 2nd) for it; "
                           "O1 scores a higher than b, whom it would drop.")
    write_plan(plan, tmp_path)
    stored = json.loads((tmp_path / "plan.json").read_text())
    assert stored["blocking_pair_count"] == 1
    assert stored["blocking_pairs"] == [{"person_id": "a", "opportunity_id": "O1", "period": 1,
                                         "reason": pair.reason}]


def test_a_free_place_and_no_placement_are_said_so():
    # a wants O1 but is held to one move; O1 has two places. With a pinned elsewhere unranked,
    # a would leave it for O1, which has room.
    people = [person("a", preferences=("O1",))]
    opps = [opportunity("O1", capacity=2), opportunity("O2")]
    plan = solve_plan(scenario(people, opps, pinned=(PersonOpportunity(person_id="a", opportunity_id="O2"),)))
    assert plan.blocking_pairs[0].reason == (
        "In period 1, a ranks O1 1st and would leave O2 (not ranked) for it; O1 has a free place.")


def test_a_stable_plan_lists_no_blocking_pairs():
    people = [person("a", preferences=("O1", "O2"), skills={"gis": 2}), person("b")]
    opps = [opportunity("O1"), opportunity("O2", required_skills={"gis": 1})]
    plan = solve_plan(scenario(people, opps, stable=True))
    assert plan.blocking_pairs == [] and plan.blocking_pair_count == 0


def test_plans_saved_with_only_a_count_still_load():
    plan = Plan.model_validate({"status": "OPTIMAL", "blocking_pairs": 3})
    assert plan.blocking_pair_count == 3 and plan.blocking_pairs == []


def test_explain_blocking_prints_every_pair_with_its_reason(tmp_path):
    plan = _unstable_plan()
    write_plan(plan, tmp_path)
    result = CliRunner().invoke(main, ["explain", str(tmp_path), "--blocking"])
    assert result.exit_code == 0, result.output
    assert "1 blocking pair(s):" in result.output
    assert "a + O1: In period 1, a ranks O1 1st and would leave O2 (ranked 2nd) for it" in result.output


def test_explain_without_person_or_blocking_is_a_usage_error(tmp_path):
    write_plan(_unstable_plan(), tmp_path)
    result = CliRunner().invoke(main, ["explain", str(tmp_path)])
    assert result.exit_code == 2 and "--blocking" in result.output
    assert read_plan(tmp_path).blocking_pair_count == 1


def test_the_hr_plan_page_lists_fifty_blocking_pairs_with_names_and_the_total(as_role, store_engine):
    pairs = [{"person_id": "P001", "opportunity_id": "O-DASH", "period": 1,
              "reason": f"In period 1, P001 ranks O-DASH 1st (reason number {i:02d})."} for i in range(60)]
    result = Plan(status="OPTIMAL", blocking_pairs=pairs, blocking_pair_count=60)
    stored = save_plan(store_engine, "matching", result, created_by="hr1")
    page = as_role("hr").get(f"/hr/plans/{stored.id}").get_data(as_text=True)
    assert "Blocking pairs (60)" in page
    assert "reason number 49" in page and "reason number 50" not in page
    assert "Showing the first 50 of 60" in page
    assert "Person 1" in page and "Build the children&#39;s dashboard" in page


def test_the_hr_plan_page_shows_the_count_of_an_old_count_only_version(as_role, store_engine):
    old_result = Plan(status="OPTIMAL").model_dump(mode="json") | {"blocking_pairs": 4}
    del old_result["blocking_pair_count"]
    stored = save_plan(store_engine, "matching", old_result, created_by="hr1")
    page = as_role("hr").get(f"/hr/plans/{stored.id}").get_data(as_text=True)
    assert "Blocking pairs (4)" in page and "saved before blocking pairs were listed" in page
