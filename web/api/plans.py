"""Stored plans (matching) and redeployments (crisis), with their placements and the plain-words
explanation of each, the decisions taken on them, and the background jobs that make them.

Matching plans are HR's, redeployments the emergency planners', as in the web consoles; a plan
or job of the other kind answers 404, so a token cannot learn what the other side holds."""

from __future__ import annotations

from typing import Any

from flask import abort, url_for
from pydantic import BaseModel
from spectree import Response

from planner.store import NotFound, list_plans
from planner.store import get_plan as load_plan
from planner.store.decisions import decisions_for_plan
from planner.store.plans import StoredPlan
from web.api.core import ErrorOut, api_roles, audit_read, bp, describe
from web.crisis import CRISIS_ROLES
from web.data_access import engine
from web.hr import PLAN_ROLES
from web.jobs import pool
from web.security import current_user

# Which jobs belong to which console (a what-if is a matching run that saves no plan).
JOB_KINDS_OF_ROLE = {"hr": ("matching", "whatif"), "emergency": ("redeploy",)}


class PlanSummaryOut(BaseModel):
    id: int
    version: int
    kind: str
    status: str
    created_at: str
    created_by: str
    approved_by: str | None
    approved_at: str | None
    url: str


class PlanListOut(BaseModel):
    items: list[PlanSummaryOut]


class DecisionOut(BaseModel):
    person_id: str
    opportunity_id: str
    decision: str
    decided_by: str
    decided_at: str


class PlanOut(PlanSummaryOut):
    policy: dict[str, Any]
    result: dict[str, Any] | None
    decisions: list[DecisionOut]


class JobOut(BaseModel):
    id: int
    kind: str
    status: str
    done: bool
    created_by: str
    time_limit_s: float
    elapsed_s: float | None
    progress: list[dict[str, Any]]
    error: str | None
    plan_id: int | None
    result_status: str | None
    plan_url: str | None


ENDPOINT_OF_KIND = {"matching": "api.get_plan", "redeploy": "api.get_redeployment"}


def _summary(stored: StoredPlan) -> dict[str, Any]:
    return {
        "id": stored.id, "version": stored.version, "kind": stored.kind, "status": stored.status,
        "created_at": stored.created_at.isoformat(), "created_by": stored.created_by,
        "approved_by": stored.approved_by,
        "approved_at": stored.approved_at.isoformat() if stored.approved_at else None,
        "url": url_for(ENDPOINT_OF_KIND[stored.kind], plan_id=stored.id),
    }


def _plan(plan_id: int, kind: str) -> dict[str, Any]:
    try:
        stored = load_plan(engine(), plan_id)
    except NotFound:
        stored = None
    if stored is None or stored.kind != kind:
        abort(404, description="There is no such plan.")
    decisions = [] if kind != "matching" else [
        {"person_id": d.person_id, "opportunity_id": d.opportunity_id, "decision": d.decision,
         "decided_by": d.decided_by, "decided_at": d.decided_at.isoformat()}
        for d in decisions_for_plan(engine(), plan_id).values()
    ]
    audit_read(f"plan:{plan_id}", "placements")
    return _summary(stored) | {"policy": stored.policy, "result": stored.result, "decisions": decisions}


@bp.get("/plans")
@api_roles(*PLAN_ROLES)
@describe(tags=("plans",), resp=Response(HTTP_200=PlanListOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut))
def list_matching_plans():
    """Every stored matching plan version, newest first (without placements)."""
    return {"items": [_summary(p) for p in list_plans(engine(), "matching")]}


@bp.get("/plans/<int:plan_id>")
@api_roles(*PLAN_ROLES)
@describe(tags=("plans",), resp=Response(HTTP_200=PlanOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_404=ErrorOut))
def get_plan(plan_id: int):
    """A matching plan: its placements, each with its explanation and score breakdown, who is
    left unplaced and why, and the decisions taken on its placements."""
    return _plan(plan_id, "matching")


@bp.get("/redeployments")
@api_roles(*CRISIS_ROLES)
@describe(tags=("redeployments",), resp=Response(HTTP_200=PlanListOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut))
def list_redeployments():
    """Every stored redeployment version, newest first (without assignments)."""
    return {"items": [_summary(p) for p in list_plans(engine(), "redeploy")]}


@bp.get("/redeployments/<int:plan_id>")
@api_roles(*CRISIS_ROLES)
@describe(tags=("redeployments",),
          resp=Response(HTTP_200=PlanOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_404=ErrorOut))
def get_redeployment(plan_id: int):
    """A redeployment: who covers which demand, each with its explanation."""
    return _plan(plan_id, "redeploy")


@bp.get("/jobs/<int:job_id>")
@api_roles(*PLAN_ROLES, *CRISIS_ROLES)
@describe(tags=("plans", "redeployments"),
          resp=Response(HTTP_200=JobOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_404=ErrorOut))
def get_job(job_id: int):
    """A background solve: running, finished, failed or interrupted, its progress (objective and
    bound over time) and, once finished, the URL of the plan it saved."""
    job = pool().get(job_id)
    if job is None or job.kind not in JOB_KINDS_OF_ROLE.get(current_user().role, ()):
        abort(404, description="There is no such job.")
    body = job.as_dict()
    plan_kind = "redeploy" if job.kind == "redeploy" else "matching"
    body["plan_url"] = url_for(ENDPOINT_OF_KIND[plan_kind], plan_id=job.plan_id) if job.plan_id else None
    return body
