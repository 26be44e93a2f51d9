"""The equality report of a plan version: placement rates per group of a monitored
characteristic. Special-category data: HR and admins only; groups under 10 are not shown."""

from __future__ import annotations

from flask import abort, render_template, request

from planner.services.equality import plan_equality_report
from web.data_access import current_scenario
from web.hr import bp
from web.hr.common import plan_or_404
from web.security import roles_required

EQUALITY_ROLES = ("hr", "admin")


@bp.get("/plans/<int:plan_id>/equality")
@roles_required(*EQUALITY_ROLES)
def equality(plan_id: int):
    stored = plan_or_404(plan_id)
    scenario = current_scenario()
    if scenario is None:
        abort(404)
    attributes = scenario.policy.equality.monitored
    try:
        report = plan_equality_report(stored, scenario, request.args.get("attribute", "")[:200] or None)
    except ValueError as error:
        return render_template("hr/equality.html", stored=stored, report=None, problem=str(error),
                               attributes=attributes)
    return render_template("hr/equality.html", stored=stored, report=report, problem=None, attributes=attributes)
