"""What the HR console's views share: the stored records they open (404 when missing) and the
planning page (also when every solve slot is busy)."""

from __future__ import annotations

from flask import Response, abort, render_template

from planner.services.plan_words import outcome_of_result
from planner.services.plans import MAX_SOLVE_SECONDS, starting_policy, weight_fields
from planner.store import NotFound, StoredPlan, get_plan, list_plans, scenario_info
from web.data_access import current_scenario, engine
from web.jobs import Job, pool

PLAN_JOB_KINDS = ("matching", "whatif")


def stored_scenario_info():
    """When and by whom the current scenario was imported, and its counts (None before any)."""
    return scenario_info(engine())


def plan_or_404(plan_id: int, kind: str = "matching") -> StoredPlan:
    try:
        stored = get_plan(engine(), plan_id)
    except NotFound:
        abort(404)
    if stored.kind != kind:
        abort(404)
    return stored


def job_or_404(job_id: int, kinds: tuple[str, ...]) -> Job:
    job = pool().get(job_id)
    if job is None or job.kind not in kinds:
        abort(404)
    return job


def planning_page(busy: str | None = None) -> Response:
    """The planning page: the policy form, recent runs and plan versions. With `busy`, the
    message that every solve slot is taken (503, try again shortly)."""
    scenario = current_scenario()
    policy = starting_policy(engine(), scenario)
    response = Response(render_template(
        "hr/index.html", scenario=scenario, info=stored_scenario_info(), policy=policy, weights=weight_fields(policy),
        jobs=pool().recent(PLAN_JOB_KINDS, limit=10), plans=list_plans(engine(), "matching"),
        outcome_of=job_outcome, slots=pool().slots, max_seconds=MAX_SOLVE_SECONDS, busy=busy), status=503 if busy else 200)
    if busy:
        response.headers["Retry-After"] = "15"
    return response


def job_outcome(job: Job) -> str | None:
    """A finished run's outcome in words (the headline of its plan); a comparison is just ready."""
    if job.status != "finished" or not job.result:
        return None
    if job.kind == "whatif":
        return "Comparison ready"
    return outcome_of_result(job.result, job.request.get("policy")).headline
