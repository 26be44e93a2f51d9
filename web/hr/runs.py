"""Stopping a planning run (matching or what-if) early: the best plan found so far is saved as
a normal plan version, its status STOPPED_EARLY. The run's page and JSON live in `plans`."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for

from optimiser.run_control import phase_words
from web.hr import EmptyForm, bp
from web.hr.common import PLAN_JOB_KINDS, job_or_404
from web.jobs import STOP_ROLES, stop_job
from web.security import current_user, parse_form, roles_required


@bp.post("/jobs/<int:job_id>/stop")
@roles_required(*STOP_ROLES["matching"])
def stop_run(job_id: int):
    """Stop a running plan or what-if and keep the best plan found so far (audited)."""
    job = job_or_404(job_id, PLAN_JOB_KINDS)
    parse_form(EmptyForm)
    user = current_user()
    try:
        message = stop_job(job, user.username, user.role)
    except PermissionError:
        abort(403)
    flash(message, "info")
    return redirect(url_for("hr.job", job_id=job_id))


# The run page (HR's and the crisis console's) names each progress point's phase in words.
bp.add_app_template_global(phase_words, "phase_words")
