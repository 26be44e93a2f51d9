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
from typing import Annotated

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
from pydantic import Field

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
from planner.services.crisis_sheet import (
    MAX_PASTED_ROWS,
    demand_from_paste,
    demand_from_rows,
    demand_line_from_cells,
    demand_table_rows,
    priority_one_gaps,
    team_labels,
    team_statuses_from_form,
)
from planner.services.crisis_sheet import (
    TABLE as DEMAND_TABLE,
)
from planner.store import (
    NotFound,
    StoredPlan,
    get_plan,
    latest_plan,
    replace_demand,
    scenario_revision,
    set_team_status,
    set_team_statuses,
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


def _console(status: int = 200, **shown):
    """The console page; `shown` carries what a refused form should show again (its problems
    and what was typed), so nothing the planner pasted is lost."""
    scenario = _scenario_or_404()
    latest = _latest_redeployment()
    result = (latest.result or {}) if latest else {}
    return render_template(
        "crisis/index.html", scenario=scenario, headcount=scenario.headcount_by_team, latest=latest, result=result,
        rows=assignment_rows(result, scenario, name_for_reader(scenario)) if latest else [],
        totals=coverage_summary(result), team_names={t.team_id: t.name for t in scenario.teams},
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


CellText = Annotated[str, Field(max_length=200)]


class StatusesForm(FormModel):
    """The statuses table: one team id and one status per row, in the same order."""

    team_id: list[str] = Field(default_factory=list, max_length=10_000)
    status: list[str] = Field(default_factory=list, max_length=10_000)


@bp.post("/teams/status")
@roles_required(*CRISIS_ROLES)
def save_statuses():
    """Every team's status from one table, applied together in one transaction (each change
    audited) or, when any row is wrong, not at all."""
    scenario = _scenario_or_404()
    try:
        form = parse_form(StatusesForm)
    except FormRejected as error:
        flash(f"Not changed: {error}", "error")
        return redirect(url_for("crisis.index", _anchor="teams"))
    changes, problems = team_statuses_from_form(scenario, form.team_id, form.status)
    if problems:
        return _console(422, status_problems=[p.describe() for p in problems])
    if not changes:
        flash("No status changed.", "info")
        return redirect(url_for("crisis.index", _anchor="teams"))
    if not set_team_statuses(engine(), changes, actor=current_user().username):
        abort(404)  # a team removed by a re-import since the page was drawn
    scenario_changed()
    described = ", ".join(f"{scenario.team_by_id[t].name} {s.value}" for t, s in changes.items())
    flash(f"Statuses saved ({len(changes)} changed: {described}). Redeploy or re-plan to act on them.", "success")
    return redirect(url_for("crisis.index", _anchor="teams"))


class DemandForm(FormModel):
    """One new demand line; the team and the skill by id or by name."""

    team_id: str = Field(min_length=1, max_length=200)
    skill: str = Field(min_length=1, max_length=200)
    level: CellText
    count: CellText
    priority: CellText


class DemandChangeForm(FormModel):
    level: int = Field(default=1, ge=1, le=5)
    count: int = Field(default=0, ge=0, le=100000)
    priority: int = Field(default=1, ge=1, le=99)
    action: str = Field(default="save", pattern=r"^(save|remove)$")


class DemandTableForm(FormModel):
    """The demand table: five cells per line (lists in line order) and the lines to remove."""

    team: list[str] = Field(default_factory=list, max_length=MAX_PASTED_ROWS)
    skill: list[str] = Field(default_factory=list, max_length=MAX_PASTED_ROWS)
    level: list[str] = Field(default_factory=list, max_length=MAX_PASTED_ROWS)
    count: list[str] = Field(default_factory=list, max_length=MAX_PASTED_ROWS)
    priority: list[str] = Field(default_factory=list, max_length=MAX_PASTED_ROWS)
    remove: list[int] = Field(default_factory=list, max_length=MAX_PASTED_ROWS)


class PasteForm(FormModel):
    """Rows pasted from a spreadsheet, added to the demand or replacing it."""

    rows: str = Field(default="", max_length=1_000_000)
    mode: str = Field(default="add", pattern=r"^(add|replace)$")


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
    except FormRejected as error:
        flash(f"Not added: {error}", "error")
        return redirect(url_for("crisis.index", _anchor="add"))
    cells = [form.team_id, form.skill, form.level, form.count, form.priority]
    line, problems = demand_line_from_cells(scenario, 1, cells, where="new demand line")
    if line is None:
        flash("Not added: " + "; ".join(p.describe() for p in problems), "error")
        return redirect(url_for("crisis.index", _anchor="add"))
    return _save_demand(scenario, demand_with_line_added(scenario, line), f"added line {len(scenario.demand) + 1}",
                        f"Demand added: {describe_demand_line(line, scenario)}.")


@bp.post("/demand/table")
@roles_required(*CRISIS_ROLES)
def save_demand_table():
    """Every demand line from the one table (lines ticked "remove" dropped), saved together or,
    when any cell is wrong, not at all: the table comes back with each problem named."""
    scenario = _scenario_or_404()
    try:
        form = parse_form(DemandTableForm)
    except FormRejected as error:
        flash(f"Not saved: {error}", "error")
        return redirect(url_for("crisis.index", _anchor="demand"))
    columns = [form.team, form.skill, form.level, form.count, form.priority]
    if len({len(c) for c in columns}) != 1:
        flash("Not saved: every demand line needs a team, skill, level, count and priority.", "error")
        return redirect(url_for("crisis.index", _anchor="demand"))
    typed = [(n, list(cells)) for n, cells in enumerate(zip(*columns), start=1)]
    kept = [(n, cells) for n, cells in typed if n not in set(form.remove)]
    read = demand_from_rows(scenario, kept, where=DEMAND_TABLE)
    if not read.ok:
        return _console(422, table_problems=[p.describe() for p in read.problems], demand_rows=typed,
                        removed=set(form.remove))
    removed = len(typed) - len(kept)
    return _save_demand(scenario, read.lines, f"table saved: {len(read.lines)} lines, {removed} removed",
                        f"Demand saved: {len(read.lines)} lines" + (f", {removed} removed." if removed else "."))


@bp.post("/demand/paste")
@roles_required(*CRISIS_ROLES)
def paste_demand():
    """Demand lines pasted from a spreadsheet, added (or replacing the demand) all together or,
    when any cell is wrong, not at all: each problem is shown beside the pasted text."""
    scenario = _scenario_or_404()
    try:
        form = parse_form(PasteForm)
    except FormRejected as error:
        flash(f"Not added: {error}", "error")
        return redirect(url_for("crisis.index", _anchor="add"))
    read = demand_from_paste(scenario, form.rows)
    if not read.ok:
        return _console(422, paste_problems=[p.describe() for p in read.problems], pasted=form.rows,
                        paste_mode=form.mode)
    if form.mode == "replace":
        return _save_demand(scenario, read.lines, f"pasted {len(read.lines)} lines, replacing the demand",
                            f"Demand replaced by {len(read.lines)} pasted lines.")
    return _save_demand(scenario, list(scenario.demand) + read.lines, f"pasted {len(read.lines)} lines",
                        f"{len(read.lines)} pasted demand lines added.")


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
