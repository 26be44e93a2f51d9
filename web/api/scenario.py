"""Scenario import through the API: check only, or check and store. The upload is the same as
the web's (CSV files, one .xlsx workbook, or one scenario.json, as multipart `files`) or a
scenario.json document as the JSON body. Problems come back as JSON, each with its file, row,
column, message and suggestion; nothing is stored unless every check passes."""

from __future__ import annotations

import logging

from flask import request
from pydantic import BaseModel
from spectree import Response

from planner.domain import Problem, ScenarioError
from planner.scenario_io import read_scenario_files
from planner.services.imports import MAX_FILES
from planner.store import save_scenario
from web.api.core import ErrorOut, InputRefused, ProblemOut, ProblemsOut, actor, api_roles, bp, describe
from web.data_access import engine, scenario_changed
from web.hr import IMPORT_ROLES

log = logging.getLogger("trellis.web.api")


class ScenarioCheckOut(BaseModel):
    valid: bool
    stored: bool
    counts: dict[str, int]
    warnings: list[ProblemOut]


def _uploaded_files() -> dict[str, bytes]:
    """The files sent: multipart `files`, or the body itself as scenario.json."""
    if request.files:
        uploads = [f for f in request.files.getlist("files") if f and f.filename]
        if len(uploads) > MAX_FILES:
            raise InputRefused([Problem(file="upload", message=f"{len(uploads)} files were sent; at most "
                                        f"{MAX_FILES} are read", suggestion="send only the scenario's files")])
        files = {upload.filename: upload.read() for upload in uploads}
        if files:
            return files
    elif request.mimetype == "application/json":
        return {"scenario.json": request.get_data()}
    raise InputRefused([Problem(file="upload", message="no scenario was sent",
                                suggestion="send CSV files, one .xlsx workbook or one scenario.json as "
                                           "multipart `files`, or a scenario.json document as the JSON body")])


def _check():
    try:
        return read_scenario_files(_uploaded_files())
    except ScenarioError as error:
        log.info("API import refused: %d problem(s)", len(error.problems))
        raise InputRefused(error.problems) from None


def _summary(result, stored: bool) -> dict:
    return {"valid": True, "stored": stored, "counts": dict(result.counts),
            "warnings": [w.model_dump(mode="json") for w in result.warnings]}


@bp.post("/scenario/check")
@api_roles(*IMPORT_ROLES)
@describe(tags=("scenario",),
          resp=Response(HTTP_200=ScenarioCheckOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_413=ErrorOut,
                        HTTP_422=ProblemsOut))
def check_scenario():
    """Check a scenario without storing it: every problem (422), or the counts and warnings."""
    return _summary(_check(), stored=False)


@bp.post("/scenario")
@api_roles(*IMPORT_ROLES)
@describe(tags=("scenario",),
          resp=Response(HTTP_201=ScenarioCheckOut, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_413=ErrorOut,
                        HTTP_422=ProblemsOut))
def import_scenario():
    """Check a scenario and, when nothing is wrong, store it in one transaction in place of the
    current one (audited as `token:NAME`)."""
    result = _check()
    save_scenario(engine(), result.scenario, actor=actor())
    scenario_changed()
    return _summary(result, stored=True), 201
