"""Importing a scenario through the web: bounded, what it claims to be, every problem reported,
nothing saved until committed, and a commit is all or nothing."""

from __future__ import annotations

import io
import os
import re
import tempfile

import pytest
from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles
from conftest_web2 import csrf_token, post, scenario_csv_files, small_scenario


def upload(client, files: dict[str, bytes], **kwargs):
    """POST the files as the import form does (multipart, field `files`, CSRF token)."""
    data = {"csrf_token": csrf_token(client), "files": [(io.BytesIO(b), name) for name, b in files.items()]}
    return client.post("/hr/import", data=data, content_type="multipart/form-data", **kwargs)


def dump(engine) -> str:
    from planner.store.testing import database_dump

    return database_dump(engine)


@pytest.fixture
def csv_files(tmp_path) -> dict[str, bytes]:
    """The small scenario with one more person, as CSV files (so a commit is visible)."""
    from planner.domain import Person

    scenario = small_scenario()
    extra = Person(person_id="P999", name="New Starter", team_id="T-DATA", grade=4, profession="data",
                   skills={"python": 2})
    scenario = scenario.model_copy(update={"people": scenario.people + (extra,)})
    return scenario_csv_files(scenario, tmp_path / "csv")


def edit(files: dict[str, bytes], name: str, old: str, new: str, count: int = 1) -> dict[str, bytes]:
    text = files[name].decode("utf-8-sig")
    assert old in text, f"{old!r} not in {name}"
    return {**files, name: text.replace(old, new, count).encode("utf-8")}


# ---------------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------------

IMPORT_ROUTES = [("get", "/hr/import"), ("post", "/hr/import"), ("post", "/hr/import/commit")]


@pytest.mark.parametrize("role", ["staff", "emergency"])
def test_only_hr_and_admins_import(as_role, role):
    client = as_role(role)
    for method, path in IMPORT_ROUTES:
        response = client.get(path) if method == "get" else post(client, path)
        assert response.status_code == 403, path


def test_signed_out_visitors_cannot_import(loaded):
    client = loaded.test_client()
    for method, path in IMPORT_ROUTES:
        response = client.get(path) if method == "get" else post(client, path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


@pytest.mark.parametrize("role", ["hr", "admin"])
def test_hr_and_admins_open_the_import_page(as_role, role):
    page = as_role(role).get("/hr/import")
    assert page.status_code == 200 and "Import a scenario" in page.get_data(as_text=True)


def test_an_upload_without_csrf_token_is_refused(as_role, web2_engine, csv_files):
    before = dump(web2_engine)
    response = as_role("hr").post("/hr/import", data={"files": [(io.BytesIO(b), n) for n, b in csv_files.items()]},
                                  content_type="multipart/form-data")
    assert response.status_code == 400
    assert dump(web2_engine) == before


# ---------------------------------------------------------------------------------------------
# Check first, then commit in one transaction
# ---------------------------------------------------------------------------------------------


def test_a_valid_upload_is_previewed_and_saves_nothing(as_role, web2_engine, csv_files):
    before = dump(web2_engine)
    response = upload(as_role("hr"), csv_files)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ready to import" in page and "Commit the import" in page
    assert re.search(r"people</th><td class=\"num\">17<", page)
    assert dump(web2_engine) == before


def test_committing_replaces_the_scenario_and_audits_who_did_it(as_role, web2_engine, csv_files):
    from planner.store import get_person, list_audit

    client = as_role("hr")
    page = upload(client, csv_files).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    done = post(client, "/hr/import/commit", {"token": token}, follow_redirects=True)
    assert "Imported" in done.get_data(as_text=True)
    assert get_person(web2_engine, "P999") is not None
    assert any(e.action == "scenario.import" and e.actor == "hr1" for e in list_audit(web2_engine))
    again = post(client, "/hr/import/commit", {"token": token}, follow_redirects=True)
    assert "no longer waiting" in again.get_data(as_text=True)


def test_one_planner_cannot_commit_anothers_upload(loaded, as_role, web2_engine, csv_files):
    page = upload(as_role("hr"), csv_files).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    before = dump(web2_engine)
    response = post(as_role("admin"), "/hr/import/commit", {"token": token}, follow_redirects=True)
    assert "no longer waiting" in response.get_data(as_text=True)
    assert dump(web2_engine) == before


def test_an_upload_token_is_refused_in_another_session_of_the_same_account(loaded, as_role, web2_engine, csv_files):
    """The token is bound to the session that uploaded, not only to the account: the same HR
    planner signed in twice (two browsers) cannot commit one session's upload from the other."""
    uploading, other_session = as_role("hr"), as_role("hr")
    page = upload(uploading, csv_files).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    before = dump(web2_engine)
    refused = post(other_session, "/hr/import/commit", {"token": token}, follow_redirects=True)
    text = refused.get_data(as_text=True)
    assert "another session of your account" in text and not re.search(r"Imported \d+ skills", text)
    assert dump(web2_engine) == before
    # The refusal did not use the upload up: the session that made it still commits it.
    committed = post(uploading, "/hr/import/commit", {"token": token}, follow_redirects=True)
    assert re.search(r"Imported \d+ skills", committed.get_data(as_text=True))
    assert dump(web2_engine) != before


def test_an_xlsx_workbook_is_accepted(as_role, tmp_path):
    from planner.scenario_io import write_scenario_xlsx

    path = tmp_path / "scenario.xlsx"
    write_scenario_xlsx(small_scenario(), path)
    response = upload(as_role("hr"), {"scenario.xlsx": path.read_bytes()})
    assert response.status_code == 200 and "Ready to import" in response.get_data(as_text=True)


def test_an_import_that_fails_half_way_leaves_the_database_unchanged(as_role, web2_engine, csv_files, monkeypatch):
    """The store writes teams, then people...: make writing people fail after teams went in."""
    import planner.store.scenario as store_scenario

    client = as_role("hr")
    page = upload(client, csv_files).get_data(as_text=True)
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    before = dump(web2_engine)
    real_bulk_insert = store_scenario.bulk_insert

    def failing_bulk_insert(connection, table, rows):
        if table.name == "people":
            raise RuntimeError("disk full")
        return real_bulk_insert(connection, table, rows)

    monkeypatch.setattr(store_scenario, "bulk_insert", failing_bulk_insert)
    response = post(client, "/hr/import/commit", {"token": token}, follow_redirects=True)
    assert "nothing was changed" in response.get_data(as_text=True)
    assert dump(web2_engine) == before


# ---------------------------------------------------------------------------------------------
# Bad rows: all reported, none saved
# ---------------------------------------------------------------------------------------------


def test_bad_rows_are_all_reported_by_file_row_and_column_and_nothing_is_saved(as_role, web2_engine, csv_files):
    bad = edit(csv_files, "people.csv", "python:", "pyhton:")          # unknown skill
    bad = edit(bad, "people.csv", "P002,", "P001,")                     # duplicate id
    bad = edit(bad, "opportunities.csv", "O-DASH,Build the children's dashboard,project,T-DATA,2",
               "O-DASH,Build the children's dashboard,project,T-DATA,-3")  # negative capacity
    before = dump(web2_engine)
    response = upload(as_role("hr"), bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "nothing was saved" in page
    assert "people.csv" in page and "opportunities.csv" in page
    assert "pyhton" in page and "did you mean" in page
    assert "duplicate" in page.lower()
    assert "capacity" in page
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]+)</td>', page)
    columns = {column for _row, column in rows}
    assert {"skills", "person_id", "capacity"} <= columns
    assert dump(web2_engine) == before


@pytest.mark.parametrize("name,data,words", [
    ("people.csv", b"PK\x03\x04" + os.urandom(200), "Excel workbook"),
    ("people.csv", b"person_id,name\x00\x01\x02" + os.urandom(100), "binary"),
    ("../../x.csv", b"team_id,name,organisation\nT1,A,B\n", "not a plain file name"),
    # the multipart parser drops the backslash; what is left is still refused
    ("..\\teams.csv", b"team_id,name,organisation\nT1,A,B\n", "not one of the scenario files"),
    ("notes.exe", b"MZ\x90\x00", "not a CSV file"),
])
def test_uploads_must_be_what_they_claim(as_role, web2_engine, csv_files, tmp_path, name, data, words):
    before = dump(web2_engine)
    files = {**{n: b for n, b in csv_files.items() if n != "people.csv"}, name: data}
    response = upload(as_role("hr"), files)
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert dump(web2_engine) == before
    assert not (tmp_path.parent / "x.csv").exists()


def test_no_files_chosen_is_explained(as_role):
    client = as_role("hr")
    response = client.post("/hr/import", data={"csrf_token": csrf_token(client)}, content_type="multipart/form-data")
    assert response.status_code == 422 and "no file was chosen" in response.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Size
# ---------------------------------------------------------------------------------------------


def test_a_50_mb_upload_gets_413_a_clear_message_and_leaves_nothing_behind(as_role, web2_engine, tmp_path, monkeypatch):
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    client = as_role("hr")
    before = dump(web2_engine)
    big = b"team_id,name,organisation\n" + b"T,x,y\n" * (50 * 1024 * 1024 // 6)
    response = upload(client, {"teams.csv": big})
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "larger than 16 MB" in page and "Nothing was saved" in page
    assert dump(web2_engine) == before
    assert list(spool.iterdir()) == []


def test_a_canary_name_in_an_upload_never_reaches_the_logs(as_role, csv_files, caplog):
    import logging

    canary = "Zebedee Canarysmith"
    files = edit(csv_files, "people.csv", "Person 3,", f"{canary},")
    bad = edit(files, "people.csv", "python:", "pyhton:")
    client = as_role("hr")
    with caplog.at_level(logging.DEBUG):
        assert upload(client, bad).status_code == 422
        page = upload(client, files).get_data(as_text=True)
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        post(client, "/hr/import/commit", {"token": token})
    assert caplog.records
    assert all(canary not in record.getMessage() for record in caplog.records)
