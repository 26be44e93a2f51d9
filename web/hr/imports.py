"""Import views: upload, check every row, then commit in one transaction.

A checked upload waits in memory (`planner.services.imports.ImportStaging`) for the session that
uploaded it; its token is useless in any other session, even one of the same account."""

from __future__ import annotations

import logging
import secrets

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import RequestEntityTooLarge

from planner.domain import Problem, ScenarioError
from planner.services.import_diff import field_words
from planner.services.imports import (
    MAX_FILES,
    ImportStaging,
    Uploader,
    UploadNotWaiting,
    commit_staged_import,
    preview_changes,
    problems_by_file,
    scenario_counts,
    stage_upload,
    upload_file_count_problem,
)
from web.data_access import engine, scenario_changed
from web.hr import IMPORT_ROLES, CommitForm, bp
from web.hr.common import stored_scenario_info
from web.security import FormRejected, current_user, parse_form, roles_required

log = logging.getLogger("trellis.web.hr")

# The preview lists at most this many people per list (added, removed, changed, edited), then
# says how many more: a national re-import changes thousands.
PREVIEW_LIST_LIMIT = 50

# The session's own key for its uploads; a new sign-in clears the session and so gets a new one.
UPLOAD_SESSION_KEY = "upload_key"


def staging() -> ImportStaging:
    return current_app.extensions.setdefault("trellis_import_staging", ImportStaging())


def this_uploader() -> Uploader:
    """The signed-in account in this browser session."""
    if UPLOAD_SESSION_KEY not in session:
        session[UPLOAD_SESSION_KEY] = secrets.token_urlsafe(16)
    return Uploader(current_user().id, session[UPLOAD_SESSION_KEY])


def upload_limit_bytes() -> int:
    return int(current_app.config.get("MAX_CONTENT_LENGTH") or 16 * 1024 * 1024)


def upload_limit_words() -> str:
    return f"{upload_limit_bytes() / (1024 * 1024):g} MB"


def too_large_message() -> str:
    return (f"The upload is larger than {upload_limit_words()}, the most Trellis accepts at once. "
            "Nothing was saved. Upload the CSV files without other files, or save the workbook "
            "without images and unused sheets.")


@bp.errorhandler(RequestEntityTooLarge)
def upload_too_large(_error):
    """An upload over the limit is refused before any of it is read or written anywhere."""
    log.info("upload refused: over the size limit")
    return render_template("hr/import.html", info=stored_scenario_info(), too_large=too_large_message(),
                           limit=upload_limit_words(), max_files=MAX_FILES), 413


@bp.get("/import")
@roles_required(*IMPORT_ROLES)
def import_form():
    return render_template("hr/import.html", info=stored_scenario_info(), limit=upload_limit_words(),
                           max_files=MAX_FILES)


@bp.post("/import")
@roles_required(*IMPORT_ROLES)
def import_upload():
    """Read and check the upload; show every problem, or a preview to commit. Saves nothing."""
    if (request.content_length or 0) > upload_limit_bytes():
        raise RequestEntityTooLarge()
    uploads = [f for f in request.files.getlist("files") if f and f.filename]
    # Counted before any file is read, so a flood of files costs nothing.
    problem = upload_file_count_problem([f.filename for f in uploads])
    if problem is not None:
        return import_refused([problem])
    files: dict[str, bytes] = {}
    for upload in uploads:
        # The name as the browser sent it: the reader refuses folder parts instead of guessing.
        files[upload.filename] = upload.read()
        upload.close()
    try:
        staged = stage_upload(staging(), this_uploader(), files)
    except ScenarioError as error:
        log.info("upload refused: %d problem(s)", len(error.problems))
        return import_refused(error.problems, names=list(files))
    return render_template("hr/import_preview.html", staged=staged, info=stored_scenario_info(),
                           warnings_by_file=problems_by_file(staged.warnings),
                           counts=scenario_counts(staged.scenario),
                           changes=preview_changes(engine(), staged.scenario), field_words=field_words,
                           listed=PREVIEW_LIST_LIMIT)


def import_refused(problems: list[Problem], names: list[str] | None = None):
    return render_template("hr/import.html", info=stored_scenario_info(), problems=problems,
                           problems_by_file=problems_by_file(problems), names=names or [],
                           limit=upload_limit_words(), max_files=MAX_FILES), 422


@bp.post("/import/commit")
@roles_required(*IMPORT_ROLES)
def import_commit():
    """Store the checked upload in one transaction, replacing the current scenario."""
    try:
        form = parse_form(CommitForm)
    except FormRejected:
        abort(400)
    try:
        counts = commit_staged_import(engine(), staging(), form.token, this_uploader(),
                                      actor=current_user().username, keep_staff_changes=form.keep_staff_edits)
    except UploadNotWaiting as refused:
        log.info("import commit refused: %s", type(refused).__name__)
        flash(refused.message, "error")
        return redirect(url_for("hr.import_form"))
    except Exception as error:  # noqa: BLE001 - the store rolled back; say so plainly
        log.error("import not saved: %s", type(error).__name__)
        flash("The import could not be saved and nothing was changed: the previous scenario is still in "
              "place. Try again; if it repeats, tell an administrator.", "error")
        return redirect(url_for("hr.import_form"))
    scenario_changed()
    flash("Imported " + ", ".join(f"{count} {name}" for name, count in counts.items()) + ".", "success")
    return redirect(url_for("hr.import_form"))
