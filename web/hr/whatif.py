"""What-if views: relax a requirement or allow stretch, compared side by side with a saved
plan version. The comparison runs as a background job."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from planner.services.plan_words import outcome_of_result
from planner.services.plans import stored_policy
from planner.services.whatif import (
    WhatIfChange,
    change_problem,
    compare_placements,
    describe_change,
    eligibility_opened_up,
    required_skills,
    whatif_work,
)
from planner.store import NotFound, StoredPlan, get_plan, list_plans
from web.data_access import current_scenario, engine
from web.hr import PLAN_ROLES, WhatIfForm, bp
from web.hr.common import job_or_404, plan_or_404, planning_page
from web.jobs import SlotsBusy, pool
from web.reader_names import name_for_reader
from web.security import FormRejected, current_user, parse_form, roles_required

# A comparison of a large plan can open up or lose thousands of placements: the page lists the
# first ones and says how many more (the figures above count them all).
LISTED = 100


@bp.get("/whatif")
@roles_required(*PLAN_ROLES)
def whatif_form():
    scenario = current_scenario()
    plans = list_plans(engine(), "matching")
    chosen = request.args.get("plan_id", type=int) or (plans[0].id if plans else None)
    return render_template("hr/whatif.html", scenario=scenario, plans=plans, chosen=chosen,
                           required=required_skills(scenario))


@bp.post("/whatif")
@roles_required(*PLAN_ROLES)
def whatif_run():
    scenario = current_scenario()
    if scenario is None:
        flash("Import a scenario before planning.", "error")
        return redirect(url_for("hr.import_form"))
    try:
        form = parse_form(WhatIfForm)
    except FormRejected as error:
        flash(f"The comparison was not started: {error}", "error")
        return redirect(url_for("hr.whatif_form"))
    stored = plan_or_404(form.plan_id)
    if form.opportunity_id and form.opportunity_id not in scenario.opportunity_by_id:
        abort(404)
    change = WhatIfChange(change=form.change, stretch_levels=form.stretch_levels, skill=form.skill,
                          opportunity_id=form.opportunity_id)
    problem = change_problem(change, scenario)
    if problem:
        flash(problem, "error")
        return redirect(url_for("hr.whatif_form", plan_id=form.plan_id))
    policy = stored_policy(stored, scenario)
    description = describe_change(change, scenario)
    try:
        job_id = pool().submit("whatif", whatif_work(scenario, policy, stored, change, description),
                               actor=current_user().username,
                               request={"note": f"what if: {description}", "plan_id": stored.id,
                                        "change": form.model_dump()},
                               time_limit_s=policy.time_limit_s)
    except SlotsBusy as busy:
        return planning_page(busy=str(busy))
    return redirect(url_for("hr.job", job_id=job_id))


@bp.get("/whatif/<int:job_id>")
@roles_required(*PLAN_ROLES)
def whatif_result(job_id: int):
    job = job_or_404(job_id, ("whatif",))
    if job.status != "finished" or not job.result:
        return redirect(url_for("hr.job", job_id=job_id))
    scenario = current_scenario()
    result = job.result
    base = plan_or_none(result.get("base_plan_id"))
    policy = base.policy if base is not None else None
    diff = compare_placements(result["base"].get("placements", []), result["variant"].get("placements", []))
    opps = scenario.opportunity_by_id if scenario else {}
    name_of = name_for_reader(scenario)

    def label(pair):
        opp = opps.get(pair[1])
        return (name_of(pair[0]), pair[0], opp.title if opp else pair[1])

    return render_template("hr/whatif_result.html", job=job, result=result,
                           opened=[label(p) for p in diff["opened"][:LISTED]], lost=[label(p) for p in diff["lost"][:LISTED]],
                           opened_total=len(diff["opened"]), lost_total=len(diff["lost"]),
                           kept=len(diff["kept"]), opened_up=eligibility_opened_up(result, scenario),
                           base_outcome=outcome_of_result(result["base"], policy, scenario),
                           variant_outcome=outcome_of_result(result["variant"], policy, scenario))


def plan_or_none(plan_id: int | None) -> StoredPlan | None:
    """The saved version a comparison started from (None when it is gone), for its policy."""
    try:
        return get_plan(engine(), plan_id) if plan_id else None
    except NotFound:
        return None
