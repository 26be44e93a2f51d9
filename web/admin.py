"""Administration: accounts and roles, the audit trail, and a person's data rights (a copy of
everything held about them as JSON; erasure everywhere they appear).

Admins only. Every change is a POST with a CSRF token and leaves an audit row naming who did it;
exporting a person's data is a POST too, because it is recorded in the audit trail.
"""

from __future__ import annotations

import json
import logging

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from pydantic import Field

from planner.services.audit_names import AuditNames, account_in_words, target_in_words
from planner.store import NotFound, list_audit, list_users
from planner.store import delete_person as store_delete_person
from planner.store import delete_user as store_delete_user
from planner.store import export_person as store_export_person
from planner.store.managers import managers_by_user
from planner.store.webhooks import list_deliveries
from web.auth import AccountError, change_account_role, change_manager_teams, create_account, person_link_problem
from web.data_access import current_scenario, engine, scenario_changed
from web.reader_names import name_for_reader
from web.security import (
    ROLES,
    FormModel,
    FormRejected,
    current_user,
    int_param,
    log_refusal,
    may_see_person,
    parse_form,
    roles_required,
)

log = logging.getLogger("trellis.web.admin")

bp = Blueprint("admin", __name__, url_prefix="/admin")

NAV = [
    ("admin.users", "Users", ("admin",)),
    ("admin.audit", "Audit log", ("admin",)),
    ("admin.people", "Personal data", ("admin",)),
    ("admin.webhooks", "Webhooks", ("admin",)),
]

AUDIT_PAGE_SIZE = 50
PERSON_SEARCH_LIMIT = 25


# ---------------------------------------------------------------------------------------------
# Accounts and roles
# ---------------------------------------------------------------------------------------------


class NewUserForm(FormModel):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(default="", max_length=1024)  # blank or short: the password rule says why
    role: str = Field(min_length=1, max_length=20)
    person_id: str = Field(default="", max_length=200)
    teams: str = Field(default="", max_length=4000)


class TeamsForm(FormModel):
    teams: str = Field(default="", max_length=4000)


def team_list(text: str) -> tuple[str, ...]:
    """Team ids written as a comma (or semicolon) separated list."""
    return tuple(t.strip() for t in text.replace(";", ",").split(",") if t.strip())


class RoleForm(FormModel):
    role: str = Field(min_length=1, max_length=20)


class EmptyForm(FormModel):
    pass


@bp.get("/")
@roles_required("admin")
def index():
    return redirect(url_for("admin.users"))


@bp.get("/users")
@roles_required("admin")
def users():
    scenario = current_scenario()
    return render_template("admin/users.html", users=list_users(engine()), roles=ROLES,
                           manager_teams=managers_by_user(engine()),
                           team_ids=[t.team_id for t in scenario.teams] if scenario else [])


@bp.post("/users")
@roles_required("admin")
def create_user():
    try:
        form = parse_form(NewUserForm)
        link_problem = person_link_problem(engine(), form.person_id or None)
        if link_problem:
            raise AccountError(link_problem)
        create_account(engine(), form.username, form.password, form.role, form.person_id or None,
                       actor=current_user().username, teams=team_list(form.teams))
    except (FormRejected, AccountError) as error:
        flash(f"The account was not created: {error}", "error")
        return redirect(url_for("admin.users"))
    flash(f"Account {form.username} created with role {form.role}.", "success")
    return redirect(url_for("admin.users"))


def may_change_account(actor_id: int, target_id: int) -> str | None:
    """An admin cannot demote or delete their own account (so there is always one admin left
    who can undo a mistake)."""
    if actor_id == target_id:
        return "You cannot change the role of, or delete, your own account; ask another admin."
    return None


@bp.post("/users/<int:user_id>/role")
@roles_required("admin")
def change_role(user_id: int):
    form = _parse_or_back(RoleForm)
    if form is None:
        return redirect(url_for("admin.users"))
    refusal = may_change_account(current_user().id, user_id)
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("admin.users"))
    if form.role not in ROLES:
        flash(f"Unknown role {form.role!r}; roles are {', '.join(ROLES)}.", "error")
        return redirect(url_for("admin.users"))
    try:
        user = change_account_role(engine(), user_id, form.role, actor=current_user().username)
    except NotFound:
        abort(404)
    except AccountError as error:
        flash(f"The role was not changed: {error}.", "error")
        return redirect(url_for("admin.users"))
    flash(f"{user.username} now has the role {user.role}; their open sessions were signed out.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/teams")
@roles_required("admin")
def change_teams(user_id: int):
    """Set the teams a manager account manages (checked against the stored teams)."""
    form = _parse_or_back(TeamsForm)
    if form is None:
        return redirect(url_for("admin.users"))
    try:
        teams = change_manager_teams(engine(), user_id, team_list(form.teams), actor=current_user().username)
    except NotFound:
        abort(404)
    except AccountError as error:
        flash(f"The teams were not changed: {error}.", "error")
        return redirect(url_for("admin.users"))
    flash(f"The account now manages {', '.join(teams)}; its open sessions were signed out.", "success")
    return redirect(url_for("admin.users"))


@bp.post("/users/<int:user_id>/delete")
@roles_required("admin")
def delete_user(user_id: int):
    if _parse_or_back(EmptyForm) is None:
        return redirect(url_for("admin.users"))
    refusal = may_change_account(current_user().id, user_id)
    if refusal:
        flash(refusal, "error")
        return redirect(url_for("admin.users"))
    if not store_delete_user(engine(), user_id, actor=current_user().username):
        abort(404)
    flash("The account was deleted.", "success")
    return redirect(url_for("admin.users"))


def _parse_or_back(model):
    try:
        return parse_form(model)
    except FormRejected as error:
        flash(f"Not saved: {error}", "error")
        return None


# ---------------------------------------------------------------------------------------------
# Audit trail
# ---------------------------------------------------------------------------------------------


def audit_names() -> AuditNames:
    """Names for the audit page: accounts, and the people, teams and opportunities of the current
    scenario as the reader may see them (the stored trail keeps ids)."""
    accounts = list_users(engine())
    scenario = current_scenario()
    return AuditNames(
        usernames={a.id: a.username for a in accounts},
        account_people={a.username: a.person_id for a in accounts if a.person_id},
        person_name=name_for_reader(scenario),
        team_names={t.team_id: t.name for t in scenario.teams} if scenario else {},
        opportunity_titles={o.opportunity_id: o.title for o in scenario.opportunities} if scenario else {},
    )


@bp.get("/audit")
@roles_required("admin")
def audit():
    filters = {key: (request.args.get(key) or "").strip()[:300] or None for key in ("actor", "action", "target")}
    page = int_param("page", default=1)
    rows = list_audit(engine(), limit=AUDIT_PAGE_SIZE + 1, offset=(page - 1) * AUDIT_PAGE_SIZE, **filters)
    names = audit_names()
    shown = [(row, account_in_words(names, row.actor), target_in_words(names, row.target))
             for row in rows[:AUDIT_PAGE_SIZE]]
    return render_template("admin/audit.html", rows=shown, filters=filters, page=page,
                           filter_args={k: v for k, v in filters.items() if v},
                           has_next=len(rows) > AUDIT_PAGE_SIZE)


# ---------------------------------------------------------------------------------------------
# A person's data: find, export, erase
# ---------------------------------------------------------------------------------------------


def find_people(scenario, query: str, limit: int = PERSON_SEARCH_LIMIT) -> list:
    """People whose id or name contains the query (case-insensitive), at most `limit`."""
    if scenario is None or not query:
        return []
    needle = query.casefold()
    found = [p for p in scenario.people if needle in p.person_id.casefold() or needle in p.name.casefold()]
    return found[:limit]


@bp.get("/people")
@roles_required("admin")
def people():
    query = (request.args.get("q") or "").strip()[:200]
    scenario = current_scenario()
    return render_template("admin/people.html", query=query, found=find_people(scenario, query),
                           scenario=scenario, team_by_id=scenario.team_by_id if scenario else {})


class EraseForm(FormModel):
    confirm: str = Field(default="", max_length=200)


@bp.post("/people/<person_id>/export")
@roles_required("admin")
def export_person(person_id: str):
    """Everything held about one person, as a JSON download; the export is audited (as every
    download is, by `web.security`)."""
    if _parse_or_back(EmptyForm) is None:
        return redirect(url_for("admin.people"))
    _refuse_unless_may_see(person_id)
    try:
        data = store_export_person(engine(), person_id)
    except NotFound:
        abort(404)
    response = Response(json.dumps(data, indent=2, default=str), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="trellis-person-{_safe_name(person_id)}.json"'
    return response


@bp.post("/people/<person_id>/delete")
@roles_required("admin")
def delete_person(person_id: str):
    """Erase a person everywhere, in one transaction (`planner.store.delete_person`): their
    record, accounts, plan entries and the consoles' own rows (placement decisions, mentions in
    solve jobs). Needs the id typed again."""
    form = _parse_or_back(EraseForm)
    if form is None:
        return redirect(url_for("admin.people"))
    _refuse_unless_may_see(person_id)
    if form.confirm != person_id:
        flash("Nothing was deleted: type the person's id exactly to confirm the erasure.", "error")
        return redirect(url_for("admin.people", q=person_id))
    try:
        removed = store_delete_person(engine(), person_id, actor=current_user().username)
    except NotFound:
        abort(404)
    scenario_changed()
    summary = ", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in removed.items() if count)
    flash(f"Person {person_id} was erased everywhere ({summary}).", "success")
    return redirect(url_for("admin.people"))


def _refuse_unless_may_see(person_id: str) -> None:
    user = current_user()
    if user is None or not may_see_person(user, person_id):
        log_refusal("may not see this person's data", 403)
        abort(403)


def _safe_name(value: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in value)[:80]


# ---------------------------------------------------------------------------------------------
# Webhooks: the delivery log
# ---------------------------------------------------------------------------------------------

WEBHOOK_PAGE_SIZE = 50


@bp.get("/webhooks")
@roles_required("admin")
def webhooks():
    """Every webhook delivery, newest first: event, URL, last status, attempts, last error."""
    page = int_param("page", default=1)
    rows = list_deliveries(engine(), limit=WEBHOOK_PAGE_SIZE + 1, offset=(page - 1) * WEBHOOK_PAGE_SIZE)
    return render_template("admin/webhooks.html", rows=rows[:WEBHOOK_PAGE_SIZE], page=page,
                           has_next=len(rows) > WEBHOOK_PAGE_SIZE)
