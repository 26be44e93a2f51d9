"""HR's decisions on proposed placements: humans decide.

The optimiser only proposes. A placement becomes accepted (or rejected) only when a named person
says so; each decision is one row here and one row in the audit trail, written together. A re-run
of the plan pins the accepted placements and forbids the rejected ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, select, update

from planner.store._common import NotFound, as_utc, person_target, utc_now, write_audit
from planner.store.console_tables import DECISIONS, placement_decisions
from planner.store.tables import plans


@dataclass(frozen=True)
class Decision:
    plan_id: int
    person_id: str
    opportunity_id: str
    decision: str
    decided_by: str
    decided_at: datetime


def decide_placement(engine: Engine, plan_id: int, person_id: str, opportunity_id: str,
                     decision: str, *, decided_by: str) -> Decision:
    """Record that `decided_by` accepted or rejected one proposed placement of a draft plan (a
    later decision on the same placement replaces the earlier one), with its audit row. An
    approved or rejected plan's decisions are final: changing one is refused."""
    if decision not in DECISIONS:
        raise ValueError(f"a decision is one of {', '.join(DECISIONS)}")
    if not decided_by or not decided_by.strip():
        raise ValueError("a placement is accepted or rejected only by a named person")
    now = utc_now()
    with engine.begin() as connection:
        status = connection.execute(select(plans.c.status).where(plans.c.id == plan_id)).scalar()
        if status is None:
            raise NotFound(f"no plan {plan_id}")
        if status != "draft":
            raise ValueError(f"plan {plan_id} is already {status}; decisions are taken on a draft only")
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


def decisions_for_plan(engine: Engine, plan_id: int) -> dict[tuple[str, str], Decision]:
    """The decisions taken on a plan's placements, keyed by (person_id, opportunity_id)."""
    with engine.connect() as connection:
        rows = connection.execute(select(placement_decisions)
                                  .where(placement_decisions.c.plan_id == plan_id)).all()
    return {(r.person_id, r.opportunity_id): Decision(r.plan_id, r.person_id, r.opportunity_id, r.decision,
                                                      r.decided_by, as_utc(r.decided_at)) for r in rows}
