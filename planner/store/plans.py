"""Stored plans: every matching or redeployment plan kept as a numbered version, so HR can
compare them, and approved only by a named person ("humans decide")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, func, insert, select, text, update

from planner.store._common import NotFound, as_utc, utc_now, write_audit
from planner.store.engine import write_transaction
from planner.store.tables import PLAN_KINDS, plans


@dataclass(frozen=True)
class StoredPlan:
    """One version of a plan. `status` is the review status (draft, approved, rejected); the
    solver's own status (OPTIMAL, FEASIBLE...) is inside `result`. `result` is None in listings
    made without results."""

    id: int
    version: int
    kind: str
    created_at: datetime
    created_by: str
    status: str
    policy: dict[str, Any]
    result: dict[str, Any] | None
    approved_by: str | None
    approved_at: datetime | None


def _as_json(value: BaseModel | dict | None) -> dict[str, Any]:
    if value is None:
        return {}
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return dict(value)


def _plan_from_row(row, with_result: bool = True) -> StoredPlan:
    mapping = row._mapping
    return StoredPlan(
        id=row.id, version=row.version, kind=row.kind, created_at=as_utc(row.created_at),
        created_by=row.created_by, status=row.status, policy=row.policy,
        result=mapping["result"] if with_result else None, approved_by=row.approved_by,
        approved_at=as_utc(row.approved_at),
    )


def save_plan(engine: Engine, kind: str, result: BaseModel | dict, *, created_by: str,
              policy: BaseModel | dict | None = None) -> StoredPlan:
    """Store a new draft version of a `kind` plan ('matching' or 'redeploy'): its version is one
    more than the newest of that kind. `result` is a `Plan`, a redeployment result or a
    JSON-ready dict; `policy` the policy it was solved under."""
    if kind not in PLAN_KINDS:
        raise ValueError(f"unknown plan kind {kind!r}: use one of {', '.join(PLAN_KINDS)}")
    values = {"kind": kind, "created_by": created_by, "status": "draft", "policy": _as_json(policy),
              "result": _as_json(result)}
    with write_transaction(engine) as connection:
        if connection.dialect.name == "postgresql":
            # Versions of one kind are handed out one at a time (SQLite's write lock does the same).
            connection.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"),
                               {"key": f"trellis.plans.{kind}"})
        newest = connection.execute(
            select(func.max(plans.c.version)).where(plans.c.kind == kind)).scalar()
        plan_id = connection.execute(
            insert(plans).values(version=(newest or 0) + 1, created_at=utc_now(), **values)
            .returning(plans.c.id)).scalar_one()
        write_audit(connection, created_by, "plan.save", f"plan:{plan_id}", f"kind={kind}")
    return get_plan(engine, plan_id)


def get_plan(engine: Engine, plan_id: int) -> StoredPlan:
    """One stored plan with its result; raises NotFound."""
    with engine.connect() as connection:
        row = connection.execute(select(plans).where(plans.c.id == plan_id)).first()
    if row is None:
        raise NotFound(f"no plan {plan_id}")
    return _plan_from_row(row)


def list_plans(engine: Engine, kind: str | None = None, *, with_results: bool = False) -> list[StoredPlan]:
    """Stored plans, newest first; results are left out unless asked for (they can be large)."""
    columns = [c for c in plans.c if with_results or c.name != "result"]
    query = select(*columns).order_by(plans.c.created_at.desc(), plans.c.id.desc())
    if kind is not None:
        query = query.where(plans.c.kind == kind)
    with engine.connect() as connection:
        return [_plan_from_row(row, with_results) for row in connection.execute(query)]


def latest_plan(engine: Engine, kind: str, status: str | None = None) -> StoredPlan | None:
    """The newest version of a `kind` plan (optionally only among those with `status`)."""
    query = select(plans.c.id).where(plans.c.kind == kind).order_by(plans.c.version.desc()).limit(1)
    if status is not None:
        query = query.where(plans.c.status == status)
    with engine.connect() as connection:
        plan_id = connection.execute(query).scalar()
    return None if plan_id is None else get_plan(engine, plan_id)


def approve_plan(engine: Engine, plan_id: int, approver: str) -> StoredPlan:
    """A plan becomes approved only with a named approver, and only from draft."""
    return _review(engine, plan_id, approver, "approved", "plan.approve")


def reject_plan(engine: Engine, plan_id: int, reviewer: str) -> StoredPlan:
    """Mark a draft plan as rejected, naming who decided."""
    return _review(engine, plan_id, reviewer, "rejected", "plan.reject")


def _review(engine: Engine, plan_id: int, reviewer: str, status: str, action: str) -> StoredPlan:
    if not reviewer or not reviewer.strip():
        raise ValueError("a plan is approved or rejected only by a named person")
    with write_transaction(engine) as connection:
        current = connection.execute(select(plans.c.status).where(plans.c.id == plan_id)).scalar()
        if current is None:
            raise NotFound(f"no plan {plan_id}")
        if current != "draft":
            raise ValueError(f"plan {plan_id} is already {current}; only a draft can be {status}")
        connection.execute(update(plans).where(plans.c.id == plan_id).values(
            status=status, approved_by=reviewer, approved_at=utc_now()))
        write_audit(connection, reviewer, action, f"plan:{plan_id}")
    return get_plan(engine, plan_id)
