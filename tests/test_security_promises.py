"""Promises of shared/SECURITY.md that the other test modules kept only in part (docs/SECURITY.md
maps every promise to its tests): cookies behind a TLS proxy, the idle window, a raw cookie
replayed after sign-out, refusals on the consoles logged without content, `trellis serve`
refusing debug, a canary name kept out of logs and audit rows, erasure ending the person's
sessions, a person seeing why a placement was proposed, and plan.csv safe to open."""

from __future__ import annotations

import io
import json
import logging
import re
import time

import pytest
from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles
from conftest_web2 import csrf_token, scenario_csv_files
from conftest_web2 import post as console_post
from conftest_web2 import small_scenario as console_scenario

from web.security import ROLES as SECURITY_ROLES


def session_cookie_header(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("trellis_session="))


def log_text(records) -> str:
    """Everything the log records would print: messages (arguments filled in) and tracebacks."""
    return "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in records)


# ---------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------


def test_the_app_itself_never_trusts_a_forwarded_proto_header(client, accounts):
    """Only waitress, for a configured trusted proxy, turns X-Forwarded-Proto into https
    (tests/test_security_fixes_web.py tests that through a real server); a header that reaches
    the app directly is anyone's to forge, so it marks nothing Secure."""
    from conftest import csrf_from

    forged = {"X-Forwarded-Proto": "https"}
    token = csrf_from(client.get("/login", headers=forged).get_data(as_text=True))
    response = client.post("/login", headers=forged, data={
        "csrf_token": token, "username": "alice", "password": accounts["alice"].password})
    assert response.status_code == 302
    assert "Secure" not in session_cookie_header(response)
    assert "Strict-Transport-Security" not in response.headers


def test_session_cookie_is_not_secure_over_plain_http_without_a_proxy(auth):
    assert "Secure" not in session_cookie_header(auth.login("alice"))


def test_the_idle_timeout_is_thirty_minutes_and_activity_keeps_the_session(client, auth, app):
    assert app.config["IDLE_TIMEOUT_S"] == 30 * 60
    auth.login("alice")
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - app.config["IDLE_TIMEOUT_S"] + 60
    assert client.get("/people/P1/pathways").status_code == 200
    with client.session_transaction() as session:  # the visit slid the idle window forward
        assert int(time.time()) - session["seen"] < 60


def test_a_raw_cookie_replayed_from_another_client_after_sign_out_is_refused(app, auth, client):
    auth.login("alice")
    stolen = client.get_cookie("trellis_session").value
    thief = app.test_client()
    thief.set_cookie("trellis_session", stolen)
    assert thief.get("/people/P1/pathways").status_code == 200  # the stolen cookie works until sign-out
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("trellis_session", stolen)
    response = thief.get("/people/P1/pathways")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("role, page", [("hr", "/hr/"), ("emergency", "/crisis/"), ("admin", "/admin/users")])
def test_a_console_cookie_replayed_after_sign_out_is_refused(loaded, role, page):
    from conftest_web2 import sign_in

    client = sign_in(loaded.test_client(), role)
    stolen = client.get_cookie("trellis_session").value
    console_post(client, "/logout")
    thief = loaded.test_client()
    thief.set_cookie("trellis_session", stolen)
    response = thief.get(page)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# ---------------------------------------------------------------------------------------------
# Refusals are logged, without the content
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, method, path", [
    ("staff", "get", "/admin/people?q=Person 2"),
    ("staff", "get", "/hr/"),
    ("staff", "get", "/crisis/"),
    ("emergency", "post", "/admin/people/P002/export"),
    ("hr", "post", "/admin/people/P002/delete"),
])
def test_a_console_refusal_is_logged_without_the_content(as_role, caplog, role, method, path):
    client = as_role(role)
    with caplog.at_level(logging.INFO):
        response = client.get(path) if method == "get" else console_post(client, path, {"confirm": "P002"})
    assert response.status_code == 403
    refusals = [r for r in caplog.records if "access refused" in r.getMessage()]
    assert len(refusals) == 1, "the refusal was not logged (once)"
    text = log_text(refusals)
    assert "status=403" in text
    assert "P002" not in text and "Person 2" not in text and "confirm" not in text


def test_refusing_another_persons_export_is_logged_without_the_content(client, auth, caplog):
    auth.login("alice")
    with caplog.at_level(logging.INFO):
        assert client.get("/people/P2/export.json").status_code == 403
    text = log_text(r for r in caplog.records if "access refused" in r.getMessage())
    assert "another person" in text
    assert "P2" not in text and "Bilal" not in text and "Brook" not in text


# ---------------------------------------------------------------------------------------------
# No mass assignment: every inbound form model forbids extra fields
# ---------------------------------------------------------------------------------------------


def test_every_inbound_form_model_forbids_extra_fields(app):
    from web.security import FormModel

    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    models = list(all_subclasses(FormModel))
    assert len(models) >= 10, [m.__name__ for m in models]  # the forms of every blueprint are loaded
    assert {m.__module__ for m in models} >= {"web.auth", "web.staff", "web.hr", "web.crisis", "web.admin"}
    for model in models:
        assert model.model_config.get("extra") == "forbid", model.__name__


# ---------------------------------------------------------------------------------------------
# Headers on the consoles' pages, error pages too
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role, path, status", [
    ("hr", "/hr/", 200), ("hr", "/hr/import", 200), ("hr", "/network/", 200),
    ("emergency", "/crisis/", 200), ("admin", "/admin/people?q=Person", 200), ("admin", "/admin/audit", 200),
    ("staff", "/admin/users", 403), ("hr", "/hr/plans/999999", 404),
])
def test_console_pages_carry_the_security_headers_and_are_never_cached(as_role, role, path, status):
    response = as_role(role).get(path)
    assert response.status_code == status
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------------------------------------
# The production entry point refuses debug
# ---------------------------------------------------------------------------------------------


def test_trellis_serve_refuses_to_start_with_debug_on(database_url, monkeypatch):
    import waitress
    from click.testing import CliRunner

    from planner.cli import main

    started = []
    monkeypatch.setattr(waitress, "serve", lambda *a, **k: started.append(True))
    monkeypatch.setenv("FLASK_DEBUG", "1")
    result = CliRunner().invoke(main, ["serve", "--database-url", database_url])
    assert result.exit_code != 0
    assert "debug" in str(result.exception)
    assert started == []


# ---------------------------------------------------------------------------------------------
# A canary name never reaches the logs or the audit trail
# ---------------------------------------------------------------------------------------------


def _upload(client, files: dict[str, bytes]):
    data = {"csrf_token": csrf_token(client), "files": [(io.BytesIO(b), name) for name, b in files.items()]}
    return client.post("/hr/import", data=data, content_type="multipart/form-data")


def test_a_canary_name_stays_out_of_logs_and_audit_rows_from_upload_to_erasure(as_role, web2_engine, tmp_path, caplog):
    from planner.store import list_audit

    canary = "Quillon Canaryworth"
    files = scenario_csv_files(console_scenario(), tmp_path / "csv")
    people = files["people.csv"].decode("utf-8-sig")
    assert "Person 3," in people
    files["people.csv"] = people.replace("Person 3,", f"{canary},", 1).encode("utf-8")
    bad = {**files, "people.csv": files["people.csv"].decode().replace("T-CHILD", "T-NOPE", 1).encode()}
    hr, admin = as_role("hr"), as_role("admin")
    with caplog.at_level(logging.DEBUG):
        assert _upload(hr, bad).status_code == 422
        page = _upload(hr, files).get_data(as_text=True)
        token = re.search(r'name="token" value="([^"]+)"', page).group(1)
        console_post(hr, "/hr/import/commit", {"token": token})
        found = admin.get("/admin/people?q=Quillon").get_data(as_text=True)
        assert canary in found  # it was stored
        person_id = re.search(r"(P\d{3})", found).group(1)
        assert person_id == "P003"
        console_post(admin, f"/admin/people/{person_id}/export")
        console_post(admin, f"/admin/people/{person_id}/delete", {"confirm": person_id})
    assert caplog.records
    for word in canary.split():
        assert word not in log_text(caplog.records)
        assert word not in json.dumps([e.as_dict() for e in list_audit(web2_engine, limit=10_000)], default=str)


# ---------------------------------------------------------------------------------------------
# When every solve slot is busy, each way of starting a solve is told so, and nothing queues
# ---------------------------------------------------------------------------------------------

POLICY_FORM = {"stretch_levels": 0, "periods": 1, "time_limit_s": 3, "fairness_bands": "", "fairness_min_share": 0,
               "max_cross_organisation": "", "w_skill_fit": 3, "w_development": 4, "w_preference": 5,
               "w_network": 2, "w_diversity": 1}


@pytest.mark.parametrize("role, path, form", [
    ("hr", "/hr/plan/run", POLICY_FORM),
    ("hr", "/hr/whatif", {"change": "relax", "skill": "python", "opportunity_id": "O-LOCAL"}),
    ("emergency", "/crisis/redeploy", {}),
])
def test_when_every_slot_is_busy_each_solve_is_told_so_and_nothing_queues(as_role, loaded, web2_engine, role, path, form):
    import threading

    from planner.domain import Plan
    from planner.store import save_plan
    from web.jobs import JobOutcome

    if path == "/hr/whatif":
        form = {**form, "plan_id": save_plan(web2_engine, "matching", Plan(status="OPTIMAL"), created_by="hr1").id}
    client = as_role(role)
    client.get("/hr/" if role == "hr" else "/crisis/")  # creates the app's pool
    pool = loaded.extensions["trellis_jobs"]
    release = threading.Event()

    def blocked(progress):
        release.wait(20)
        return JobOutcome({"status": "OPTIMAL"})

    held = [pool.submit("matching", blocked, actor="other", request={}, time_limit_s=20) for _ in range(pool.slots)]
    try:
        jobs_before = [job.id for job in pool.recent(limit=1000)]
        response = console_post(client, path, form)
        page = client.get(response.headers["Location"]).get_data(as_text=True) if response.status_code == 302 \
            else response.get_data(as_text=True)
        assert response.status_code in (302, 503)
        if response.status_code == 503:
            assert response.headers["Retry-After"]
        assert "solve slots are busy" in page
        assert [job.id for job in pool.recent(limit=1000)] == jobs_before  # refused, not queued
    finally:
        release.set()
        for job_id in held:
            pool.wait(job_id, 20)


# ---------------------------------------------------------------------------------------------
# Erasure ends the person's sessions too
# ---------------------------------------------------------------------------------------------


def test_erasing_a_person_removes_their_account_and_ends_its_session(as_role, web2_engine):
    from planner.store import get_user_by_name, list_audit

    staff = as_role("staff")  # staff1 is linked to P001
    assert staff.get("/me/pathways", follow_redirects=True).status_code == 200
    console_post(as_role("admin"), "/admin/people/P001/delete", {"confirm": "P001"})
    assert get_user_by_name(web2_engine, "staff1") is None
    response = staff.get("/me/pathways")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert ("person.delete", "admin1") in {(e.action, e.actor) for e in list_audit(web2_engine, target="person:P001")}


# ---------------------------------------------------------------------------------------------
# Humans decide: the person can see why a placement was proposed
# ---------------------------------------------------------------------------------------------


def test_a_person_sees_why_a_placement_was_proposed_in_their_own_data(app, client, auth):
    from planner.domain import Placement, Plan
    from planner.store import save_plan

    why = "develops gis from 1 to 2; ranked first in their preferences"
    plan = Plan(status="OPTIMAL", placements=[
        Placement(person_id="P1", opportunity_id="O3", explanation=why),
        Placement(person_id="P2", opportunity_id="O2", explanation="Bilal's own reason")])
    save_plan(app.extensions["trellis_engine"], "matching", plan, created_by="hana")
    auth.login("alice")
    own = client.get("/people/P1/export.json")
    assert own.status_code == 200
    text = own.get_data(as_text=True)
    assert why in text and "O3" in text
    assert "Bilal's own reason" not in text


def test_my_record_shows_what_the_latest_plan_proposes_and_why_and_that_a_planner_decides(app, client, auth):
    from planner.domain import Placement, Plan
    from planner.store import approve_plan, save_plan

    engine = app.extensions["trellis_engine"]
    why = "develops gis from 1 to 2; ranked first in their preferences"
    plan = Plan(status="OPTIMAL", placements=[
        Placement(person_id="P1", opportunity_id="O3", explanation=why),
        Placement(person_id="P2", opportunity_id="O2", explanation="Bilal's own reason")],
        unplaced={"P4": "no opportunity they asked for had room"})
    stored = save_plan(engine, "matching", plan, created_by="hana")
    auth.login("alice")
    page = client.get("/me/record", follow_redirects=True).get_data(as_text=True).replace("&#39;", "'")
    assert "Introduction to GIS shadowing" in page and why in page
    assert "nothing changes until a planner accepts it" in page
    assert "Bilal's own reason" not in page and "GIS mapping project" not in page
    approve_plan(engine, stored.id, "hana")
    assert "approved by a planner" in client.get("/people/P1/record").get_data(as_text=True)
    auth.logout()
    auth.login("hana")
    page = client.get("/people/P4/record").get_data(as_text=True)
    assert "not placed: no opportunity they asked for had room" in page
    assert "Introduction to GIS shadowing" not in page


# ---------------------------------------------------------------------------------------------
# plan.csv is safe to open
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@"])
@pytest.mark.parametrize("column", ["person_id", "opportunity_id", "explanation"])
def test_plan_csv_escapes_every_formula_start_in_every_text_column(tmp_path, start, column):
    import csv

    from planner.domain import Placement, Plan
    from planner.plan_io import read_plan, write_plan

    values = {"person_id": "P1", "opportunity_id": "O1", "explanation": "fits"}
    values[column] = f"{start}HYPERLINK(\"http://x\")"
    (tmp_path / "in").mkdir()
    write_plan(Plan(status="OPTIMAL", placements=[Placement(**values, score=1.0)]), tmp_path / "in")
    with (tmp_path / "in" / "plan.csv").open(newline="", encoding="utf-8") as f:
        [row] = list(csv.DictReader(f))
    assert row[column] == "'" + values[column]
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())
    (tmp_path / "in" / "plan.json").unlink()  # read the CSV alone: the apostrophe comes off again
    assert getattr(read_plan(tmp_path / "in").placements[0], column) == values[column]


# ---------------------------------------------------------------------------------------------
# CSRF on every state-changing route of every blueprint
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [None, *SECURITY_ROLES])
def test_every_post_route_refuses_a_request_without_a_valid_csrf_token(loaded, web2_engine, role):
    from conftest_web2 import sign_in

    from planner.store.testing import database_dump

    client = loaded.test_client() if role is None else sign_in(loaded.test_client(), role)
    before = database_dump(web2_engine)
    routes = [rule for rule in loaded.url_map.iter_rules() if "POST" in rule.methods]
    assert len(routes) >= 20, [r.rule for r in routes]
    for rule in routes:
        path = re.sub(r"<([^>]+)>", lambda m: "1" if m.group(1).startswith("int:") else "P001", rule.rule)
        # The JSON API reads no cookie, so it needs no CSRF token: it refuses any request without
        # an API token (tests/test_api_access.py proves it for every route and method).
        refused = 401 if rule.rule.startswith("/api/") else 400
        for token in (None, "forged"):
            data = {"confirm": "P001", "role": "admin"} | ({"csrf_token": token} if token else {})
            assert client.post(path, data=data).status_code == refused, f"{path} ({token or 'no token'})"
    assert database_dump(web2_engine) == before
