"""HR's decisions on proposed placements: humans decide.

The optimiser only proposes. A placement becomes accepted (or rejected) only when a named person
says so; each decision is one row here and one row in the audit trail, written together. A re-run
of the plan pins the accepted placements and forbids the rejected ones.

Deciding and approving both lock the plan's row first (SQLite: the write lock; PostgreSQL: the
row), so an approval checks its rule against decisions no one can change until it commits. The
rule itself ("every placement accepted") is the planning services' (`planner.services.decisions`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, bindparam, select, update

from planner.store._common import NotFound, as_utc, person_target, utc_now, write_audit
from planner.store.console_tables import DECISIONS, placement_decisions
from planner.store.engine import write_transaction
from planner.store.plans import StoredPlan, get_plan
from planner.store.tables import audit_log, plans


@dataclass(frozen=True)
class Decision:
    plan_id: int
    person_id: str
    opportunity_id: str
    decision: str
    decided_by: str
    decided_at: datetime


def _check_decision(decision: str, decided_by: str) -> None:
    """A decision is accepted or rejected, and taken by a named person."""
    if decision not in DECISIONS:
        raise ValueError(f"a decision is one of {', '.join(DECISIONS)}")
    if not decided_by or not decided_by.strip():
        raise ValueError("a placement is accepted or rejected only by a named person")


def _lock_draft(connection, plan_id: int) -> None:
    """Lock the plan; decisions are taken on a draft only (an approved plan's are final)."""
    status = _locked_plan(connection, plan_id).status
    if status != "draft":
        raise ValueError(f"plan {plan_id} is already {status}; decisions are taken on a draft only")


def decide_placement(engine: Engine, plan_id: int, person_id: str, opportunity_id: str,
                     decision: str, *, decided_by: str) -> Decision:
    """Record that `decided_by` accepted or rejected one proposed placement of a draft plan (a
    later decision on the same placement replaces the earlier one), with its audit row. An
    approved or rejected plan's decisions are final: changing one is refused."""
    _check_decision(decision, decided_by)
    now = utc_now()
    with write_transaction(engine) as connection:
        _lock_draft(connection, plan_id)
        key = ((placement_decisions.c.plan_id == plan_id)
               & (placement_decisions.c.person_id == person_id)
               & (placement_decisions.c.opportunity_id == opportunity_id))
        changed = connection.execute(update(placement_decisions).where(key).values(
            decision=decision, decided_by=decided_by, decided_at=now)).rowcount
        if not changed:
            connection.execute(placement_decisions.insert().values(
                plan_id=plan_id, person_id=person_id, opportunity_id=opportunity_id,
                decision=decision, decided_by=decided_by, decided_at=now))
        write_audit(connection, decided_by, f"placement.{'accept' if decision == 'accepted' else 'reject'}",
                    person_target(person_id), f"plan={plan_id} opportunity={opportunity_id}")
    return Decision(plan_id, person_id, opportunity_id, decision, decided_by, now)


def decide_placements(engine: Engine, plan_id: int, pairs: list[tuple[str, str]], decision: str, *,
                      decided_by: str) -> int:
    """Record one decision on many placements of a draft plan at once (a filtered group), in one
    transaction: each placement gets its decision row and its own audit row, as one by one.
    Placements already so decided are left as they are. Returns how many changed."""
    _check_decision(decision, decided_by)
    now = utc_now()
    with write_transaction(engine) as connection:
        _lock_draft(connection, plan_id)
        earlier = _decisions(connection, plan_id)
        changing = [pair for pair in dict.fromkeys(pairs)
                    if (found := earlier.get(pair)) is None or found.decision != decision]
        replaced = [pair for pair in changing if pair in earlier]
        if replaced:
            connection.execute(
                update(placement_decisions).where(
                    (placement_decisions.c.plan_id == plan_id)
                    & (placement_decisions.c.person_id == bindparam("p"))
                    & (placement_decisions.c.opportunity_id == bindparam("o")))
                .values(decision=decision, decided_by=decided_by, decided_at=now),
                [{"p": p, "o": o} for p, o in replaced])
        new = [pair for pair in changing if pair not in earlier]
        if new:
            connection.execute(placement_decisions.insert(), [
                {"plan_id": plan_id, "person_id": p, "opportunity_id": o, "decision": decision,
                 "decided_by": decided_by, "decided_at": now} for p, o in new])
        if changing:
            action = f"placement.{'accept' if decision == 'accepted' else 'reject'}"
            connection.execute(audit_log.insert(), [
                {"at": now, "actor": decided_by, "action": action, "target": person_target(p),
                 "detail": f"plan={plan_id} opportunity={o}"} for p, o in changing])
    return len(changing)


def decisions_for_plan(engine: Engine, plan_id: int) -> dict[tuple[str, str], Decision]:
    """The decisions taken on a plan's placements, keyed by (person_id, opportunity_id)."""
    with engine.connect() as connection:
        return _decisions(connection, plan_id)


Pair = tuple[str, str]
ApprovalRule = Callable[[set[Pair], Mapping[Pair, Decision]], "str | None"]


class PlanNotApproved(ValueError):
    """The approval was refused; the message says why in plain words and nothing changed."""


def approve_plan_by_rule(engine: Engine, plan_id: int, approver: str, rule: ApprovalRule,
                         then: Callable[[Connection], None] | None = None) -> StoredPlan:
    """Approve a draft plan in `approver`'s name, in one transaction with the plan locked, only
    when `rule(proposed placements, decisions)` finds no problem (its text is the refusal).
    `then(connection)`, when given, records what the approval decides in the same transaction."""
    if not approver or not approver.strip():
        raise PlanNotApproved("a plan is approved only by a named person")
    with write_transaction(engine) as connection:
        row = _locked_plan(connection, plan_id)
        if row.status != "draft":
            raise PlanNotApproved(f"plan {plan_id} is already {row.status}; only a draft can be approved")
        proposed = {(p["person_id"], p["opportunity_id"]) for p in (row.result or {}).get("placements", [])}
        problem = rule(proposed, _decisions(connection, plan_id))
        if problem:
            raise PlanNotApproved(problem)
        connection.execute(update(plans).where(plans.c.id == plan_id).values(
            status="approved", approved_by=approver, approved_at=utc_now()))
        if then is not None:
            then(connection)
        write_audit(connection, approver, "plan.approve", f"plan:{plan_id}")
    return get_plan(engine, plan_id)


def _locked_plan(connection: Connection, plan_id: int):
    """The plan's row, locked until the transaction ends (PostgreSQL; SQLite's write
    transaction already holds the database's write lock)."""
    row = connection.execute(select(plans.c.status, plans.c.result).where(plans.c.id == plan_id)
                             .with_for_update()).first()
    if row is None:
        raise NotFound(f"no plan {plan_id}")
    return row


def _decisions(connection: Connection, plan_id: int) -> dict[tuple[str, str], Decision]:
    rows = connection.execute(select(placement_decisions)
                              .where(placement_decisions.c.plan_id == plan_id)).all()
    return {(r.person_id, r.opportunity_id): Decision(r.plan_id, r.person_id, r.opportunity_id, r.decision,
                                                      r.decided_by, as_utc(r.decided_at)) for r in rows}
