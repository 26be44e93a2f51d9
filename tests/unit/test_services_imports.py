"""Import staging as a service (no Flask): a checked upload waits for the session that made it,
and only that session commits it, in one transaction."""

from __future__ import annotations

import pytest
from helpers import scenario_csv_files

from planner.domain import ScenarioError
from planner.services.imports import (
    ImportStaging,
    Uploader,
    UploadFromAnotherSession,
    UploadNotWaiting,
    commit_staged_import,
    stage_upload,
    upload_belongs_to,
    upload_file_count_problem,
)
from planner.store import load_scenario
from planner.store.testing import database_dump

HR_HERE = Uploader(user_id=7, session_key="session-a")
HR_ELSEWHERE = Uploader(user_id=7, session_key="session-b")
OTHER_ACCOUNT = Uploader(user_id=8, session_key="session-a")


@pytest.fixture
def files(tmp_path, consoles_scenario) -> dict[str, bytes]:
    renamed = consoles_scenario.model_copy(update={"teams": tuple(
        t.model_copy(update={"name": t.name + " (new)"}) for t in consoles_scenario.teams)})
    return scenario_csv_files(renamed, tmp_path / "csv")


def test_the_uploading_session_commits_its_upload(store, files):
    staging = ImportStaging()
    staged = stage_upload(staging, HR_HERE, files)
    assert staged.counts and sorted(files) == staged.files
    counts = commit_staged_import(store, staging, staged.token, HR_HERE, actor="hr1")
    assert counts["teams"] == 4
    assert all(t.name.endswith("(new)") for t in load_scenario(store).teams)
    with pytest.raises(UploadNotWaiting):
        staging.peek(staged.token, HR_HERE)  # committed once, not twice


def test_another_session_of_the_same_account_is_refused_and_nothing_is_stored(store, files):
    staging = ImportStaging()
    staged = stage_upload(staging, HR_HERE, files)
    before = database_dump(store)
    with pytest.raises(UploadFromAnotherSession) as refused:
        commit_staged_import(store, staging, staged.token, HR_ELSEWHERE, actor="hr1")
    assert "another session of your account" in refused.value.message
    assert database_dump(store) == before
    assert staging.peek(staged.token, HR_HERE) is staged  # still waiting for its own session


def test_another_account_is_told_only_that_the_upload_is_not_waiting(store, files):
    staging = ImportStaging()
    staged = stage_upload(staging, HR_HERE, files)
    before = database_dump(store)
    with pytest.raises(UploadNotWaiting) as refused:
        commit_staged_import(store, staging, staged.token, OTHER_ACCOUNT, actor="hr2")
    assert not isinstance(refused.value, UploadFromAnotherSession)  # says nothing about whose it is
    assert database_dump(store) == before


def test_upload_belongs_to_its_account_and_session_only():
    staging = ImportStaging()
    item = staging.add(HR_HERE, scenario=None, files=[], counts={}, warnings=[])
    assert upload_belongs_to(item, HR_HERE)
    assert not upload_belongs_to(item, HR_ELSEWHERE) and not upload_belongs_to(item, OTHER_ACCOUNT)


def test_a_newer_upload_of_the_account_replaces_the_older(files):
    staging = ImportStaging()
    first = stage_upload(staging, HR_HERE, files)
    second = stage_upload(staging, HR_ELSEWHERE, files)
    with pytest.raises(UploadNotWaiting):
        staging.peek(first.token, HR_HERE)
    assert staging.peek(second.token, HR_ELSEWHERE) is second


def test_an_upload_waits_only_so_long(files):
    staging = ImportStaging(staged_for_s=-1)
    staged = stage_upload(staging, HR_HERE, files)
    with pytest.raises(UploadNotWaiting):
        staging.peek(staged.token, HR_HERE)


def test_an_invalid_upload_reports_every_problem_and_stages_nothing(store, files):
    broken = dict(files)
    broken["people.csv"] = broken["people.csv"].replace(b",4,", b",four,", 1)
    staging = ImportStaging()
    with pytest.raises(ScenarioError) as error:
        stage_upload(staging, HR_HERE, broken)
    problem = error.value.problems[0]
    assert problem.file == "people.csv" and problem.row is not None
    assert len(staging) == 0


@pytest.mark.parametrize("names, words", [([], "no file was chosen"), ([f"f{i}.csv" for i in range(11)], "11 files")])
def test_an_upload_has_between_one_and_ten_files(names, words):
    assert words in upload_file_count_problem(names).message
    assert upload_file_count_problem(["teams.csv"]) is None
