"""Starting solves through the API: a matching plan (HR) or a redeployment (emergency planners).
Each starts a background job in the app's job pool (`web.jobs`), exactly as the consoles do, and
answers 202 with the job's URL; the job's page then gives the plan's URL once it is saved.

The work itself is the service layer's, shared with the consoles (`planner.services.plans.matching_work`,
`planner.services.crisis.redeploy_work`), so a plan made through the API is the same as one made
on the page."""

from __future__ import annotations

from flask import abort, current_app, request, url_for
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from spectree import Response

from planner.domain import Policy, Problem
from planner.services.crisis import redeploy_work
from planner.services.plans import MAX_SOLVE_SECONDS, matching_work
from planner.store import NotFound, get_plan, scenario_revision
from web.api.core import (
    ErrorOut,
    InputRefused,
    ProblemsOut,
    actor,
    api_error,
    api_roles,
    bp,
    describe,
    scenario_or_404,
    validation_problems,
)
from web.crisis import CRISIS_ROLES, DEFAULT_TIME_LIMIT_S
from web.data_access import engine
from web.hr import PLAN_ROLES
from web.jobs import SlotsBusy, pool

BUSY_RETRY_AFTER_S = 15


class PlanRunIn(BaseModel):
    """What a matching run may change from the stored scenario's policy (all optional)."""

    model_config = ConfigDict(extra="forbid")

    time_limit_s: float = Field(default=30.0, gt=0, le=MAX_SOLVE_SECONDS)
    stretch_levels: int | None = Field(default=None, ge=0, le=4)
    periods: int | None = Field(default=None, ge=1, le=12)
    stable: bool | None = None
    max_cross_organisation: int | None = Field(default=None, ge=0)


class RedeployRunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    baseline_plan_id: int | None = Field(default=None, ge=1, description="re-plan from this redeployment, "
                                         "moving as few people as possible")


class JobStartedOut(BaseModel):
    job_id: int
    job_url: str


def _body(model: type[BaseModel]) -> BaseModel:
    """The optional JSON body as `model` (an empty or absent body takes the defaults)."""
    data = request.get_json(silent=True) if request.get_data() else {}
    if data is None:
        raise InputRefused([Problem(file="request body", message="is not a JSON document",
                                    suggestion="send JSON with `Content-Type: application/json`, or no body")])
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise InputRefused(validation_problems(error, "request body")) from None


def _started(job_id: int):
    location = url_for("api.get_job", job_id=job_id)
    return {"job_id": job_id, "job_url": location}, 202, {"Location": location}


def _busy(error: SlotsBusy):
    return api_error(503, str(error), {"Retry-After": str(BUSY_RETRY_AFTER_S)})


@bp.post("/plans")
@api_roles(*PLAN_ROLES)
@describe(tags=("plans",), json=PlanRunIn,
          resp=Response(HTTP_202=JobStartedOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_404=ErrorOut,
                        HTTP_422=ProblemsOut, HTTP_503=ErrorOut))
def start_plan():
    """Start a matching run on the stored scenario (its policy, with the changes sent). Answers
    202 and the job's URL; 503 with `Retry-After` when every solve slot is busy."""
    run = _body(PlanRunIn)
    scenario = scenario_or_404()
    changes = {key: value for key, value in run.model_dump().items() if value is not None}
    changes["workers"] = int(current_app.config.get("SOLVE_WORKERS", 2))
    policy = Policy.model_validate(scenario.policy.model_dump() | changes)
    work = matching_work(engine(), scenario, policy, actor(), None)
    try:
        job_id = pool().submit("matching", work, actor=actor(), time_limit_s=policy.time_limit_s,
                               request={"note": "api", "policy": policy.model_dump(mode="json"), "from_plan": None})
    except SlotsBusy as busy:
        return _busy(busy)
    return _started(job_id)


@bp.post("/redeployments")
@api_roles(*CRISIS_ROLES)
@describe(tags=("redeployments",), json=RedeployRunIn,
          resp=Response(HTTP_202=JobStartedOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_404=ErrorOut,
                        HTTP_422=ProblemsOut, HTTP_503=ErrorOut))
def start_redeployment():
    """Redeploy people to cover the stored crisis demand, from scratch or re-planning from a
    stored redeployment. Answers 202 and the job's URL."""
    run = _body(RedeployRunIn)
    scenario = scenario_or_404()
    baseline = None
    if run.baseline_plan_id is not None:
        try:
            baseline = get_plan(engine(), run.baseline_plan_id)
        except NotFound:
            baseline = None
        if baseline is None or baseline.kind != "redeploy":
            abort(404, description="There is no redeployment with this id to re-plan from.")
    time_limit_s = float(current_app.config.get("CRISIS_TIME_LIMIT_S", DEFAULT_TIME_LIMIT_S))
    work = redeploy_work(engine(), scenario, scenario_revision(engine()), actor(), baseline, time_limit_s)
    note = f"api re-plan from redeployment v{baseline.version}" if baseline else "api redeploy"
    try:
        job_id = pool().submit("redeploy", work, actor=actor(), time_limit_s=time_limit_s,
                               request={"note": note, "baseline_plan_id": baseline.id if baseline else None})
    except SlotsBusy as busy:
        return _busy(busy)
    return _started(job_id)
