"""The crisis console, for emergency planners.

Mark teams paused (they release all available staff) or critical (they release nobody), edit
the demand (team, skill, level, count, priority), redeploy in seconds, see coverage by priority
and by team at a glance with the reason for every uncovered unit, re-plan from the current
redeployment with as few changes as possible, and export the list for managers.

Team statuses and demand are part of the stored scenario: each edit changes it in one
transaction, bumps its revision and is audited (who, which team or demand line, never a name).
Redeployments run as background jobs (`web.jobs`) and are saved as numbered `redeploy` plans.
Each view parses its form, calls `planner.services.crisis` or the store, and renders.
"""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    url_for,
)
from pydantic import Field, ValidationError

from planner.domain import Demand, Scenario, ScenarioError, TeamStatus
from planner.services.crisis import (
    EXPORT_HEADER,
    assignment_rows,
    coverage_summary,
    demand_with_line_added,
    demand_with_line_changed,
    demand_with_line_removed,
    describe_demand_line,
    export_rows,
    export_sheets,
    opted_out_rows,
    redeploy_work,
    redeployment_is_stale,
    run_note,
)
from planner.store import (
    NotFound,
    StoredPlan,
    get_plan,
    latest_plan,
    replace_demand,
    scenario_revision,
    set_team_status,
)
from web.data_access import current_scenario, engine, scenario_changed
from web.exports import CSV_MIMETYPE, XLSX_MIMETYPE, csv_bytes, download, xlsx_bytes
from web.jobs import STOP_ROLES, Job, SlotsBusy, pool, stop_job
from web.reader_names import name_for_reader
from web.security import (
    FormModel,
    FormRejected,
    current_user,
    parse_form,
    roles_required,
)

log = logging.getLogger("trellis.web.crisis")

bp = Blueprint("crisis", __name__, url_prefix="/crisis")

NAV = [("crisis.index", "Crisis console", ("emergency",))]

CRISIS_ROLES = ("emergency",)
DEFAULT_TIME_LIMIT_S = 10.0


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def _scenario_or_404() -> Scenario:
    scenario = current_scenario()
    if scenario is None:
        abort(404, description="No scenario has been imported yet; ask HR to import one.")
    return scenario


def _latest_redeployment() -> StoredPlan | None:
    return latest_plan(engine(), "redeploy")


@bp.get("/")
@roles_required(*CRISIS_ROLES)
def index():
    scenario = _scenario_or_404()
    latest = _latest_redeployment()
    result = (latest.result or {}) if latest else {}
    return render_template(
        "crisis/index.html", scenario=scenario, headcount=scenario.headcount_by_team, latest=latest, result=result,
        rows=assignment_rows(result, scenario, name_for_reader(scenario)) if latest else [],
        totals=coverage_summary(result), team_names={t.team_id: t.name for t in scenario.teams},
        statuses=[s.value for s in TeamStatus], skills=sorted(scenario.skill_ids()),
        jobs=pool().recent(("redeploy",), limit=5), stale=redeployment_is_stale(latest, scenario_revision(engine())),
        opted_out=opted_out_rows(engine(), scenario, name_for_reader(scenario)),
    )


class StatusForm(FormModel):
    status: TeamStatus


@bp.post("/teams/<team_id>/status")
@roles_required(*CRISIS_ROLES)
def team_status(team_id: str):
    try:
        form = parse_form(StatusForm)
    except FormRejected as error:
        flash(f"Not changed: {error}", "error")
        return redirect(url_for("crisis.index"))
    if not set_team_status(engine(), team_id, form.status, actor=current_user().username):
        abort(404)
    scenario_changed()
    name = current_scenario().team_by_id[team_id].name
    flash(f"{name} is now {form.status.value}. Redeploy or re-plan to act on it.", "success")
    return redirect(url_for("crisis.index", _anchor="teams"))


class DemandForm(FormModel):
    team_id: str = Field(min_length=1, max_length=200)
    skill: str = Field(min_length=1, max_length=200)
    level: int = Field(ge=1, le=5)
    count: int = Field(ge=0, le=100000)
    priority: int = Field(ge=1, le=99)


class DemandChangeForm(FormModel):
    level: int = Field(default=1, ge=1, le=5)
    count: int = Field(default=0, ge=0, le=100000)
    priority: int = Field(default=1, ge=1, le=99)
    action: str = Field(default="save", pattern=r"^(save|remove)$")


def _save_demand(scenario: Scenario, demand: list[Demand], detail: str, message: str):
    try:
        replace_demand(engine(), scenario, demand, actor=current_user().username, detail=detail)
    except ScenarioError as error:
        flash("Not saved: " + "; ".join(p.describe() for p in error.problems), "error")
        return redirect(url_for("crisis.index", _anchor="demand"))
    scenario_changed()
    flash(message, "success")
    return redirect(url_for("crisis.index", _anchor="demand"))


@bp.post("/demand")
@roles_required(*CRISIS_ROLES)
def add_demand():
    scenario = _scenario_or_404()
    try:
        form = parse_form(DemandForm)
        line = Demand(**form.model_dump())
    except (FormRejected, ValidationError) as error:
        flash(f"Not added: {error}", "error")
        return redirect(url_for("crisis.index", _anchor="demand"))
    return _save_demand(scenario, demand_with_line_added(scenario, line), f"added line {len(scenario.demand) + 1}",
                        f"Demand added: {describe_demand_line(line, scenario)}.")


@bp.post("/demand/<int:line>")
@roles_required(*CRISIS_ROLES)
def change_demand(line: int):
    """Change (or remove) demand line `line` (1-based, as shown)."""
    scenario = _scenario_or_404()
    if not 1 <= line <= len(scenario.demand):
        abort(404)
    try:
        form = parse_form(DemandChangeForm)
    except FormRejected as error:
        flash(f"Not saved: {error}", "error")
        return redirect(url_for("crisis.index", _anchor="demand"))
    if form.action == "remove":
        return _save_demand(scenario, demand_with_line_removed(scenario, line), f"removed line {line}",
                            f"Demand line {line} removed.")
    return _save_demand(scenario, demand_with_line_changed(scenario, line, form.level, form.count, form.priority),
                        f"changed line {line}", f"Demand line {line} saved.")


# ---------------------------------------------------------------------------------------------
# Redeploy and re-plan
# ---------------------------------------------------------------------------------------------


class EmptyForm(FormModel):
    pass


def _time_limit() -> float:
    return float(current_app.config.get("CRISIS_TIME_LIMIT_S", DEFAULT_TIME_LIMIT_S))


def _start(baseline: StoredPlan | None = None):
    scenario = _scenario_or_404()
    parse_form(EmptyForm)
    actor = current_user().username
    work = redeploy_work(engine(), scenario, scenario_revision(engine()), actor, baseline, _time_limit())
    try:
        job_id = pool().submit("redeploy", work, actor=actor,
                               request={"note": run_note(baseline),
                                        "baseline_plan_id": baseline.id if baseline else None},
                               time_limit_s=_time_limit())
    except SlotsBusy as busy:
        flash(str(busy), "error")
        return redirect(url_for("crisis.index"))
    return redirect(url_for("crisis.job", job_id=job_id))


@bp.post("/redeploy")
@roles_required(*CRISIS_ROLES)
def run_redeploy():
    """Redeploy from scratch (ignores the current redeployment)."""
    return _start()


@bp.post("/replan")
@roles_required(*CRISIS_ROLES)
def replan():
    """Re-plan from the current redeployment, keeping as many of its moves as possible."""
    latest = _latest_redeployment()
    if latest is None:
        flash("There is no redeployment to re-plan from yet: redeploy first.", "error")
        return redirect(url_for("crisis.index"))
    return _start(latest)


def _job_or_404(job_id: int) -> Job:
    job = pool().get(job_id)
    if job is None or job.kind != "redeploy":
        abort(404)
    return job


@bp.get("/jobs/<int:job_id>")
@roles_required(*CRISIS_ROLES)
def job(job_id: int):
    job = _job_or_404(job_id)
    return render_template("hr/job.html", job=job, job_json=job.as_dict(),
                           status_url=url_for("crisis.job_status", job_id=job_id),
                           next_url=url_for("crisis.index") if job.done else None,
                           next_label="Open the crisis console")


@bp.post("/jobs/<int:job_id>/stop")
@roles_required(*STOP_ROLES["redeploy"])
def stop_run(job_id: int):
    """Stop a running redeployment and keep the plan found so far (audited)."""
    job = _job_or_404(job_id)
    parse_form(EmptyForm)
    user = current_user()
    try:
        message = stop_job(job, user.username, user.role)
    except PermissionError:
        abort(403)
    flash(message, "info")
    return redirect(url_for("crisis.job", job_id=job_id))


@bp.get("/jobs/<int:job_id>.json")
@roles_required(*CRISIS_ROLES)
def job_status(job_id: int):
    job = _job_or_404(job_id)
    data = job.as_dict()
    if job.done:
        data["next"] = url_for("crisis.index")
        data["next_label"] = "Open the crisis console"
    return jsonify(data)


# ---------------------------------------------------------------------------------------------
# Exports for managers
# ---------------------------------------------------------------------------------------------


def _plan_or_404(plan_id: int) -> StoredPlan:
    try:
        stored = get_plan(engine(), plan_id)
    except NotFound:
        abort(404)
    if stored.kind != "redeploy":
        abort(404)
    return stored


@bp.get("/plans/<int:plan_id>/export.csv")
@roles_required(*CRISIS_ROLES)
def export_csv(plan_id: int):
    stored = _plan_or_404(plan_id)
    scenario = _scenario_or_404()
    rows = assignment_rows(stored.result or {}, scenario, name_for_reader(scenario))
    return download(csv_bytes(EXPORT_HEADER, export_rows(rows)), CSV_MIMETYPE,
                    f"trellis-redeployment-v{stored.version}.csv")


@bp.get("/plans/<int:plan_id>/export.xlsx")
@roles_required(*CRISIS_ROLES)
def export_xlsx(plan_id: int):
    stored = _plan_or_404(plan_id)
    scenario = _scenario_or_404()
    book = xlsx_bytes(export_sheets(stored.result or {}, scenario, name_for_reader(scenario)))
    return download(book, XLSX_MIMETYPE, f"trellis-redeployment-v{stored.version}.xlsx")


# The confirm step lives in its own module, which adds its route to `bp`; imported last, once
# `bp` and the helpers it uses exist.
from web import crisis_confirm  # noqa: E402,F401
