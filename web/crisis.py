"""The crisis console, for emergency planners.

Mark teams paused (they release all available staff) or critical (they release nobody), edit
the demand (team, skill, level, count, priority), redeploy in seconds, see coverage by priority
and by team at a glance with the reason for every uncovered unit, re-plan from the current
redeployment with as few changes as possible, and export the list for managers.

Built for speed: "Add demand" (and a paste box for rows copied from a spreadsheet) sits at the top;
every team status is set from one table and saved with one button, and the whole demand is edited
in one table; team and skill inputs are searchable (`<input list>` + `<datalist>`) and take the
full width. Team statuses and demand are part of the stored scenario: each save changes it in one
transaction, all or nothing, bumps its revision and is audited (who, which team or how many
demand lines, never a name); a refused save shows every problem by row and column.
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

from planner.domain import Scenario, TeamStatus
from planner.services.crisis import (
    EXPORT_HEADER,
    assignment_rows,
    coverage_summary,
    export_rows,
    export_sheets,
    nothing_to_redeploy,
    opted_out_rows,
    redeploy_work,
    redeployment_is_stale,
    redeployment_outcome,
    run_note,
)
from planner.services.crisis_sheet import (
    demand_table_rows,
    priority_one_gaps,
    team_labels,
)
from planner.store import (
    NotFound,
    StoredPlan,
    get_plan,
    latest_plan,
    scenario_revision,
)
from web.data_access import current_scenario, engine
from web.exports import CSV_MIMETYPE, XLSX_MIMETYPE, csv_bytes, download, xlsx_bytes
from web.jobs import STOP_ROLES, Job, SlotsBusy, pool, stop_job
from web.reader_names import name_for_reader
from web.security import (
    FormModel,
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


def _console(status: int = 200, **shown):
    """The console page; `shown` carries what a refused form should show again (its problems
    and what was typed), so nothing the planner pasted is lost."""
    scenario = _scenario_or_404()
    latest = _latest_redeployment()
    result = (latest.result or {}) if latest else {}
    return render_template(
        "crisis/index.html", scenario=scenario, headcount=scenario.headcount_by_team, latest=latest, result=result,
        rows=assignment_rows(result, scenario, name_for_reader(scenario)) if latest else [],
        totals=coverage_summary(result), outcome=redeployment_outcome(result), team_names={t.team_id: t.name for t in scenario.teams},
        team_labels=team_labels(scenario), p1_gaps=priority_one_gaps(result),
        statuses=[s.value for s in TeamStatus], skills=sorted(scenario.skill_ids()),
        skill_names={s.skill_id: s.name for s in scenario.skills},
        jobs=pool().recent(("redeploy",), limit=5), stale=redeployment_is_stale(latest, scenario_revision(engine())),
        opted_out=opted_out_rows(engine(), scenario, name_for_reader(scenario)),
        demand_rows=shown.pop("demand_rows", None) or demand_table_rows(scenario), **shown,
    ), status


@bp.get("/")
@roles_required(*CRISIS_ROLES)
def index():
    return _console()


class EmptyForm(FormModel):
    pass


def _time_limit() -> float:
    return float(current_app.config.get("CRISIS_TIME_LIMIT_S", DEFAULT_TIME_LIMIT_S))


def _start(baseline: StoredPlan | None = None):
    scenario = _scenario_or_404()
    parse_form(EmptyForm)
    nothing = nothing_to_redeploy(scenario)
    if nothing:
        flash(nothing, "error")
        return redirect(url_for("crisis.index"))
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
                           next_label="Open the crisis console",
                           outcome=redeployment_outcome(job.result) if job.done and job.result else None)


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
        if job.result:
            data["outcome"] = redeployment_outcome(job.result)
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
from web import crisis_confirm, crisis_edits  # noqa: E402,F401
