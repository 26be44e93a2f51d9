"""The inbox: every signed-in account's messages (proposals, answers, releases, redeployments,
approved plans), newest first, with the unread count in the page header.

An account sees and marks only its own messages: the store's queries are by the signed-in
account's id, and marking a message that is not one's own is refused with 404 (the same answer as
for a message that does not exist, so ids cannot be probed). Marking is a POST with a CSRF token.

When `TRELLIS_SMTP_URL` (or the app's `SMTP_URL` key) is set, registering this blueprint starts
the app's email outbox (`planner.notifications.outbox`), which sends each new message in a
background thread, never inside a request.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from pydantic import Field

from planner.notifications.outbox import EmailOutbox, smtp_settings_from_env
from planner.store import NotFound
from planner.store.notifications import inbox as inbox_page
from planner.store.notifications import is_same_site_path, mark_all_read, mark_read, unread_count
from web.data_access import engine
from web.security import FormModel, FormRejected, current_user, log_refusal, login_required, parse_form

log = logging.getLogger("trellis.web.inbox")

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

KIND_LABELS = {
    "proposal": "Proposal",
    "answer": "Answer",
    "release": "Release",
    "redeployment": "Redeployment",
    "plan_approved": "Plan approved",
    "opportunity": "Opportunity",
}
MAX_PAGE = 10_000


class MarkReadForm(FormModel):
    ids: list[int] = Field(min_length=1, max_length=100)


class EmptyForm(FormModel):
    pass


@bp.app_context_processor
def _unread_in_header() -> dict[str, Any]:
    """Every page for a signed-in account shows how many of its messages are unread."""
    user = current_user()
    if user is None:
        return {}
    try:
        return {"inbox_unread": unread_count(engine(), user.id)}
    except Exception as error:  # the header must never break a page (error pages included)
        log.warning("unread count unavailable: %s", type(error).__name__)
        return {}


@bp.record_once
def _start_email_outbox(state) -> None:
    """With SMTP configured, the app sends notifications by email from a background thread. A
    malformed `TRELLIS_SMTP_URL` stops the app from starting, with the reason."""
    app = state.app
    settings = smtp_settings_from_env(app.config.get("SMTP_URL"))
    if settings is None:
        return
    outbox = EmailOutbox(app.extensions["trellis_engine"], settings)
    app.extensions["trellis_outbox"] = outbox
    outbox.start()


def _page_number() -> int:
    try:
        return min(MAX_PAGE, max(1, int(request.args.get("page", "1"))))
    except ValueError:
        return 1


@bp.get("")
@login_required
def index():
    page = _page_number()
    messages, has_next = inbox_page(engine(), current_user().id, page)
    return render_template("inbox/index.html", messages=messages, page=page, has_next=has_next,
                           kind_labels=KIND_LABELS, safe_link=is_same_site_path)


@bp.post("/read")
@login_required
def read():
    """Mark the chosen messages read (the signed-in account's own only)."""
    try:
        form = parse_form(MarkReadForm)
    except FormRejected:
        abort(400, description="Choose which messages to mark as read.")
    try:
        marked = mark_read(engine(), current_user().id, form.ids)
    except NotFound:
        log_refusal("another account's message, or none", 404)
        abort(404)
    flash(f"{marked} message{'s' if marked != 1 else ''} marked as read.", "success")
    return redirect(url_for("inbox.index", page=_page_number()))


@bp.post("/read-all")
@login_required
def read_all():
    parse_form(EmptyForm)
    marked = mark_all_read(engine(), current_user().id)
    flash(f"All messages read ({marked} marked).", "success")
    return redirect(url_for("inbox.index"))
