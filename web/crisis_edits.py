"""The crisis console's edits: team statuses and demand lines, one at a time or all together in
one table, or pasted from a spreadsheet. Each route parses the form, calls a store or service
function and draws the console again (`web.crisis._console`)."""

from __future__ import annotations

from typing import Annotated

from flask import (
    abort,
    flash,
    redirect,
    url_for,
)
from pydantic import Field

from planner.domain import Demand, Scenario, ScenarioError, TeamStatus
from planner.services.crisis import (
    demand_with_line_added,
    demand_with_line_changed,
    demand_with_line_removed,
    describe_demand_line,
)
from planner.services.crisis_sheet import (
    MAX_PASTED_ROWS,
    demand_from_paste,
    demand_from_rows,
    demand_line_from_cells,
    team_statuses_from_form,
)
from planner.services.crisis_sheet import (
    TABLE as DEMAND_TABLE,
)
from planner.store import (
    replace_demand,
    set_team_status,
    set_team_statuses,
)
from web.crisis import CRISIS_ROLES, _console, _scenario_or_404, bp
from web.data_access import current_scenario, engine, scenario_changed
from web.security import (
    FormModel,
    FormRejected,
    current_user,
    parse_form,
    roles_required,
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
