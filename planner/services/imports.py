"""Importing a scenario in two steps, so nothing is saved before a person has seen it.

The upload is read and checked completely (every problem with its file, row and column); a valid
one is held in memory, for the session that uploaded it only, until that session commits it, and
the commit stores it in one transaction. Nothing here knows about HTTP: the web app hands over the
files' bytes and who is asking.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine

from planner.domain import Problem, Scenario, ScenarioError
from planner.scenario_io import read_scenario_files
from planner.services.import_diff import (
    EDIT_ACTIONS,
    IMPORT_ACTION,
    ImportDiff,
    edited_fields_since_import,
    import_diff,
    keep_staff_edits,
)
from planner.store import load_scenario, record_audit, save_scenario
from planner.store.audit import audit_since_last

STAGED_FOR_S = 30 * 60
MAX_STAGED = 8
MAX_FILES = 10


@dataclass(frozen=True)
class Uploader:
    """Who holds a checked upload: an account, in one signed-in session of it."""

    user_id: int
    session_key: str


@dataclass
class StagedImport:
    """A checked upload waiting for its uploader to commit it."""

    token: str
    uploader: Uploader
    created: float
    scenario: Scenario
    files: list[str]
    counts: dict[str, int]
    warnings: list[Problem] = field(default_factory=list)


class UploadNotWaiting(LookupError):
    """The upload's token names nothing this uploader may commit (expired, committed, replaced by
    a newer upload, or another account's: which of these is not said)."""

    message = ("That upload is no longer waiting (it expired, was committed, or a newer one replaced "
               "it). Upload the files again.")


class UploadFromAnotherSession(UploadNotWaiting):
    """The upload was made by the same account, but in another signed-in session."""

    message = ("That upload was made in another session of your account (another browser or "
               "device). An upload can be committed only where it was made: upload the files again here.")


def upload_belongs_to(item: StagedImport, uploader: Uploader) -> bool:
    """An upload is committed only by the account that made it, in the session that made it: a
    token copied to another browser, even one signed in as the same person, does not work."""
    return item.uploader == uploader


class ImportStaging:
    """Checked uploads held in memory (never on disk, never in the database) until committed:
    at most `MAX_STAGED` at once, each for `STAGED_FOR_S`, each for its uploader's session only;
    one pending upload per account, the newest wins."""

    def __init__(self, max_staged: int = MAX_STAGED, staged_for_s: float = STAGED_FOR_S) -> None:
        self._items: dict[str, StagedImport] = {}
        self._lock = threading.Lock()
        self.max_staged = max_staged
        self.staged_for_s = staged_for_s

    def add(self, uploader: Uploader, scenario: Scenario, files: list[str], counts: dict[str, int],
            warnings: list[Problem]) -> StagedImport:
        with self._lock:
            self._expire()
            for token in [t for t, item in self._items.items() if item.uploader.user_id == uploader.user_id]:
                del self._items[token]
            while len(self._items) >= self.max_staged:
                oldest = min(self._items.values(), key=lambda item: item.created)
                del self._items[oldest.token]
            item = StagedImport(secrets.token_urlsafe(24), uploader, time.monotonic(), scenario, files,
                                counts, warnings)
            self._items[item.token] = item
            return item

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._items)

    def peek(self, token: str, uploader: Uploader) -> StagedImport:
        """The upload `token` names, if `uploader` may commit it; else `UploadNotWaiting` (or
        `UploadFromAnotherSession` when the same account made it elsewhere)."""
        with self._lock:
            self._expire()
            return self._owned(token, uploader)

    def take(self, token: str, uploader: Uploader) -> StagedImport:
        """Like `peek`, and the upload stops waiting."""
        with self._lock:
            self._expire()
            self._owned(token, uploader)
            return self._items.pop(token)

    def _owned(self, token: str, uploader: Uploader) -> StagedImport:
        item = self._items.get(token)
        if item is None or item.uploader.user_id != uploader.user_id:
            raise UploadNotWaiting(token)
        if not upload_belongs_to(item, uploader):
            raise UploadFromAnotherSession(token)
        return item

    def _expire(self) -> None:
        now = time.monotonic()
        for token in [t for t, item in self._items.items() if now - item.created > self.staged_for_s]:
            del self._items[token]


def problems_by_file(problems: list[Problem]) -> list[tuple[str, list[Problem]]]:
    """Problems grouped by the file they are in, files in the order they were first named."""
    grouped: dict[str, list[Problem]] = {}
    for problem in problems:
        grouped.setdefault(problem.file, []).append(problem)
    return list(grouped.items())


def scenario_counts(scenario: Scenario) -> dict[str, int]:
    """How many of each thing a scenario holds, as the preview shows them."""
    return {"skills": len(scenario.skills), "teams": len(scenario.teams), "people": len(scenario.people),
            "opportunities": len(scenario.opportunities), "demand": len(scenario.demand)}


def upload_file_count_problem(names: list[str], max_files: int = MAX_FILES) -> Problem | None:
    """An upload carries at least one file and at most `max_files` (a scenario has fewer)."""
    if not names:
        return Problem(file="upload", message="no file was chosen",
                       suggestion="choose the CSV files (teams.csv, people.csv, ...) or one .xlsx workbook")
    if len(names) > max_files:
        return Problem(file="upload", message=f"{len(names)} files were sent; at most {max_files} are read",
                       suggestion="upload only the scenario's files")
    return None


def stage_upload(staging: ImportStaging, uploader: Uploader, files: dict[str, bytes]) -> StagedImport:
    """Check every file of an upload and hold a valid one for its uploader's session; saves
    nothing. Raises `ScenarioError` with every problem (file, row, column) when it is not valid."""
    problem = upload_file_count_problem(list(files))
    if problem is not None:
        raise ScenarioError([problem])
    result = read_scenario_files(files)
    return staging.add(uploader, result.scenario, sorted(files), dict(result.counts), list(result.warnings))


def preview_changes(engine: Engine, incoming: Scenario) -> ImportDiff:
    """What committing `incoming` would change: people added, removed and changed, and the
    staff edits made in the app since the last import that it would overwrite."""
    edited = edited_fields_since_import(audit_since_last(engine, IMPORT_ACTION, EDIT_ACTIONS))
    return import_diff(load_scenario(engine), incoming, edited)


def commit_staged_import(engine: Engine, staging: ImportStaging, token: str, uploader: Uploader,
                         actor: str, keep_staff_changes: bool = False) -> dict[str, int]:
    """Store a checked upload in one transaction, replacing the current scenario; returns what was
    saved. Only its uploader's session may commit it (`UploadNotWaiting` otherwise). When the store
    fails, nothing changed and the upload keeps waiting so it can be committed again.

    With `keep_staff_changes`, the skills, aspirations and preferences staff changed in the app
    since the last import are kept where the upload differs (worked out again now, so an edit made
    after the preview is kept too); each is audited as `person.edits_kept`, so the next re-import
    still knows them."""
    staged = staging.peek(token, uploader)
    scenario, kept = staged.scenario, []
    if keep_staff_changes:
        current = load_scenario(engine)
        edited = edited_fields_since_import(audit_since_last(engine, IMPORT_ACTION, EDIT_ACTIONS))
        scenario, kept = keep_staff_edits(staged.scenario, current, import_diff(current, scenario, edited).staff_edits)
    counts = save_scenario(engine, scenario, actor=actor)
    for edit in kept:
        record_audit(engine, actor, "person.edits_kept", f"person:{edit.person_id}",
                     "kept: " + ", ".join(edit.fields))
    if keep_staff_changes:
        counts = {**counts, "staff edits kept": len(kept)}
    # Expired or replaced while it was being saved: it is saved all the same.
    with contextlib.suppress(UploadNotWaiting):
        staging.take(token, uploader)
    return counts
