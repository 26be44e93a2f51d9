"""The record of assignments as services (no Flask): approving a plan records who is away where,
the next plan starts from it, and the status of an assignment follows from its dates."""

from __future__ import annotations

from datetime import date

import pytest
from services_fixtures import *  # noqa: F401,F403 - the store fixtures
from services_fixtures import ProgressSink, saved_plan

from optimiser.redeploy.rules import is_resting, rest_counts_from
from planner.domain import Policy
from planner.rotation_calendar import assignment_status, undated_placement_window
from planner.services.assignments import (
    confirm_redeployment,
    current_redeployments,
    person_record,
    placement_assignments,
    scenario_with_rest,
    with_commitments,
)
from planner.services.decisions import accept_every_undecided, approve_matching_plan
from planner.services.plans import matching_work
from planner.store import get_plan, list_audit
from planner.store.assignments import NewAssignment, assignments_for_person, record_assignments

JAN, JUL = date(2027, 1, 1), date(2027, 7, 1)


def run_plan(engine, scenario, policy):
    outcome = matching_work(engine, scenario, policy, "hr1", None)(ProgressSink())
    return get_plan(engine, outcome.plan_id)


def placed_people(stored) -> set[str]:
    return {p["person_id"] for p in stored.result["placements"]}


# -- rules alone --------------------------------------------------------------------------------


@pytest.mark.parametrize(("decision", "today", "expected"), [
    ("accepted", date(2026, 12, 31), "accepted"),
    ("proposed", date(2026, 12, 31), "proposed"),
    ("accepted", JAN, "active"),
    ("accepted", date(2027, 6, 30), "active"),
    ("accepted", JUL, "ended"),
    ("declined", date(2027, 3, 1), "declined"),
    ("ended", date(2027, 3, 1), "ended"),
])
def test_assignment_status_follows_from_its_dates(decision, today, expected):
    assert assignment_status(decision, JAN, date(2027, 6, 30), today) == expected


def test_an_undated_plan_is_dated_from_the_day_it_is_approved(scenario):
    opp = scenario.opportunity_by_id["O-DASH"]
    policy = Policy(period_months=3, periods=2)
    assert undated_placement_window(policy, 2, opp, date(2027, 1, 15)) == (date(2027, 4, 15), date(2027, 7, 14))
    result = {"placements": [{"person_id": "P001", "opportunity_id": "O-DASH", "period": 1}]}
    [item] = placement_assignments(result, policy, scenario, date(2027, 1, 15))
    assert (item.start, item.end, item.team_id) == (date(2027, 1, 15), date(2027, 4, 14), "T-DATA")


def test_rest_counts_from_the_end_of_the_latest_redeployment():
    assert rest_counts_from(None, []) is None
    assert rest_counts_from(date(2027, 1, 5), [date(2027, 1, 20), date(2027, 1, 10)]) == date(2027, 1, 20)
    assert rest_counts_from(date(2027, 2, 1), [date(2027, 1, 20)]) == date(2027, 2, 1)


# -- through the store --------------------------------------------------------------------------


def test_plan_approve_and_the_next_plan_keeps_people_away_where_the_record_says(store, scenario):
    policy = scenario.policy.model_copy(update={"start": JAN, "period_months": 6, "periods": 1})
    first = run_plan(store, scenario, policy)
    assert first.result["placements"] and all(p["start"] for p in first.result["placements"])
    accept_every_undecided(store, first, "hr1")
    approve_matching_plan(store, first.id, "hr2")

    away = placed_people(first)
    for p in first.result["placements"]:
        [record] = assignments_for_person(store, p["person_id"])
        assert (record.kind, record.opportunity_id, record.decided_by, record.plan_id) == (
            "placement", p["opportunity_id"], "hr2", first.id)
        assert (record.start.isoformat(), record.end.isoformat()) == (p["start"], p["end"])
    assert any(e.action == "assignment.placement" for e in list_audit(store))

    # The same period again: nobody away is placed, and each home team's limit counts them.
    second = run_plan(store, scenario, policy)
    assert not placed_people(second) & away
    commitments = {c["person_id"] for c in second.policy["commitments"]}
    assert commitments == away
    home = scenario.person_by_id
    for team in scenario.teams:
        allowance = int(team.max_release_share * sum(1 for p in scenario.people if p.team_id == team.team_id))
        members_away = sum(1 for pid in away | placed_people(second) if home[pid].team_id == team.team_id)
        assert members_away <= allowance

    # The next period (after every assignment ended) may place them again.
    later = run_plan(store, scenario, policy.model_copy(update={"start": JUL}))
    assert later.policy["commitments"] == [] and placed_people(later) & away


def test_refused_approval_records_nothing(store):
    stored = saved_plan(store, [("P001", "O-HUB")])
    with pytest.raises(ValueError):
        approve_matching_plan(store, stored.id, "hr1")
    assert assignments_for_person(store, "P001") == []


def test_with_commitments_lists_only_assignments_not_over_by_the_first_day(store, scenario):
    record_assignments(store, [
        NewAssignment(person_id="P001", kind="placement", start=date(2026, 1, 1), end=date(2026, 6, 30),
                      opportunity_id="O-DASH", team_id="T-DATA"),
        NewAssignment(person_id="P002", kind="placement", start=date(2026, 7, 1), end=date(2027, 3, 31),
                      opportunity_id="O-DASH", team_id="T-DATA"),
        NewAssignment(person_id="P003", kind="placement", start=date(2026, 7, 1), end=date(2027, 3, 31),
                      opportunity_id="O-DASH", team_id="T-DATA", decision="declined"),
    ], "hr1")
    policy = with_commitments(store, scenario, Policy(start=JAN))
    assert [c.person_id for c in policy.commitments] == ["P002"]


def test_confirming_a_redeployment_records_it_and_a_replan_keeps_it_as_the_baseline(store, scenario):
    from planner.redeploy_results import Assignment as Move

    day = date(2027, 3, 1)
    moves = [Move(person_id="P001", from_team_id="T-CHILD", to_team_id="T-TEST", skill="first-aid", priority=1)]
    confirmed = confirm_redeployment(store, moves, day, 3, "emre")
    assert confirmed.recorded == 1
    [record] = assignments_for_person(store, "P001")
    assert (record.kind, record.team_id, record.skill, record.start, record.end) == (
        "redeployment", "T-TEST", "first-aid", day, date(2027, 3, 3))
    next_day = date(2027, 3, 2)
    assert [m.to_team_id for m in current_redeployments(store, scenario, next_day)] == ["T-TEST"]
    rested = scenario_with_rest(store, scenario, next_day)
    assert rested.person_by_id["P001"].last_redeployed == date(2027, 3, 3)
    assert is_resting(rested.person_by_id["P001"], next_day, 28)

    # Confirming again the next day keeps the running redeployment; one no longer kept ends.
    again = confirm_redeployment(store, moves, next_day, 2, "emre")
    assert (again.recorded, again.kept, again.ended) == (0, 1, 0)
    gone = confirm_redeployment(store, [], date(2027, 3, 3), 1, "emre")
    assert gone.ended == 1
    [record] = assignments_for_person(store, "P001")
    assert (record.decision, record.end) == ("ended", date(2027, 3, 2))


def test_person_record_names_what_and_where_with_status_today(store, scenario):
    record_assignments(store, [NewAssignment(person_id="P001", kind="placement", start=JAN, end=date(2027, 6, 30),
                                             opportunity_id="O-DASH", team_id="T-DATA")], "hr1")
    [row] = person_record(store, "P001", scenario, today=date(2027, 2, 1))
    assert (row.what, row.team, row.status) == ("Build the children's dashboard", "Data and insight", "active")


def test_a_persons_record_is_in_their_export_and_gone_after_erasure(store):
    from planner.store import delete_person, export_person

    record_assignments(store, [NewAssignment(person_id="P001", kind="placement", start=JAN, end=JUL,
                                             opportunity_id="O-DASH", team_id="T-DATA"),
                               NewAssignment(person_id="P002", kind="placement", start=JAN, end=JUL,
                                             opportunity_id="O-DASH", team_id="T-DATA")], "hr1")
    exported = export_person(store, "P001")
    [row] = exported["other_records"]["assignments"]
    assert (row["person_id"], row["opportunity_id"], row["start"]) == ("P001", "O-DASH", "2027-01-01")
    delete_person(store, "P001", actor="admin")
    assert assignments_for_person(store, "P001") == [] and len(assignments_for_person(store, "P002")) == 1


def test_cli_plan_stored_starts_from_the_record(tmp_path, scenario):
    from click.testing import CliRunner

    from planner.cli import main
    from planner.store import make_engine, save_scenario, upgrade

    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    save_scenario(engine, scenario, actor="test")
    everyone = [p.person_id for p in scenario.people]
    record_assignments(engine, [NewAssignment(person_id=pid, kind="placement", start=JAN, end=date(2027, 6, 30))
                                for pid in everyone[1:]], "hr1")
    engine.dispose()
    result = CliRunner().invoke(main, ["plan", "--stored", "--database-url", url, "--start", "2027-01-01",
                                       "--out", str(tmp_path / "out"), "--time-limit", "5", "--workers", "1"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "out" / "plan.csv").read_text()
    assert all(pid not in text for pid in everyone[1:])
    both = CliRunner().invoke(main, ["plan", str(tmp_path), "--stored", "--out", str(tmp_path / "o2")])
    assert both.exit_code == 2 and "not both" in both.output


def test_approving_a_placement_that_overlaps_the_record_is_refused_and_records_nothing(store, scenario):
    from planner.domain import Placement, Plan
    from planner.services.decisions import DecisionRefused
    from planner.store import save_plan

    record_assignments(store, [NewAssignment(person_id="P001", kind="placement", start=JAN, end=date(2027, 6, 30),
                                             opportunity_id="O-DASH", team_id="T-DATA")], "hr1")
    plan = Plan(status="OPTIMAL", placements=[Placement(person_id="P001", opportunity_id="O-TEST", period=1,
                                                        start=date(2027, 3, 1), end=date(2027, 8, 31))])
    stored = save_plan(store, "matching", plan, created_by="hr1", policy=Policy(start=date(2027, 3, 1)))
    accept_every_undecided(store, stored, "hr1")
    with pytest.raises(DecisionRefused, match="overlap an assignment already on record"):
        approve_matching_plan(store, stored.id, "hr2")
    assert get_plan(store, stored.id).status == "draft"
    assert [a.opportunity_id for a in assignments_for_person(store, "P001")] == ["O-DASH"]
