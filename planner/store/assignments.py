"""The record of assignments: who is (or was) away on which secondment or crisis redeployment,
from when to when, decided by whom, from which plan version.

Only decisions are stored (proposed, accepted, declined, ended early); whether an assignment is
active or over follows from its dates on the day it is read (`assignment_status`). Rows carry a
`person_id` (personal data: erasure deletes a person's rows; export includes them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Engine, and_, or_, select, update

from planner.rotation_calendar import assignment_status
from planner.store._common import NotFound, as_utc, in_transaction, person_target, utc_now, write_audit
from planner.store.tables import ASSIGNMENT_DECISIONS, ASSIGNMENT_KINDS, assignments, people, plans


@dataclass(frozen=True)
class Assignment:
    """One row of the record. `team_id` is the host team of a placement or the team whose
    demand a redeployment covers; `skill` the demanded skill of a redeployment."""

    id: int
    person_id: str
    kind: str
    opportunity_id: str | None
    team_id: str | None
    skill: str | None
    start: date
    end: date | None
    decision: str
    decided_by: str
    decided_at: datetime
    plan_id: int | None

    def status(self, today: date) -> str:
        """proposed, accepted, active, ended or declined, on `today`."""
        return assignment_status(self.decision, self.start, self.end, today)


@dataclass(frozen=True)
class NewAssignment:
    person_id: str
    kind: str
    start: date
    end: date | None
    opportunity_id: str | None = None
    team_id: str | None = None
    skill: str | None = None
    decision: str = "accepted"


def _from_row(row) -> Assignment:
    return Assignment(id=row.id, person_id=row.person_id, kind=row.kind, opportunity_id=row.opportunity_id,
                      team_id=row.team_id, skill=row.skill, start=row.start, end=row.end, decision=row.decision,
                      decided_by=row.decided_by, decided_at=as_utc(row.decided_at), plan_id=row.plan_id)


def record_assignments(bind: Engine | Connection, items: Iterable[NewAssignment], decided_by: str,
                       plan_id: int | None = None) -> int:
    """Add assignments in `decided_by`'s name (inside the caller's transaction when given a
    connection, so a plan's approval and its record change together). Returns how many."""
    now = utc_now()
    rows = []
    for item in items:
        if item.kind not in ASSIGNMENT_KINDS or item.decision not in ASSIGNMENT_DECISIONS:
            raise ValueError(f"unknown assignment kind {item.kind!r} or decision {item.decision!r}")
        if item.end is not None and item.start > item.end:
            raise ValueError(f"an assignment cannot end ({item.end}) before it starts ({item.start})")
        rows.append({"person_id": item.person_id, "kind": item.kind, "opportunity_id": item.opportunity_id,
                     "team_id": item.team_id, "skill": item.skill, "start": item.start, "end": item.end,
                     "decision": item.decision, "decided_by": decided_by, "decided_at": now, "plan_id": plan_id})
    if not rows:
        return 0
    with in_transaction(bind) as connection:
        connection.execute(assignments.insert(), rows)
        for row in rows:
            write_audit(connection, decided_by, f"assignment.{row['kind']}", person_target(row["person_id"]),
                        f"plan={plan_id} {row['start']}..{row['end'] or ''}")
    return len(rows)


def end_assignment(bind: Engine | Connection, assignment_id: int, last_day: date, decided_by: str) -> None:
    """End an assignment early: its last day becomes `last_day` (a decision, audited)."""
    with in_transaction(bind) as connection:
        row = connection.execute(select(assignments).where(assignments.c.id == assignment_id)).first()
        if row is None:
            return
        end = max(last_day, row.start)
        connection.execute(update(assignments).where(assignments.c.id == assignment_id).values(
            end=end, decision="ended", decided_by=decided_by, decided_at=utc_now()))
        write_audit(connection, decided_by, "assignment.end", person_target(row.person_id), f"last day {end}")


def assignments_for_person(engine: Engine, person_id: str) -> list[Assignment]:
    """A person's whole record, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(assignments).where(assignments.c.person_id == person_id)
                                  .order_by(assignments.c.start, assignments.c.id)).all()
    return [_from_row(r) for r in rows]


def assignments_ending_on_or_after(bind: Engine | Connection, day: date, kind: str | None = None) -> list[Assignment]:
    """Every assignment not declined whose last day is `day` or later (or open-ended): the
    people who may still be away from `day` on."""
    query = select(assignments).where(
        assignments.c.decision != "declined",
        or_(assignments.c.end.is_(None), assignments.c.end >= day))
    if kind is not None:
        query = query.where(assignments.c.kind == kind)
    query = query.order_by(assignments.c.person_id, assignments.c.start, assignments.c.id)
    if isinstance(bind, Connection):
        return [_from_row(r) for r in bind.execute(query).all()]
    with bind.connect() as connection:
        return [_from_row(r) for r in connection.execute(query).all()]


def active_on(bind: Engine | Connection, day: date, kind: str | None = None) -> list[Assignment]:
    """Assignments that cover `day` (started on or before it, not ended before it)."""
    return [a for a in assignments_ending_on_or_after(bind, day, kind) if a.start <= day]


def latest_redeployment_end(engine: Engine, on_or_before: date) -> dict[str, date]:
    """person_id -> last day of their latest redeployment that began on or before the date."""
    with engine.connect() as connection:
        rows = connection.execute(select(assignments.c.person_id, assignments.c.end).where(and_(
            assignments.c.kind == "redeployment", assignments.c.decision != "declined",
            assignments.c.start <= on_or_before, assignments.c.end.is_not(None)))).all()
    latest: dict[str, date] = {}
    for person_id, end in rows:
        if person_id not in latest or end > latest[person_id]:
            latest[person_id] = end
    return latest


def set_last_redeployed(connection: Connection, last_days: dict[str, date]) -> None:
    """Write each person's `last_redeployed` (the last day of their latest redeployment) into the
    stored scenario, inside the caller's transaction, so an exported scenario carries the rest."""
    for person_id, day in last_days.items():
        connection.execute(update(people).where(people.c.person_id == person_id).values(last_redeployed=day))


def approve_draft_plan(connection: Connection, plan_id: int, approver: str, kind: str) -> None:
    """Approve a draft plan of `kind` inside the caller's transaction (the plan row locked), in
    `approver`'s name; refused with ValueError when it is not a draft of that kind."""
    row = connection.execute(select(plans.c.status, plans.c.kind).where(plans.c.id == plan_id)
                             .with_for_update()).first()
    if row is None:
        raise NotFound(f"no plan {plan_id}")
    if row.kind != kind or row.status != "draft":
        raise ValueError(f"plan {plan_id} is a {row.status} {row.kind} plan; only a draft {kind} plan is confirmed")
    connection.execute(update(plans).where(plans.c.id == plan_id).values(
        status="approved", approved_by=approver, approved_at=utc_now()))
    write_audit(connection, approver, "plan.approve", f"plan:{plan_id}")
