"""The crisis console, for emergency planners.

Mark teams paused (they release all available staff) or critical (they release nobody), edit
the demand (team, skill, level, count, priority), redeploy in seconds, see coverage by priority
and by team at a glance with the reason for every uncovered unit, re-plan from the current
redeployment with as few changes as possible, and export the list for managers.

Team statuses and demand are part of the stored scenario: each edit changes it in one
transaction, bumps its revision and is audited (who, which team or demand line, never a name).
Redeployments run as background jobs (`web.jobs`) and are saved as numbered `redeploy` plans.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from sqlalchemy import Engine

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, url_for
from pydantic import Field, ValidationError

# Imported with the app, not on the first redeployment, so a run's time is the solver's time.
from optimiser.redeploy import RedeployResult, redeploy
from planner.domain import Demand, Scenario, ScenarioError, TeamStatus
from planner.store import replace_demand, set_team_status
from web.data_access import current_scenario, engine, scenario_changed
from web.security import FormModel, FormRejected, current_user, may_see_person, parse_form, roles_required

log = logging.getLogger("trellis.web.crisis")

bp = Blueprint("crisis", __name__, url_prefix="/crisis")

NAV = [("crisis.index", "Crisis console", ("emergency",))]

CRISIS_ROLES = ("emergency",)
DEFAULT_TIME_LIMIT_S = 10.0


# ---------------------------------------------------------------------------------------------
# Pages
# ---------------------------------------------------------------------------------------------


def _scenario_or_redirect():
    scenario = current_scenario()
    if scenario is None:
        abort(404, description="No scenario has been imported yet; ask HR to import one.")
    return scenario


def _latest_redeployment():
    from planner.store import latest_plan

    return latest_plan(engine(), "redeploy")


@dataclass(frozen=True)
class AssignmentRow:
    person_id: str
    name: str
    from_team: str
    to_team: str
    skill: str
    level: int | None
    priority: int


def assignment_rows(result: dict, scenario: Scenario) -> list[AssignmentRow]:
    """The redeployment's moves with names (for an account allowed to see them) and team names."""
    user = current_user()
    teams = scenario.team_by_id
    rows = []
    for a in result.get("assignments", []):
        person = scenario.person_by_id.get(a["person_id"])
        name = person.name if person is not None and user is not None and may_see_person(user, a["person_id"]) else a["person_id"]
        rows.append(AssignmentRow(
            person_id=a["person_id"], name=name,
            from_team=teams[a["from_team_id"]].name if a["from_team_id"] in teams else a["from_team_id"],
            to_team=teams[a["to_team_id"]].name if a["to_team_id"] in teams else a["to_team_id"],
            skill=a["skill"], level=a.get("level"), priority=int(a["priority"])))
    return sorted(rows, key=lambda r: (r.priority, r.to_team, r.skill, r.person_id))


def coverage_summary(result: dict) -> dict[str, int]:
    """Units demanded, covered and uncovered over every priority."""
    lines = result.get("coverage_by_priority", [])
    return {"demanded": sum(c["demanded"] for c in lines), "covered": sum(c["covered"] for c in lines),
            "uncovered": sum(c["uncovered"] for c in lines)}


@bp.get("/")
@roles_required(*CRISIS_ROLES)
def index():
    from web.jobs import pool

    scenario = _scenario_or_redirect()
    latest = _latest_redeployment()
    result = (latest.result or {}) if latest else {}
    headcount = scenario.headcount_by_team
    stale = latest is not None and result.get("scenario_revision") not in (None, _revision())
    return render_template(
        "crisis/index.html", scenario=scenario, headcount=headcount, latest=latest, result=result,
        rows=assignment_rows(result, scenario) if latest else [], totals=coverage_summary(result),
        team_names={t.team_id: t.name for t in scenario.teams}, statuses=[s.value for s in TeamStatus],
        skills=sorted(scenario.skill_ids()), jobs=pool().recent(("redeploy",), limit=5), stale=stale,
    )


def _revision() -> int:
    from planner.store import scenario_revision

    return scenario_revision(engine())


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
    scenario = _scenario_or_redirect()
    try:
        form = parse_form(DemandForm)
        line = Demand(**form.model_dump())
    except (FormRejected, ValidationError) as error:
        flash(f"Not added: {error}", "error")
        return redirect(url_for("crisis.index", _anchor="demand"))
    return _save_demand(scenario, list(scenario.demand) + [line], f"added line {len(scenario.demand) + 1}",
                        f"Demand added: {line.count} × {line.skill} (level {line.level}+) for "
                        f"{scenario.team_by_id.get(line.team_id).name if line.team_id in scenario.team_by_id else line.team_id}, priority {line.priority}.")


@bp.post("/demand/<int:line>")
@roles_required(*CRISIS_ROLES)
def change_demand(line: int):
    """Change (or remove) demand line `line` (1-based, as shown)."""
    scenario = _scenario_or_redirect()
    if not 1 <= line <= len(scenario.demand):
        abort(404)
    try:
        form = parse_form(DemandChangeForm)
    except FormRejected as error:
        flash(f"Not saved: {error}", "error")
        return redirect(url_for("crisis.index", _anchor="demand"))
    demand = list(scenario.demand)
    if form.action == "remove":
        del demand[line - 1]
        return _save_demand(scenario, demand, f"removed line {line}", f"Demand line {line} removed.")
    demand[line - 1] = demand[line - 1].model_copy(update={"level": form.level, "count": form.count,
                                                           "priority": form.priority})
    return _save_demand(scenario, demand, f"changed line {line}", f"Demand line {line} saved.")


# ---------------------------------------------------------------------------------------------
# Redeploy and re-plan
# ---------------------------------------------------------------------------------------------


class EmptyForm(FormModel):
    pass


def _time_limit() -> float:
    from flask import current_app

    return float(current_app.config.get("CRISIS_TIME_LIMIT_S", DEFAULT_TIME_LIMIT_S))


def redeploy_work(db: Engine, scenario: Scenario, revision: int, actor: str, baseline: dict | None,
                  baseline_plan: int | None, time_limit_s: float):
    """Background work: redeploy (from the baseline, when re-planning) and save the result as
    a new `redeploy` plan version, audited with who ran it."""
    from web.jobs import JobOutcome

    def work(progress) -> JobOutcome:
        from planner.store import save_plan
        from web.jobs import retry_when_locked

        previous = RedeployResult.model_validate(baseline) if baseline else None
        result = redeploy(scenario, baseline=previous, time_limit_s=time_limit_s, on_progress=progress)
        data = result.model_dump(mode="json")
        data["scenario_revision"] = revision
        data["baseline_plan_id"] = baseline_plan
        stored = retry_when_locked(lambda: save_plan(db, "redeploy", data, created_by=actor, policy=scenario.policy))
        totals = coverage_summary(data)
        return JobOutcome({"status": result.status, "people_moved": result.people_moved,
                           "people_changed": result.people_changed, **totals}, stored.id)

    return work


def _start(baseline_plan=None):
    from web.jobs import SlotsBusy, pool

    scenario = _scenario_or_redirect()
    parse_form(EmptyForm)
    baseline = None
    if baseline_plan is not None:
        baseline = baseline_plan.result or None
    work = redeploy_work(engine(), scenario, _revision(), current_user().username, baseline,
                         baseline_plan.id if baseline_plan else None, _time_limit())
    note = f"re-plan from redeployment v{baseline_plan.version}" if baseline_plan else "redeploy"
    try:
        job_id = pool().submit("redeploy", work, actor=current_user().username,
                               request={"note": note, "baseline_plan_id": baseline_plan.id if baseline_plan else None},
                               time_limit_s=_time_limit())
    except SlotsBusy as busy:
        flash(str(busy), "error")
        response = redirect(url_for("crisis.index"))
        return response
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


def _job_or_404(job_id: int):
    from web.jobs import pool

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

EXPORT_HEADER = ["person_id", "name", "from_team", "to_team", "skill", "level", "priority"]


def _plan_or_404(plan_id: int):
    from planner.store import NotFound, get_plan

    try:
        stored = get_plan(engine(), plan_id)
    except NotFound:
        abort(404)
    if stored.kind != "redeploy":
        abort(404)
    return stored


def _export_rows(rows: list[AssignmentRow]):
    return [[r.person_id, r.name, r.from_team, r.to_team, r.skill, r.level if r.level is not None else "", r.priority]
            for r in rows]


@bp.get("/plans/<int:plan_id>/export.csv")
@roles_required(*CRISIS_ROLES)
def export_csv(plan_id: int):
    from web.exports import CSV_MIMETYPE, csv_bytes

    stored = _plan_or_404(plan_id)
    rows = assignment_rows(stored.result or {}, _scenario_or_redirect())
    return _download(csv_bytes(EXPORT_HEADER, _export_rows(rows)), CSV_MIMETYPE,
                     f"trellis-redeployment-v{stored.version}.csv")


@bp.get("/plans/<int:plan_id>/export.xlsx")
@roles_required(*CRISIS_ROLES)
def export_xlsx(plan_id: int):
    from web.exports import XLSX_MIMETYPE, xlsx_bytes

    stored = _plan_or_404(plan_id)
    scenario = _scenario_or_redirect()
    result = stored.result or {}
    names = {t.team_id: t.name for t in scenario.teams}
    book = xlsx_bytes([
        ("Redeployments", EXPORT_HEADER, _export_rows(assignment_rows(result, scenario))),
        ("Coverage by priority", ["priority", "demanded", "covered", "uncovered"],
         [[c["priority"], c["demanded"], c["covered"], c["uncovered"]] for c in result.get("coverage_by_priority", [])]),
        ("Coverage by team", ["team", "demanded", "covered", "uncovered", "released"],
         [[names.get(c["team_id"], c["team_id"]), c["demanded"], c["covered"], c["uncovered"], c["released"]]
          for c in result.get("coverage_by_team", [])]),
        ("Uncovered", ["team", "skill", "level", "priority", "units", "reason"],
         [[names.get(u["team_id"], u["team_id"]), u["skill"], u["level"], u["priority"], u["units"], u["reason"]]
          for u in result.get("uncovered", [])]),
    ])
    return _download(book, XLSX_MIMETYPE, f"trellis-redeployment-v{stored.version}.xlsx")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
