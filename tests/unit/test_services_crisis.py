"""The crisis services (no Flask): a real redeployment saved as a version, a re-plan from it,
the out-of-date rule, demand edits and the managers' workbook."""

from __future__ import annotations

from helpers import ProgressSink

from planner.domain import Demand
from planner.services.crisis import (
    assignment_rows,
    coverage_summary,
    demand_with_line_added,
    demand_with_line_changed,
    demand_with_line_removed,
    describe_demand_line,
    export_sheets,
    redeploy_work,
    redeployment_is_stale,
    run_note,
)
from planner.store import get_plan, save_plan


def test_a_redeployment_is_saved_as_a_version_and_a_replan_starts_from_it(store, consoles_scenario):
    first = redeploy_work(store, consoles_scenario, 3, "ep1", None, time_limit_s=2)(ProgressSink())
    stored = get_plan(store, first.plan_id)
    assert stored.kind == "redeploy" and stored.created_by == "ep1" and stored.version == 1
    assert stored.result["scenario_revision"] == 3 and stored.result["baseline_plan_id"] is None
    assert first.result["covered"] == coverage_summary(stored.result)["covered"] > 0
    assert first.result["covered"] + first.result["uncovered"] == first.result["demanded"]
    assert run_note(None) == "redeploy" and run_note(stored) == "re-plan from redeployment v1"

    again = redeploy_work(store, consoles_scenario, 3, "ep1", stored, time_limit_s=2)(ProgressSink())
    replanned = get_plan(store, again.plan_id)
    assert replanned.version == 2 and replanned.result["baseline_plan_id"] == stored.id
    assert again.result["people_changed"] == 0  # nothing changed, so nobody is moved again

    rows = assignment_rows(stored.result, consoles_scenario, lambda pid: f"name of {pid}")
    assert len(rows) == len(stored.result["assignments"])
    assert [r.priority for r in rows] == sorted(r.priority for r in rows)
    assert all(r.name.startswith("name of P") and r.to_team == "Testing centre" for r in rows
               if r.skill in ("first-aid", "driving"))
    sheets = {title: lines for title, _header, lines in export_sheets(stored.result, consoles_scenario, str)}
    assert set(sheets) == {"Redeployments", "Coverage by priority", "Coverage by team", "Uncovered"}
    assert len(sheets["Redeployments"]) == len(rows)


def test_a_redeployment_planned_on_an_older_revision_is_out_of_date(store):
    stored = save_plan(store, "redeploy", {"scenario_revision": 4}, created_by="ep1")
    assert not redeployment_is_stale(stored, 4)
    assert redeployment_is_stale(stored, 5)
    assert not redeployment_is_stale(None, 5)
    unrecorded = save_plan(store, "redeploy", {}, created_by="ep1")
    assert not redeployment_is_stale(unrecorded, 5)


def test_demand_lines_are_added_changed_and_removed_by_their_shown_number(consoles_scenario):
    line = Demand(team_id="T-PLAN", skill="driving", level=2, count=3, priority=4)
    added = demand_with_line_added(consoles_scenario, line)
    assert added[-1] == line and len(added) == len(consoles_scenario.demand) + 1
    changed = demand_with_line_changed(consoles_scenario, 2, level=3, count=5, priority=1)
    assert (changed[1].level, changed[1].count, changed[1].priority) == (3, 5, 1)
    assert changed[1].team_id == consoles_scenario.demand[1].team_id and changed[0] == consoles_scenario.demand[0]
    removed = demand_with_line_removed(consoles_scenario, 1)
    assert removed == list(consoles_scenario.demand[1:])
    assert describe_demand_line(line, consoles_scenario) == "3 × driving (level 2+) for Planning, priority 4"
