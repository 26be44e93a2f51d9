"""The people concerned have a say: a member of staff's answer to a placement proposed for them,
a line manager's decision to release (or keep) one of their people, and a wellbeing opt-out
from crisis redeployment.

Answers and release decisions are taken on a draft plan only, with the plan's row locked (as
HR's own decisions are, `planner.store.decisions`), so an approval checks its rule against
answers no one can change until it commits. A later answer on the same placement replaces the
earlier one. Each change calls `on_saved(connection, record)` inside its transaction: the
planning services write the audit row there (`planner.services.events`), so the record and its
audit row commit together. Reasons are the person's own words: they are stored here and shown to
the people deciding, never written to the audit trail or to logs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from planner.store._common import NotFound, as_utc, utc_now
from planner.store.engine import write_transaction
from planner.store.tables import (
    ANSWERS,
    MAX_REASON_LENGTH,
    RELEASE_DECISIONS,
    crisis_opt_outs,
    placement_answers,
    plans,
    release_decisions,
)

OnSaved = Callable[[Connection, Any], None]


def _nothing(_connection: Connection, _record: Any) -> None:
    return None


@dataclass(frozen=True)
class Answer:
    """A member of staff's own answer to a proposed placement."""

    plan_id: int
    person_id: str
    opportunity_id: str
    answer: str
    reason: str
    answered_by: str
    answered_at: datetime


@dataclass(frozen=True)
class Release:
    """A line manager's decision on letting one of their people go to a proposed placement."""

    plan_id: int
    person_id: str
    opportunity_id: str
    decision: str
    reason: str
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class OptOut:
    """A wellbeing opt-out from crisis redeployment (current while `withdrawn_at` is None)."""

    id: int
    person_id: str
    reason: str
    since: datetime
    withdrawn_at: datetime | None


def clean_reason(reason: str | None, *, required: bool = False) -> str:
    """A reason is plain text of at most MAX_REASON_LENGTH characters (control characters other
    than line breaks are refused); raises ValueError in plain words."""
    text = (reason or "").strip()
    if required and not text:
        raise ValueError("give a reason")
    if len(text) > MAX_REASON_LENGTH:
        raise ValueError(f"the reason is {len(text)} characters long; keep it to {MAX_REASON_LENGTH}")
    if any(ord(ch) < 32 and ch not in "\n\r\t" or ord(ch) == 127 for ch in text):
        raise ValueError("the reason must be plain text (no control characters)")
    return text


def _draft_plan_locked(connection: Connection, plan_id: int) -> None:
    """Lock the plan's row (PostgreSQL; SQLite's write transaction already holds the lock) and
    refuse unless it is a draft."""
    status = connection.execute(select(plans.c.status).where(plans.c.id == plan_id).with_for_update()).scalar()
    if status is None:
        raise NotFound(f"no plan {plan_id}")
    if status != "draft":
        raise ValueError(f"plan {plan_id} is already {status}; answers are taken on a draft only")


def _upsert(connection: Connection, table, plan_id: int, person_id: str, opportunity_id: str, values: dict) -> None:
    key = ((table.c.plan_id == plan_id) & (table.c.person_id == person_id)
           & (table.c.opportunity_id == opportunity_id))
    if not connection.execute(update(table).where(key).values(**values)).rowcount:
        connection.execute(insert(table).values(plan_id=plan_id, person_id=person_id,
                                                opportunity_id=opportunity_id, **values))


def save_answer(engine: Engine, plan_id: int, person_id: str, opportunity_id: str, answer: str,
                reason: str | None, *, answered_by: str, on_saved: OnSaved = _nothing) -> Answer:
    """Record a person's answer (accepted or declined, with an optional reason) to a placement
    of a draft plan; a later answer replaces the earlier one."""
    if answer not in ANSWERS:
        raise ValueError(f"an answer is one of {', '.join(ANSWERS)}")
    saved = Answer(plan_id, person_id, opportunity_id, answer, clean_reason(reason), answered_by, utc_now())
    with write_transaction(engine) as connection:
        _draft_plan_locked(connection, plan_id)
        _upsert(connection, placement_answers, plan_id, person_id, opportunity_id,
                {"answer": answer, "reason": saved.reason, "answered_by": answered_by,
                 "answered_at": saved.answered_at})
        on_saved(connection, saved)
    return saved


def save_release(engine: Engine, plan_id: int, person_id: str, opportunity_id: str, decision: str,
                 reason: str | None, *, decided_by: str, on_saved: OnSaved = _nothing) -> Release:
    """Record a line manager's decision (released or refused, a reason required to refuse) on a
    placement of a draft plan; a later decision replaces the earlier one."""
    if decision not in RELEASE_DECISIONS:
        raise ValueError(f"a release decision is one of {', '.join(RELEASE_DECISIONS)}")
    saved = Release(plan_id, person_id, opportunity_id, decision,
                    clean_reason(reason, required=decision == "refused"), decided_by, utc_now())
    with write_transaction(engine) as connection:
        _draft_plan_locked(connection, plan_id)
        _upsert(connection, release_decisions, plan_id, person_id, opportunity_id,
                {"decision": decision, "reason": saved.reason, "decided_by": decided_by,
                 "decided_at": saved.decided_at})
        on_saved(connection, saved)
    return saved


def answers_for_plan(engine: Engine, plan_id: int) -> dict[tuple[str, str], Answer]:
    """The answers people gave to a plan's placements, keyed by (person_id, opportunity_id)."""
    with engine.connect() as connection:
        rows = connection.execute(select(placement_answers).where(placement_answers.c.plan_id == plan_id)).all()
    return {(r.person_id, r.opportunity_id): Answer(r.plan_id, r.person_id, r.opportunity_id, r.answer, r.reason,
                                                    r.answered_by, as_utc(r.answered_at)) for r in rows}


def releases_for_plan(engine: Engine, plan_id: int) -> dict[tuple[str, str], Release]:
    """The line managers' release decisions on a plan's placements, keyed by (person, opportunity)."""
    with engine.connect() as connection:
        rows = connection.execute(select(release_decisions).where(release_decisions.c.plan_id == plan_id)).all()
    return {(r.person_id, r.opportunity_id): Release(r.plan_id, r.person_id, r.opportunity_id, r.decision, r.reason,
                                                     r.decided_by, as_utc(r.decided_at)) for r in rows}


# --------------------------------------------------------------------------------------------
# Crisis opt-outs
# --------------------------------------------------------------------------------------------


def _opt_out(row) -> OptOut:
    return OptOut(row.id, row.person_id, row.reason, as_utc(row.since), as_utc(row.withdrawn_at))


def opt_out_of_crisis(engine: Engine, person_id: str, reason: str, *, on_saved: OnSaved = _nothing) -> OptOut:
    """Opt a person out of crisis redeployment for a stated reason (required). An opt-out already
    in force is replaced (withdrawn, then the new one recorded), so there is one at a time."""
    text = clean_reason(reason, required=True)
    now = utc_now()
    with write_transaction(engine) as connection:
        connection.execute(update(crisis_opt_outs).where(
            (crisis_opt_outs.c.person_id == person_id) & crisis_opt_outs.c.withdrawn_at.is_(None)
        ).values(withdrawn_at=now))
        new_id = connection.execute(insert(crisis_opt_outs).values(
            person_id=person_id, reason=text, since=now, withdrawn_at=None).returning(crisis_opt_outs.c.id)).scalar_one()
        saved = OptOut(new_id, person_id, text, now, None)
        on_saved(connection, saved)
    return saved


def withdraw_crisis_opt_out(engine: Engine, person_id: str, *, on_saved: OnSaved = _nothing) -> bool:
    """Withdraw the person's opt-out in force (the row stays, dated); False when there was none."""
    now = utc_now()
    with write_transaction(engine) as connection:
        row = connection.execute(select(crisis_opt_outs).where(
            (crisis_opt_outs.c.person_id == person_id) & crisis_opt_outs.c.withdrawn_at.is_(None))).first()
        if row is None:
            return False
        connection.execute(update(crisis_opt_outs).where(crisis_opt_outs.c.id == row.id).values(withdrawn_at=now))
        on_saved(connection, OptOut(row.id, person_id, row.reason, as_utc(row.since), now))
    return True


def crisis_opt_outs_in_force(engine: Engine) -> dict[str, OptOut]:
    """Every opt-out in force, by person id."""
    with engine.connect() as connection:
        rows = connection.execute(select(crisis_opt_outs).where(crisis_opt_outs.c.withdrawn_at.is_(None))
                                  .order_by(crisis_opt_outs.c.id)).all()
    return {row.person_id: _opt_out(row) for row in rows}


def crisis_opt_out_for(engine: Engine, person_id: str) -> OptOut | None:
    """The person's opt-out in force, or None."""
    with engine.connect() as connection:
        row = connection.execute(select(crisis_opt_outs).where(
            (crisis_opt_outs.c.person_id == person_id) & crisis_opt_outs.c.withdrawn_at.is_(None))).first()
    return None if row is None else _opt_out(row)


def carry_over_agreements(engine: Engine, from_plan: int, to_plan: int, proposed: set[tuple[str, str]]) -> int:
    """A re-run keeps what people already agreed to: a placement accepted by its person (or
    released by their manager) in the previous version and proposed again keeps that answer in
    the new version, with its original time and author. Declines and refusals need no carrying:
    a re-run forbids those placements. Returns how many answers and releases were carried."""
    carried = 0
    with write_transaction(engine) as connection:
        for table, column, word, by, at in ((placement_answers, "answer", "accepted", "answered_by", "answered_at"),
                                            (release_decisions, "decision", "released", "decided_by", "decided_at")):
            rows = connection.execute(select(table).where((table.c.plan_id == from_plan)
                                                          & (table.c[column] == word))).all()
            for row in rows:
                if (row.person_id, row.opportunity_id) in proposed:
                    _upsert(connection, table, to_plan, row.person_id, row.opportunity_id,
                            {column: word, "reason": row.reason, by: getattr(row, by), at: getattr(row, at)})
                    carried += 1
    return carried
