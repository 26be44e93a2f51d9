"""Decision views: accept or reject one placement or every placement a review filter matches,
accept every undecided one, approve a version, re-run with the decisions. The rules are `planner.services.decisions`'."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for

from planner.services.decisions import (
    DecisionRefused,
    NotProposed,
    accept_every_undecided,
    approve_matching_plan,
    decide_on_group,
    decide_on_placement,
    rerun_with_decisions,
)
from planner.services.plan_review import matching_rows
from planner.services.plans import placement_rows
from web.data_access import current_scenario, engine
from web.hr import PLAN_ROLES, DecisionForm, EmptyForm, GroupDecisionForm, bp
from web.hr.common import plan_or_404
from web.hr.plans import start_matching
from web.hr.review import filter_from
from web.reader_names import name_for_reader
from web.security import FormRejected, current_user, parse_form, roles_required


@bp.post("/plans/<int:plan_id>/decide")
@roles_required(*PLAN_ROLES)
def decide(plan_id: int):
    """Accept or reject one proposed placement, in the signed-in planner's name."""
    stored = plan_or_404(plan_id)
    try:
        form = parse_form(DecisionForm)
    except FormRejected:
        abort(400)
    try:
        decide_on_placement(engine(), stored, form.person_id, form.opportunity_id, form.decision,
                            decided_by=current_user().username)
    except NotProposed:
        abort(404)
    except DecisionRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("hr.plan", plan_id=plan_id))
    return redirect(url_for("hr.plan", plan_id=plan_id, _anchor=f"row-{form.person_id}"))


@bp.post("/plans/<int:plan_id>/decide-group")
@roles_required(*PLAN_ROLES)
def decide_group(plan_id: int):
    """Accept or reject every placement the posted review filter matches (on every page, not only
    the one shown), when the group still holds as many as the planner saw."""
    stored = plan_or_404(plan_id)
    try:
        form = parse_form(GroupDecisionForm)
    except FormRejected:
        abort(400)
    chosen = filter_from(form.model_dump())
    back = url_for("hr.plan", plan_id=plan_id, **{k: v for k, v in form.model_dump(
        include={"q", "team", "organisation", "decided", "kind"}).items() if v})
    scenario = current_scenario()
    group = matching_rows(placement_rows(engine(), stored, scenario, name_for_reader(scenario)), chosen)
    try:
        changed = decide_on_group(engine(), stored, [(r.person_id, r.opportunity_id) for r in group],
                                  form.decision, decided_by=current_user().username, expected=form.expected)
    except DecisionRefused as refused:
        flash(str(refused), "error")
        return redirect(back)
    verb = "accepted" if form.decision == "accepted" else "rejected"
    already = len(group) - changed
    flash(f"{changed} placement{'s' if changed != 1 else ''} {verb} in your name: every one of the {len(group)} "
          f"matching {chosen.describe({t.team_id: t.name for t in scenario.teams} if scenario else None)}" + (f" ({already} already were)." if already else "."), "success")
    return redirect(back)


@bp.post("/plans/<int:plan_id>/accept-all")
@roles_required(*PLAN_ROLES)
def accept_all(plan_id: int):
    """Accept every placement not decided yet (each one audited in the planner's name)."""
    stored = plan_or_404(plan_id)
    parse_form(EmptyForm)
    try:
        count = accept_every_undecided(engine(), stored, decided_by=current_user().username)
    except DecisionRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("hr.plan", plan_id=plan_id))
    flash(f"{count} placement{'s' if count != 1 else ''} accepted in your name.", "success")
    return redirect(url_for("hr.plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/approve")
@roles_required(*PLAN_ROLES)
def approve(plan_id: int):
    """Approve the version in the planner's name, when every placement is accepted."""
    stored = plan_or_404(plan_id)
    parse_form(EmptyForm)
    try:
        approve_matching_plan(engine(), plan_id, current_user().username)
    except DecisionRefused as refused:
        flash(str(refused), "error")
        return redirect(url_for("hr.plan", plan_id=plan_id))
    flash(f"Version {stored.version} approved in your name.", "success")
    return redirect(url_for("hr.plan", plan_id=plan_id))


@bp.post("/plans/<int:plan_id>/rerun")
@roles_required(*PLAN_ROLES)
def rerun(plan_id: int):
    """Run again with this version's decisions: accepted placements pinned, rejected forbidden."""
    stored = plan_or_404(plan_id)
    parse_form(EmptyForm)
    scenario = current_scenario()
    if scenario is None:
        flash("Import a scenario before planning.", "error")
        return redirect(url_for("hr.import_form"))
    policy = rerun_with_decisions(engine(), stored, scenario)
    return start_matching(scenario, policy, note=f"re-run of version {stored.version}", carry_from=plan_id)
