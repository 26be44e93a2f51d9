"""The record as the plans use it: what an approved matching plan or a confirmed redeployment
decides becomes assignments, and the next plan starts from them.

- Approving a matching plan records one accepted assignment per placement, from its start to its
  end (an undated plan is dated from the day it is approved), in the same transaction.
- A plan run from the stored scenario treats everyone on an assignment as away for the periods it
  overlaps (`Policy.commitments`), and their home team's release limit counts them.
- Confirming a redeployment records each move from the plan date for the days asked, ends the
  redeployments it no longer keeps, and the rest period counts from the end of the latest one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, Engine

from optimiser.redeploy.rules import rest_counts_from
from planner.domain import Commitment, Policy, Scenario
from planner.redeploy_results import Assignment as Redeployment
from planner.rotation_calendar import overlap, undated_placement_window
from planner.store import write_transaction
from planner.store.assignments import (
    Assignment,
    NewAssignment,
    active_on,
    approve_draft_plan,
    assignments_ending_on_or_after,
    assignments_for_person,
    end_assignment,
    latest_redeployment_end,
    record_assignments,
    set_last_redeployed,
)
from planner.store.decisions import PlanNotApproved


def placement_assignments(result: dict, policy: Policy, scenario: Scenario | None,
                          approved_on: date) -> list[NewAssignment]:
    """One accepted assignment per placement of an approved plan: its dates when the plan is
    dated, else the dates of its period counted from the approval day
    (`undated_placement_window`)."""
    opps = scenario.opportunity_by_id if scenario is not None else {}
    items = []
    for p in result.get("placements", []):
        opp = opps.get(p["opportunity_id"])
        if p.get("start"):
            start, end = date.fromisoformat(p["start"]), date.fromisoformat(p["end"])
        elif opp is not None:
            start, end = undated_placement_window(policy, int(p.get("period", 1)), opp, approved_on)
        else:
            continue  # the opportunity left the scenario since the plan was made: nothing to date
        items.append(NewAssignment(person_id=p["person_id"], kind="placement", start=start, end=end,
                                   opportunity_id=p["opportunity_id"],
                                   team_id=opp.host_team_id if opp is not None else None))
    return items


def record_on_approval(plan_id: int, result: dict, policy: Policy, scenario: Scenario | None,
                       approver: str, approved_on: date) -> Callable[[Connection], None]:
    """What approving a matching plan writes, inside the approving transaction."""
    items = placement_assignments(result, policy, scenario, approved_on)

    def write(connection: Connection) -> None:
        clashes = clashes_with_record(connection, items)
        if clashes:
            raise PlanNotApproved(
                f"{len(clashes)} placement(s) overlap an assignment already on record (people "
                f"{', '.join(sorted(clashes)[:5])}): re-run the plan, which starts from the record.")
        record_assignments(connection, items, approver, plan_id)

    return write


def clashes_with_record(connection: Connection, items: list[NewAssignment]) -> set[str]:
    """Nobody is on two assignments at once: the people whose new placement overlaps an
    assignment of theirs already on record (not declined)."""
    if not items:
        return set()
    first = min(item.start for item in items)
    on_record: dict[str, list[Assignment]] = {}
    for a in assignments_ending_on_or_after(connection, first):
        on_record.setdefault(a.person_id, []).append(a)
    return {item.person_id for item in items for a in on_record.get(item.person_id, [])
            if overlap((item.start, item.end or date.max), (a.start, a.end)) is not None}


def with_commitments(engine: Engine, scenario: Scenario, policy: Policy, today: date | None = None) -> Policy:
    """The policy of a plan run from the stored scenario, with everyone on an assignment not
    over by the plan's first day listed as away (`Policy.commitments`)."""
    today = today or date.today()
    first_day = policy.start or today
    people = scenario.person_by_id
    commitments = [Commitment(person_id=a.person_id, start=a.start, end=a.end, what=a.kind)
                   for a in assignments_ending_on_or_after(engine, first_day) if a.person_id in people]
    # The plan's date is the day it runs (an undated plan counts unfinished assignments from it).
    return policy.model_copy(update={"commitments": tuple(commitments), "plan_date": today})


# ---------------------------------------------------------------------------------------------
# Crisis redeployment
# ---------------------------------------------------------------------------------------------


def redeployment_last_day(plan_date: date, days: int) -> date:
    """A redeployment confirmed on day D for N days runs from D to D + N - 1."""
    return plan_date + timedelta(days=days - 1)


def current_redeployments(engine: Engine, scenario: Scenario, plan_date: date) -> list[Redeployment]:
    """The redeployments in force on the plan date, as the baseline a re-plan keeps: people
    currently redeployed stay where they are (they are resting, so they may only stay)."""
    out, seen = [], set()
    people = scenario.person_by_id
    for a in active_on(engine, plan_date, "redeployment"):
        if a.person_id in seen or a.person_id not in people or a.team_id is None:
            continue
        seen.add(a.person_id)
        out.append(Redeployment(person_id=a.person_id, from_team_id=people[a.person_id].team_id,
                                to_team_id=a.team_id, skill=a.skill or "", priority=1))
    return out


def scenario_with_rest(engine: Engine, scenario: Scenario, plan_date: date) -> Scenario:
    """The stored scenario with each person's `last_redeployed` set to the last day of their
    latest recorded redeployment (`rest_counts_from`), so the rest period counts from its end."""
    ends = latest_redeployment_end(engine, plan_date)
    if not ends:
        return scenario
    people = tuple(p.model_copy(update={"last_redeployed": rest_counts_from(p.last_redeployed, [ends[p.person_id]])})
                   if p.person_id in ends else p for p in scenario.people)
    return scenario.model_copy(update={"people": people})


@dataclass(frozen=True)
class Confirmed:
    recorded: int
    ended: int
    kept: int


def confirm_redeployment(engine: Engine, redeployments: list[Redeployment], plan_date: date, days: int,
                         actor: str, plan_id: int | None = None) -> Confirmed:
    """Record a redeployment plan as decided: each move runs from the plan date for `days` days;
    a person kept on the same team and skill keeps their running assignment (extended when the
    new one lasts longer); a redeployment in force that the plan no longer keeps ends the day
    before the plan date. Each person's `last_redeployed` becomes the last day of their latest
    redeployment, and the plan version (when given) is approved: one transaction."""
    if days < 1:
        raise ValueError("a redeployment lasts at least one day")
    last_day = redeployment_last_day(plan_date, days)
    with write_transaction(engine) as connection:
        if plan_id is not None:
            approve_draft_plan(connection, plan_id, actor, "redeploy")
        running = {a.person_id: a for a in active_on(connection, plan_date, "redeployment")}
        new, kept, ended = [], 0, 0
        planned = {r.person_id: r for r in redeployments}
        for person_id, current in running.items():
            move = planned.get(person_id)
            if move is not None and (move.to_team_id, move.skill) == (current.team_id, current.skill):
                kept += 1
                if current.end is not None and current.end < last_day:
                    end_assignment(connection, current.id, plan_date - timedelta(days=1), actor)
                    new.append(_redeployment(move, plan_date, last_day))
                continue
            end_assignment(connection, current.id, plan_date - timedelta(days=1), actor)
            ended += 1
        for person_id, move in planned.items():
            if person_id not in running or (move.to_team_id, move.skill) != (running[person_id].team_id,
                                                                              running[person_id].skill):
                new.append(_redeployment(move, plan_date, last_day))
        recorded = record_assignments(connection, new, actor, plan_id)
        touched = set(planned) | set(running)
        latest = {a.person_id: a.end for a in sorted(
            (a for a in assignments_ending_on_or_after(connection, date.min, "redeployment")
             if a.person_id in touched and a.end is not None), key=lambda a: a.end)}
        set_last_redeployed(connection, latest)
    return Confirmed(recorded=recorded, ended=ended, kept=kept)


def _redeployment(move: Redeployment, start: date, end: date) -> NewAssignment:
    return NewAssignment(person_id=move.person_id, kind="redeployment", start=start, end=end,
                         team_id=move.to_team_id, skill=move.skill)


def team_links_on(engine: Engine, scenario: Scenario, day: date) -> list[tuple[str, str]]:
    """(home team, team they are with) of every assignment in force on `day`: the links between
    teams the record already makes (the network view counts them before any plan)."""
    people = scenario.person_by_id
    return [(people[a.person_id].team_id, a.team_id) for a in active_on(engine, day)
            if a.person_id in people and a.team_id]


# ---------------------------------------------------------------------------------------------
# A person's record, as the staff page shows it
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordRow:
    kind: str
    what: str
    team: str
    start: date
    end: date | None
    status: str


def person_record(engine: Engine, person_id: str, scenario: Scenario | None, today: date | None = None) -> list[RecordRow]:
    """A person's assignments with titles and team names and their status today, oldest first."""
    today = today or date.today()
    opps = scenario.opportunity_by_id if scenario else {}
    teams = scenario.team_by_id if scenario else {}
    rows = []
    for a in assignments_for_person(engine, person_id):
        team = teams[a.team_id].name if a.team_id in teams else (a.team_id or "")
        if a.kind == "placement":
            what = opps[a.opportunity_id].title if a.opportunity_id in opps else (a.opportunity_id or "")
        else:
            what = f"Crisis redeployment ({a.skill})"
        rows.append(RecordRow(kind=a.kind, what=what, team=team, start=a.start, end=a.end, status=a.status(today)))
    return rows


@dataclass(frozen=True)
class MoveMade:
    opportunity_id: str
    title: str
    start: date
    end: date | None


def counts_as_move_made(assignment: Assignment, today: date) -> bool:
    """A placement the person has completed or is on now is a move already made (their
    pathways start after it); a declined one, or one not begun yet, is not."""
    return (assignment.kind == "placement" and assignment.opportunity_id is not None
            and assignment.status(today) in ("active", "ended"))


def moves_already_made(engine: Engine, person_id: str, scenario: Scenario | None,
                       today: date | None = None) -> list[MoveMade]:
    """The placements on a person's record that count as moves already made, oldest first."""
    today = today or date.today()
    opps = scenario.opportunity_by_id if scenario else {}
    return [MoveMade(opportunity_id=a.opportunity_id, start=a.start, end=a.end,
                     title=opps[a.opportunity_id].title if a.opportunity_id in opps else a.opportunity_id)
            for a in assignments_for_person(engine, person_id) if counts_as_move_made(a, today)]


__all__ = ["Assignment", "Confirmed", "MoveMade", "RecordRow", "moves_already_made", "confirm_redeployment", "current_redeployments",
           "person_record", "placement_assignments", "record_on_approval", "redeployment_last_day",
           "scenario_with_rest", "team_links_on", "with_commitments"]
