"""The crisis console's confirm step: an emergency planner confirms the current redeployment,
which makes it the record (who is redeployed where, from the plan date for the days given); the
rest period then counts from its end and re-plans keep it. A POST with a CSRF token, for the
emergency role only; the rule lives in `planner.services.crisis.confirm_redeployment_plan`.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from pydantic import Field

from planner.services.crisis import ConfirmRefused, confirm_redeployment_plan
from web.crisis import CRISIS_ROLES, _plan_or_404, bp
from web.data_access import engine
from web.security import FormModel, FormRejected, current_user, parse_form, roles_required


class ConfirmForm(FormModel):
    days: int = Field(default=1, ge=1, le=366)


@bp.post("/plans/<int:plan_id>/confirm")
@roles_required(*CRISIS_ROLES)
def confirm(plan_id: int):
    """Confirm a draft redeployment version in the planner's name (refused, with the reason,
    when it is not a draft or the days are out of range; nothing changes then)."""
    stored = _plan_or_404(plan_id)
    try:
        form = parse_form(ConfirmForm)
        done = confirm_redeployment_plan(engine(), stored, form.days, current_user().username)
    except (FormRejected, ConfirmRefused) as refused:
        flash(str(refused), "error")
        return redirect(url_for("crisis.index"))
    flash(f"Redeployment v{done.version} confirmed: {done.recorded} recorded, {done.kept} kept, "
          f"{done.ended} ended.", "success")
    return redirect(url_for("crisis.index"))
