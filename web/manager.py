"""The line manager's console: release their people for proposed moves (or say why not), and
post and edit their teams' opportunities.

A manager sees only their teams (`CurrentUser.teams`): the placements of the newest plan whose
person's home team they manage, and the opportunities their teams host. Release decisions and
postings go through `planner.services.consent` and `planner.services.opportunities`, which hold
the rules (a posted opportunity is checked exactly like a row of opportunities.csv) and audit
every change.
"""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from pydantic import Field

from planner.domain import OpportunityKind, Problem, Scenario
from planner.scenario_io.one_row import opportunity_cells
from planner.services.consent import NotTheirs, decide_release, people_proposed_to_leave, plan_people_answer_on
from planner.services.decisions import DecisionRefused, NotProposed
from planner.services.occupation_profiles import occupation_choices, pick_occupation
from planner.services.opportunities import (
    OpportunityRejected,
    edit_opportunity,
    opportunities_of_teams,
    post_opportunity,
)
from planner.store.occupations import count_occupation_profiles
from planner.store.tables import MAX_REASON_LENGTH
from planner.taxonomy.profiles import UnknownOccupation
from web.data_access import current_scenario, engine, scenario_changed
from web.reader_names import name_for_reader
from web.security import FormModel, FormRejected, current_user, log_refusal, parse_form, roles_required

log = logging.getLogger("trellis.web.manager")

bp = Blueprint("manager", __name__, url_prefix="/manager")

NAV = [
    ("manager.index", "My teams", ("manager",)),
    ("manager.opportunities", "Team opportunities", ("manager",)),
]

MANAGER_ROLES = ("manager",)
MAX_CELL_LENGTH = 2000


class ReleaseForm(FormModel):
    person_id: str = Field(min_length=1, max_length=200)
    opportunity_id: str = Field(min_length=1, max_length=200)
    decision: str = Field(pattern=r"^(released|refused)$")
    reason: str = Field(default="", max_length=MAX_REASON_LENGTH)


class OpportunityForm(FormModel):
    """The cells of one opportunities.csv row, as text; the import's rules check them."""

    opportunity_id: str = Field(default="", max_length=MAX_CELL_LENGTH)
    title: str = Field(default="", max_length=MAX_CELL_LENGTH)
    kind: str = Field(default="", max_length=MAX_CELL_LENGTH)
    host_team_id: str = Field(default="", max_length=MAX_CELL_LENGTH)
    capacity: str = Field(default="", max_length=MAX_CELL_LENGTH)
    fte: str = Field(default="", max_length=MAX_CELL_LENGTH)
    required_skills: str = Field(default="", max_length=MAX_CELL_LENGTH)
    development_skills: str = Field(default="", max_length=MAX_CELL_LENGTH)
    grade_min: str = Field(default="", max_length=MAX_CELL_LENGTH)
    grade_max: str = Field(default="", max_length=MAX_CELL_LENGTH)
    profession: str = Field(default="", max_length=MAX_CELL_LENGTH)
    start: str = Field(default="", max_length=MAX_CELL_LENGTH)
    end: str = Field(default="", max_length=MAX_CELL_LENGTH)
    remote: str = Field(default="", max_length=MAX_CELL_LENGTH)
    # The "Occupation profile" picker's text: not a cell, ignored when the row is saved.
    occupation: str = Field(default="", max_length=MAX_CELL_LENGTH)


class ProfilePickForm(OpportunityForm):
    """The opportunity form sent by its "Search" or "Use its skills" button: nothing is saved,
    the form comes back with the occupation list narrowed or Skills required filled."""

    profile_action: str = Field(default="use", pattern=r"^(use|search)$")


def _scenario_or_404() -> Scenario:
    scenario = current_scenario()
    if scenario is None:
        abort(404, description="No scenario has been imported yet; ask HR to import one.")
    return scenario


def _managed() -> tuple[str, ...]:
    return current_user().teams


@bp.get("/")
@roles_required(*MANAGER_ROLES)
def index():
    scenario = current_scenario()
    stored = plan_people_answer_on(engine())
    rows = people_proposed_to_leave(engine(), stored, scenario, _managed(), name_for_reader(scenario)) \
        if scenario is not None else []
    teams = [scenario.team_by_id[t] for t in _managed() if t in scenario.team_by_id] if scenario else []
    return render_template("manager/index.html", plan=stored, rows=rows, teams=teams, max_reason=MAX_REASON_LENGTH)


@bp.post("/plans/<int:plan_id>/release")
@roles_required(*MANAGER_ROLES)
def release(plan_id: int):
    """Release one of the manager's people for a proposed placement, or refuse with a reason."""
    scenario = _scenario_or_404()
    stored = plan_people_answer_on(engine())
    if stored is None or stored.id != plan_id:
        abort(404)
    try:
        form = parse_form(ReleaseForm)
    except FormRejected as rejected:
        flash("Not saved: " + "; ".join(rejected.errors), "error")
        return redirect(url_for("manager.index"), 303)
    try:
        decide_release(engine(), stored, scenario, form.person_id, form.opportunity_id, form.decision, form.reason,
                       managed_teams=_managed(), username=current_user().username)
    except (NotTheirs, NotProposed):
        log_refusal("release for a person outside the manager's teams", 404)
        abort(404)
    except DecisionRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("manager.index"), 303)
    flash("Released: HR can see you agreed." if form.decision == "released" else
          "Refused: the plan cannot be approved with this move, and HR can see your reason.", "success")
    return redirect(url_for("manager.index", _anchor=f"release-{form.person_id}"), 303)


# ---------------------------------------------------------------------------------------------
# The teams' opportunities
# ---------------------------------------------------------------------------------------------


def _problems_by_field(problems: list[Problem]) -> dict[str, list[str]]:
    """Each problem under the form field (the CSV column) it is about; others under `form`."""
    by_field: dict[str, list[str]] = {}
    for problem in problems:
        text = problem.message + (f" (value {problem.value!r})" if problem.value is not None else "") + \
            (f"; {problem.suggestion}" if problem.suggestion else "")
        by_field.setdefault(problem.column if problem.column in OpportunityForm.model_fields else "form", []).append(text)
    return by_field


def _opportunity_page(scenario: Scenario, cells: dict[str, str], editing: str | None,
                      problems: dict[str, list[str]] | None = None, status: int = 200, *,
                      occupation: str = "", search: str = "", profile: dict | None = None):
    """The form and the list. `occupation` is the picker's text, `search` what narrows its list,
    `profile` the outcome of "Use its skills" (notice, warning, error)."""
    teams = [scenario.team_by_id[t] for t in _managed() if t in scenario.team_by_id]
    titles, more_titles = occupation_choices(engine(), search)
    return render_template(
        "manager/opportunities.html", opportunities=opportunities_of_teams(scenario, _managed()),
        team_names={t.team_id: t.name for t in scenario.teams}, teams=teams, cells=cells, editing=editing,
        problems=problems or {}, kinds=[k.value for k in OpportunityKind],
        profiles_loaded=bool(titles) or count_occupation_profiles(engine()) > 0, occupation=occupation,
        occupation_titles=titles, more_titles=more_titles, profile=profile or {}), status


@bp.get("/opportunities")
@roles_required(*MANAGER_ROLES)
def opportunities():
    scenario = _scenario_or_404()
    first_team = next((t for t in _managed() if t in scenario.team_by_id), "")
    return _opportunity_page(scenario, {"host_team_id": first_team, "capacity": "1", "fte": "1"}, None)


@bp.get("/opportunities/<opportunity_id>")
@roles_required(*MANAGER_ROLES)
def edit_form(opportunity_id: str):
    scenario = _scenario_or_404()
    _managed_opportunity_or_404(scenario, opportunity_id)
    return _opportunity_page(scenario, opportunity_cells(scenario.opportunity_by_id[opportunity_id]), opportunity_id)


def _cells_from_form() -> dict[str, str] | None:
    try:
        return parse_form(OpportunityForm).model_dump(exclude={"occupation"})
    except FormRejected as rejected:
        flash("Not saved: " + "; ".join(rejected.errors), "error")
        return None


@bp.post("/opportunities")
@roles_required(*MANAGER_ROLES)
def post():
    """Post a new opportunity for one of the manager's teams."""
    scenario = _scenario_or_404()
    cells = _cells_from_form()
    if cells is None:
        return redirect(url_for("manager.opportunities"), 303)
    try:
        posted = post_opportunity(engine(), scenario, cells, managed_teams=_managed(), username=current_user().username)
    except OpportunityRejected as rejected:
        return _opportunity_page(scenario, cells, None, _problems_by_field(rejected.problems), 400)
    except NotTheirs as refused:
        return _opportunity_page(scenario, cells, None, {"host_team_id": [str(refused)]}, 403)
    scenario_changed()
    flash(f"“{posted.title}” is posted: the next plan can offer it.", "success")
    return redirect(url_for("manager.opportunities"), 303)


@bp.post("/opportunities/<opportunity_id>")
@roles_required(*MANAGER_ROLES)
def edit(opportunity_id: str):
    """Save changes to one of the manager's teams' opportunities (its id stays)."""
    scenario = _scenario_or_404()
    current = scenario.opportunity_by_id.get(opportunity_id)
    if current is None or current.host_team_id not in _managed():
        log_refusal("opportunity outside the manager's teams", 404)
        abort(404)
    cells = _cells_from_form()
    if cells is None:
        return redirect(url_for("manager.edit_form", opportunity_id=opportunity_id), 303)
    try:
        saved = edit_opportunity(engine(), scenario, opportunity_id, cells, managed_teams=_managed(),
                                 username=current_user().username)
    except OpportunityRejected as rejected:
        return _opportunity_page(scenario, {**cells, "opportunity_id": opportunity_id}, opportunity_id,
                                 _problems_by_field(rejected.problems), 400)
    except NotTheirs as refused:
        return _opportunity_page(scenario, {**cells, "opportunity_id": opportunity_id}, opportunity_id,
                                 {"host_team_id": [str(refused)]}, 403)
    scenario_changed()
    flash(f"“{saved.title}” is saved: the next plan uses the change.", "success")
    return redirect(url_for("manager.opportunities"), 303)


def _managed_opportunity_or_404(scenario: Scenario, opportunity_id: str) -> None:
    current = scenario.opportunity_by_id.get(opportunity_id)
    if current is None or current.host_team_id not in _managed():
        log_refusal("opportunity outside the manager's teams", 404)
        abort(404)


@bp.post("/opportunity-profile", defaults={"opportunity_id": None})
@bp.post("/opportunity-profile/<opportunity_id>")
@roles_required(*MANAGER_ROLES)
def use_profile(opportunity_id: str | None):
    """The form back, unsaved: "Search" narrows the occupation list to titles containing the
    text; "Use its skills" fills Skills required with the occupation's skills that the skills
    catalogue has, and names the others."""
    scenario = _scenario_or_404()
    if opportunity_id is not None:
        _managed_opportunity_or_404(scenario, opportunity_id)
    back = url_for("manager.edit_form", opportunity_id=opportunity_id) if opportunity_id else url_for("manager.opportunities")
    try:
        form = parse_form(ProfilePickForm)
    except FormRejected as rejected:
        flash("Not filled: " + "; ".join(rejected.errors), "error")
        return redirect(back, 303)
    cells = form.model_dump(exclude={"occupation", "profile_action"})
    if opportunity_id is not None:
        cells["opportunity_id"] = opportunity_id
    typed = form.occupation
    if form.profile_action == "search" or not typed:
        return _opportunity_page(scenario, cells, opportunity_id, occupation=typed, search=typed)
    try:
        fit = pick_occupation(engine(), typed, scenario.skill_ids())
    except UnknownOccupation as unknown:
        return _opportunity_page(scenario, cells, opportunity_id, status=400, occupation=typed, search=typed,
                                 profile={"error": str(unknown)})
    cells["required_skills"] = fit.cell
    return _opportunity_page(scenario, cells, opportunity_id, occupation=fit.occupation, profile={
        "notice": f"Skills required now holds the skills of “{fit.occupation}” that your catalogue has "
                  f"({len(fit.requirements)}). Check the levels, then "
                  f"{'save' if opportunity_id else 'post'}: nothing is saved yet.",
        "warning": ("not in your skills catalogue: " + ", ".join(fit.not_in_catalogue)
                    + " - add them with the taxonomy's skills.csv") if fit.not_in_catalogue else "",
    })
