"""Planning views: the policy form, background runs and their progress, one plan version and its
exports. Each finished run is saved as a numbered plan version."""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, render_template, url_for
from pydantic import ValidationError

from planner.domain import Policy, Scenario
from planner.services.plans import (
    PLAN_EXPORT_HEADER,
    blocking_pair_rows,
    decision_counts,
    matching_work,
    placement_rows,
    plan_export_rows,
    plan_export_summary,
    policy_for_run,
    unplaced_rows,
)
from planner.store import list_plans
from web.data_access import current_scenario, engine
from web.exports import CSV_MIMETYPE, XLSX_MIMETYPE, csv_bytes, download, xlsx_bytes
from web.hr import PLAN_ROLES, PolicyForm, bp
from web.hr.common import PLAN_JOB_KINDS, job_or_404, plan_or_404, planning_page
from web.jobs import Job, SlotsBusy, pool
from web.reader_names import name_for_reader
from web.security import FormRejected, current_user, parse_form, roles_required


def solve_workers() -> int:
    return int(current_app.config.get("SOLVE_WORKERS", 2))


@bp.get("/")
@roles_required(*PLAN_ROLES)
def index():
    return planning_page()


@bp.post("/plan/run")
@roles_required(*PLAN_ROLES)
def run_plan():
    """Start a matching run with the posted policy; the page that follows shows its progress."""
    scenario = current_scenario()
    if scenario is None:
        flash("Import a scenario before planning.", "error")
        return redirect(url_for("hr.import_form"))
    try:
        form = parse_form(PolicyForm)
        policy = policy_for_run(form.model_dump(), scenario.policy, solve_workers())
    except (FormRejected, ValueError, ValidationError) as error:
        flash(f"The plan was not started: {error}", "error")
        return redirect(url_for("hr.index"))
    return start_matching(scenario, policy, note="run")


def start_matching(scenario: Scenario, policy: Policy, note: str, carry_from: int | None = None):
    """Submit a matching run to the job pool and show its progress (503 when every slot is busy)."""
    actor = current_user().username
    work = matching_work(engine(), scenario, policy, actor, carry_from)
    request_data = {"note": note, "policy": policy.model_dump(mode="json"), "from_plan": carry_from}
    try:
        job_id = pool().submit("matching", work, actor=actor, request=request_data,
                               time_limit_s=policy.time_limit_s)
    except SlotsBusy as busy:
        return planning_page(busy=str(busy))
    return redirect(url_for("hr.job", job_id=job_id))


def job_next(job: Job) -> tuple[str | None, str | None]:
    """Where a finished run leads: its saved plan, or the what-if comparison."""
    if job.plan_id is not None:
        return url_for("hr.plan", plan_id=job.plan_id), "Open the plan"
    if job.kind == "whatif" and job.status == "finished":
        return url_for("hr.whatif_result", job_id=job.id), "Open the comparison"
    return None, None


@bp.get("/jobs/<int:job_id>")
@roles_required(*PLAN_ROLES)
def job(job_id: int):
    job = job_or_404(job_id, PLAN_JOB_KINDS)
    next_url, next_label = job_next(job)
    return render_template("hr/job.html", job=job, job_json=job.as_dict(),
                           status_url=url_for("hr.job_status", job_id=job.id), next_url=next_url,
                           next_label=next_label)


@bp.get("/jobs/<int:job_id>.json")
@roles_required(*PLAN_ROLES)
def job_status(job_id: int):
    job = job_or_404(job_id, PLAN_JOB_KINDS)
    data = job.as_dict()
    data["next"], data["next_label"] = job_next(job)
    return jsonify(data)


@bp.get("/plans/<int:plan_id>")
@roles_required(*PLAN_ROLES)
def plan(plan_id: int):
    stored = plan_or_404(plan_id)
    scenario = current_scenario()
    name_of = name_for_reader(scenario)
    rows = placement_rows(engine(), stored, scenario, name_of)
    blocking_count, blocking_rows = blocking_pair_rows(stored, scenario, name_of)
    return render_template("hr/plan.html", stored=stored, result=stored.result or {}, rows=rows,
                           unplaced=unplaced_rows(stored, name_of), counts=decision_counts(rows),
                           versions=list_plans(engine(), "matching"),
                           blocking_count=blocking_count, blocking_rows=blocking_rows)


@bp.get("/plans/<int:plan_id>/export.csv")
@roles_required(*PLAN_ROLES)
def export_csv(plan_id: int):
    stored = plan_or_404(plan_id)
    scenario = current_scenario()
    rows = placement_rows(engine(), stored, scenario, name_for_reader(scenario))
    return download(csv_bytes(PLAN_EXPORT_HEADER, plan_export_rows(rows)), CSV_MIMETYPE,
                    f"trellis-plan-v{stored.version}.csv")


@bp.get("/plans/<int:plan_id>/export.xlsx")
@roles_required(*PLAN_ROLES)
def export_xlsx(plan_id: int):
    stored = plan_or_404(plan_id)
    scenario = current_scenario()
    name_of = name_for_reader(scenario)
    book = xlsx_bytes([
        ("Placements", PLAN_EXPORT_HEADER, plan_export_rows(placement_rows(engine(), stored, scenario, name_of))),
        ("Not placed", ["person_id", "name", "reason"], [list(r) for r in unplaced_rows(stored, name_of)]),
        ("Summary", ["item", "value"], plan_export_summary(stored)),
    ])
    return download(book, XLSX_MIMETYPE, f"trellis-plan-v{stored.version}.xlsx")
