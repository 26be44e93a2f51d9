"""What the `/api/v1` routes answer: people a page at a time, a person and their pathways, teams,
opportunities (HR adds and replaces them, checked exactly like a row of opportunities.csv),
scenario import (check only, or store; problems with file, row, column), stored plans with their
explanations, jobs, and the network. Ends with the API served on loopback and called with urllib,
a token made through the command line."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from helpers import scenario_csv_files
from scenarios import small_scenario

from planner.cli import main
from planner.domain import Placement, Plan, ScenarioError
from planner.scenario_io import read_scenario_files
from planner.store import list_audit, save_plan, scenario_revision
from planner.store.api_tokens import issue_token
from planner.store.assignments import NewAssignment, record_assignments
from planner.store.tables import TOKEN_ROLES
from web.decisions import decide_placement
from web.jobs import JobOutcome, pool


@pytest.fixture
def tokens(store_engine) -> dict[str, dict[str, str]]:
    """Authorization headers, one token per role (the staff token reads person P001)."""
    return {role: {"Authorization": "Bearer " + issue_token(
        store_engine, f"test-{role}", role, person_id="P001" if role == "staff" else None, actor="test").secret}
        for role in TOKEN_ROLES}


@pytest.fixture
def client(loaded_app):
    return loaded_app.test_client()


# ---------------------------------------------------------------------------------------------
# People and pathways
# ---------------------------------------------------------------------------------------------


def test_people_come_a_page_at_a_time_with_the_next_page_link(client, tokens):
    first = client.get("/api/v1/people?per_page=5", headers=tokens["hr"]).get_json()
    assert [p["person_id"] for p in first["items"]] == ["P001", "P002", "P003", "P004", "P005"]
    assert first["total"] == 16 and first["next"] == "/api/v1/people?page=2&per_page=5"
    last = client.get("/api/v1/people?page=4&per_page=5", headers=tokens["hr"]).get_json()
    assert [p["person_id"] for p in last["items"]] == ["P016"] and last["next"] is None
    assert first["items"][0] == small_scenario("consoles").people[0].model_dump(mode="json")


@pytest.mark.parametrize("query, column", [("per_page=0", "per_page"), ("per_page=5000", "per_page"),
                                           ("page=0", "page"), ("page=two", "page"), ("role=admin", "role")])
def test_bad_paging_is_refused_with_the_parameter_named(client, tokens, query, column):
    response = client.get(f"/api/v1/people?{query}", headers=tokens["hr"])
    assert response.status_code == 422
    (problem,) = response.get_json()["problems"]
    assert problem["file"] == "query" and problem["column"] == column


def test_a_staff_token_reads_its_own_record_and_pathways(client, tokens):
    record = client.get("/api/v1/people/P001", headers=tokens["staff"]).get_json()
    assert record["person_id"] == "P001" and record["team_id"] == "T-CHILD"
    pathways = client.get("/api/v1/people/P001/pathways", headers=tokens["staff"])
    assert pathways.status_code == 200
    body = pathways.get_json()
    assert body["person_id"] == "P001" and body["unreachable"]  # no move fits them: the reasons say why


def test_pathways_come_with_each_step_explained(client, tokens):
    body = client.get("/api/v1/people/P005/pathways?max_steps=2", headers=tokens["hr"]).get_json()
    assert body["pathways"]
    assert all(1 <= len(pathway["steps"]) <= 2 for pathway in body["pathways"])
    assert all(step["explanation"] for pathway in body["pathways"] for step in pathway["steps"])


def test_pathways_never_propose_a_move_already_made(client, store_engine, tokens):
    def steps():
        body = client.get("/api/v1/people/P005/pathways?max_steps=2", headers=tokens["hr"]).get_json()
        return [step["opportunity_id"] for pathway in body["pathways"] for step in pathway["steps"]]

    first = steps()[0]
    record_assignments(store_engine, [NewAssignment(person_id="P005", kind="placement", opportunity_id=first,
                                                   start=date.today() - timedelta(days=30), end=None)], "test")
    assert first not in steps()


def test_pathways_towards_an_unknown_target_are_refused(client, tokens):
    response = client.get("/api/v1/people/P001/pathways?target=O-NOPE", headers=tokens["hr"])
    assert response.status_code == 422
    assert response.get_json()["problems"][0]["column"] == "target"


def test_an_unknown_person_is_404_for_hr(client, tokens):
    assert client.get("/api/v1/people/P999", headers=tokens["hr"]).status_code == 404


# ---------------------------------------------------------------------------------------------
# Teams and opportunities
# ---------------------------------------------------------------------------------------------


def test_teams_and_opportunities_are_read_by_every_role(client, tokens):
    for role in TOKEN_ROLES:
        teams = client.get("/api/v1/teams", headers=tokens[role]).get_json()
        assert [t["team_id"] for t in teams["items"]] == ["T-CHILD", "T-PLAN", "T-DATA", "T-TEST"]
        opportunity = client.get("/api/v1/opportunities/O-DASH", headers=tokens[role]).get_json()
        assert opportunity["host_team_id"] == "T-DATA"


NEW_OPPORTUNITY = {"opportunity_id": "O-NEW", "title": "Digital inclusion project", "kind": "project",
                   "host_team_id": "T-PLAN", "capacity": 2, "required_skills": {"data-analysis": 2},
                   "start": "2027-01-04", "end": "2027-06-30"}


def test_hr_adds_an_opportunity_that_every_reader_then_sees(client, store_engine, tokens):
    before = scenario_revision(store_engine)
    response = client.post("/api/v1/opportunities", json=NEW_OPPORTUNITY, headers=tokens["hr"])
    assert response.status_code == 201, response.get_json()
    assert response.headers["Location"] == "/api/v1/opportunities/O-NEW"
    assert scenario_revision(store_engine) > before
    listed = client.get("/api/v1/opportunities", headers=tokens["staff"]).get_json()
    assert listed["items"][-1]["opportunity_id"] == "O-NEW" and listed["total"] == 6
    (entry,) = list_audit(store_engine, action="opportunity.create")
    assert entry.actor == "token:test-hr" and entry.target == "opportunity:O-NEW"


def _csv_problems(tmp_path, row: dict) -> list[dict]:
    """The problems the CSV import reports for the same opportunity as a row of opportunities.csv."""
    files = scenario_csv_files(small_scenario("consoles"), tmp_path / "csv")
    header = files["opportunities.csv"].decode().splitlines()[0].split(",")
    cells = []
    for column in header:
        value = row.get(column, "")
        if isinstance(value, dict):
            value = ";".join(f"{k}:{v}" for k, v in value.items())
        cells.append(str(value))
    files["opportunities.csv"] += (",".join(cells) + "\n").encode()
    with pytest.raises(ScenarioError) as refused:
        read_scenario_files(files)
    return [{"column": p.column, "message": p.message, "suggestion": p.suggestion} for p in refused.value.problems]


@pytest.mark.parametrize("change", [
    {"capacity": -1},
    {"grade_min": 7, "grade_max": 3},
    {"start": "2027-07-01", "end": "2027-01-01"},
    {"host_team_id": "T-PLNA"},
    {"required_skills": {"pyhton": 3}},
    {"required_skills": {"python": 9}},
    {"kind": "holiday"},
    {"fte": 1.5},
], ids=lambda change: ",".join(change))
def test_a_bad_opportunity_gets_the_same_problems_as_the_same_csv_row(client, store_engine, tokens, tmp_path, change):
    body = NEW_OPPORTUNITY | change
    before = scenario_revision(store_engine)
    response = client.post("/api/v1/opportunities", json=body, headers=tokens["hr"])
    assert response.status_code == 422
    problems = response.get_json()["problems"]
    assert all(p["file"] == "request body" and p["row"] is None for p in problems)
    assert [{k: p[k] for k in ("column", "message", "suggestion")} for p in problems] == _csv_problems(tmp_path, body)
    assert scenario_revision(store_engine) == before  # nothing saved


def test_an_unknown_host_team_is_named_with_a_suggestion(client, tokens):
    problems = client.post("/api/v1/opportunities", json=NEW_OPPORTUNITY | {"host_team_id": "T-PLNA"},
                           headers=tokens["hr"]).get_json()["problems"]
    assert problems == [{"file": "request body", "row": None, "column": "host_team_id", "value": "T-PLNA",
                         "message": "unknown team 'T-PLNA'", "suggestion": "did you mean 'T-PLAN'?",
                         "severity": "error"}]


@pytest.mark.parametrize("body", [[], "text", {"opportunity_id": "O-X"}, {**NEW_OPPORTUNITY, "salary": 40000}])
def test_an_opportunity_that_is_not_one_is_refused(client, tokens, body):
    response = client.post("/api/v1/opportunities", json=body, headers=tokens["hr"])
    assert response.status_code == 422 and response.get_json()["problems"]


def test_a_body_that_is_not_json_is_refused(client, tokens):
    response = client.post("/api/v1/opportunities", data="title=x", headers=tokens["hr"])
    assert response.status_code == 422
    assert response.get_json()["problems"][0]["message"] == "is not a JSON document"


def test_an_existing_id_cannot_be_added_again(client, tokens):
    response = client.post("/api/v1/opportunities", json=NEW_OPPORTUNITY | {"opportunity_id": "O-DASH"},
                           headers=tokens["hr"])
    assert response.status_code == 422
    assert response.get_json()["problems"][0]["column"] == "opportunity_id"


def test_hr_replaces_an_opportunity_in_place(client, store_engine, tokens):
    current = client.get("/api/v1/opportunities/O-HUB", headers=tokens["hr"]).get_json()
    del current["opportunity_id"]
    response = client.put("/api/v1/opportunities/O-HUB", json=current | {"capacity": 3}, headers=tokens["hr"])
    assert response.status_code == 200, response.get_json()
    listed = client.get("/api/v1/opportunities", headers=tokens["hr"]).get_json()["items"]
    assert [o["opportunity_id"] for o in listed] == ["O-DASH", "O-HUB", "O-LOCAL", "O-TEST", "O-SHADOW"]
    assert listed[1]["capacity"] == 3
    assert list_audit(store_engine, action="opportunity.update")[0].actor == "token:test-hr"


def test_replacing_checks_the_id_and_the_rules(client, tokens):
    body = NEW_OPPORTUNITY | {"opportunity_id": "O-HUB"}
    assert client.put("/api/v1/opportunities/O-NOPE", json=body | {"opportunity_id": "O-NOPE"},
                      headers=tokens["hr"]).status_code == 404
    moved = client.put("/api/v1/opportunities/O-HUB", json=body | {"opportunity_id": "O-DASH"}, headers=tokens["hr"])
    assert moved.status_code == 422 and moved.get_json()["problems"][0]["column"] == "opportunity_id"
    bad = client.put("/api/v1/opportunities/O-HUB", json=body | {"capacity": "many"}, headers=tokens["hr"])
    assert bad.status_code == 422 and bad.get_json()["problems"][0]["column"] == "capacity"


# ---------------------------------------------------------------------------------------------
# Scenario import
# ---------------------------------------------------------------------------------------------


def _upload(files: dict[str, bytes]) -> dict:
    from io import BytesIO

    return {"files": [(BytesIO(data), name) for name, data in files.items()]}


def test_a_scenario_with_problems_is_refused_row_by_row_and_nothing_is_stored(client, store_engine, tokens, tmp_path):
    files = scenario_csv_files(small_scenario("consoles"), tmp_path / "csv")
    lines = files["people.csv"].decode().splitlines()
    cells = lines[3].split(",")
    cells[lines[0].split(",").index("team_id")] = "T-CHLID"
    lines[3] = ",".join(cells)
    files["people.csv"] = ("\n".join(lines) + "\n").encode()
    before = scenario_revision(store_engine)
    for url in ("/api/v1/scenario/check", "/api/v1/scenario"):
        response = client.post(url, data=_upload(files), headers=tokens["hr"], content_type="multipart/form-data")
        assert response.status_code == 422
        (problem,) = response.get_json()["problems"]
        assert {k: problem[k] for k in ("file", "row", "column", "suggestion")} == {
            "file": "people.csv", "row": 4, "column": "team_id", "suggestion": "did you mean 'T-CHILD'?"}
    assert scenario_revision(store_engine) == before


def test_a_good_scenario_is_checked_then_stored_as_the_token(client, store_engine, tokens, tmp_path):
    scenario = small_scenario("consoles")
    document = json.loads(scenario.model_dump_json())
    document["opportunities"] = document["opportunities"][:2]
    document["people"] = [p | {"preferences": []} for p in document["people"]]
    checked = client.post("/api/v1/scenario/check", json=document, headers=tokens["admin"])
    assert checked.status_code == 200, checked.get_json()
    assert checked.get_json()["stored"] is False
    assert len(client.get("/api/v1/opportunities", headers=tokens["hr"]).get_json()["items"]) == 5
    stored = client.post("/api/v1/scenario", json=document, headers=tokens["hr"])
    assert stored.status_code == 201 and stored.get_json()["stored"] is True
    assert len(client.get("/api/v1/opportunities", headers=tokens["hr"]).get_json()["items"]) == 2
    (entry,) = list_audit(store_engine, action="scenario.import", actor="token:test-hr")
    assert entry.target == "scenario"


def test_an_empty_import_request_says_what_to_send(client, tokens):
    response = client.post("/api/v1/scenario/check", headers=tokens["hr"])
    assert response.status_code == 422
    assert "scenario.json" in response.get_json()["problems"][0]["suggestion"]


# ---------------------------------------------------------------------------------------------
# Plans, redeployments, jobs, network
# ---------------------------------------------------------------------------------------------


def _matching_plan(engine):
    plan = Plan(status="OPTIMAL", placements=[
        Placement(person_id="P002", opportunity_id="O-DASH", score=3.0,
                  explanation="Develops data analysis towards their aspiration; releases from Children's services"),
    ], unplaced={"P003": "no opportunity needs their skills"})
    return save_plan(engine, "matching", plan, created_by="hr1")


def test_a_matching_plan_comes_with_its_explanations_and_decisions(client, store_engine, tokens):
    stored = _matching_plan(store_engine)
    decide_placement(store_engine, stored.id, "P002", "O-DASH", "accepted", decided_by="hr1")
    body = client.get(f"/api/v1/plans/{stored.id}", headers=tokens["hr"]).get_json()
    (placement,) = body["result"]["placements"]
    assert placement["explanation"].startswith("Develops data analysis")
    assert body["result"]["unplaced"] == {"P003": "no opportunity needs their skills"}
    assert [(d["person_id"], d["decision"], d["decided_by"]) for d in body["decisions"]] == [("P002", "accepted", "hr1")]
    listed = client.get("/api/v1/plans", headers=tokens["hr"]).get_json()["items"]
    assert [(p["id"], p["url"]) for p in listed] == [(stored.id, f"/api/v1/plans/{stored.id}")]
    assert list_audit(store_engine, action="api.read", target=f"plan:{stored.id}")[0].actor == "token:test-hr"


def test_a_plan_of_the_other_kind_is_not_found(client, store_engine, tokens):
    matching = _matching_plan(store_engine)
    redeploy = save_plan(store_engine, "redeploy", {"status": "OPTIMAL", "assignments": []}, created_by="ep1")
    assert client.get(f"/api/v1/redeployments/{matching.id}", headers=tokens["emergency"]).status_code == 404
    assert client.get(f"/api/v1/plans/{redeploy.id}", headers=tokens["hr"]).status_code == 404
    assert client.get(f"/api/v1/redeployments/{redeploy.id}", headers=tokens["emergency"]).status_code == 200
    assert client.get("/api/v1/plans/999", headers=tokens["hr"]).status_code == 404


def test_a_job_is_read_by_its_console_only(loaded_app, client, store_engine, tokens):
    stored = _matching_plan(store_engine)
    release = threading.Event()

    def work(progress):
        release.wait(10)
        return JobOutcome({"status": "OPTIMAL"}, stored.id)

    with loaded_app.app_context():
        job_id = pool().submit("matching", work, actor="hr1", request={}, time_limit_s=5)
    running = client.get(f"/api/v1/jobs/{job_id}", headers=tokens["hr"]).get_json()
    assert running["status"] == "running" and running["plan_url"] is None
    release.set()
    with loaded_app.app_context():
        assert pool().wait(job_id, timeout=10)
    finished = client.get(f"/api/v1/jobs/{job_id}", headers=tokens["hr"]).get_json()
    assert finished["status"] == "finished" and finished["plan_url"] == f"/api/v1/plans/{stored.id}"
    assert client.get(f"/api/v1/jobs/{job_id}", headers=tokens["emergency"]).status_code == 404


def test_the_network_before_and_after_a_plan(client, store_engine, tokens):
    before = client.get("/api/v1/network", headers=tokens["admin"]).get_json()
    assert {n["id"] for n in before["nodes"]} == {"T-CHILD", "T-PLAN", "T-DATA", "T-TEST"}
    assert before["after"] is None and before["plan_id"] is None
    stored = _matching_plan(store_engine)
    after = client.get(f"/api/v1/network?plan_id={stored.id}", headers=tokens["hr"]).get_json()
    assert after["plan_id"] == stored.id and after["after"] is not None
    assert "P002" not in json.dumps(after)  # teams and services only
    assert client.get("/api/v1/network?plan_id=999", headers=tokens["hr"]).status_code == 404


def _finished_job(client, headers, job_url: str) -> dict:
    import time

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job = client.get(job_url, headers=headers).get_json()
        if job["done"]:
            return job
        time.sleep(0.2)
    raise AssertionError(f"{job_url} did not finish")


def test_hr_starts_a_plan_gets_202_and_then_the_plan_with_its_explanations(client, tokens):
    started = client.post("/api/v1/plans", json={"time_limit_s": 5}, headers=tokens["hr"])
    assert started.status_code == 202, started.get_json()
    job_url = started.headers["Location"]
    assert job_url == started.get_json()["job_url"] and job_url.startswith("/api/v1/jobs/")
    job = _finished_job(client, tokens["hr"], job_url)
    assert job["status"] == "finished" and job["created_by"] == "token:test-hr"
    plan = client.get(job["plan_url"], headers=tokens["hr"]).get_json()
    assert plan["created_by"] == "token:test-hr" and plan["result"]["placements"]
    assert all(p["explanation"] for p in plan["result"]["placements"])


@pytest.mark.parametrize("body, column", [({"time_limit_s": 1000}, "time_limit_s"), ({"workers": 64}, "workers"),
                                          ({"periods": 0}, "periods")])
def test_a_plan_run_with_bad_settings_is_refused(client, tokens, body, column):
    response = client.post("/api/v1/plans", json=body, headers=tokens["hr"])
    assert response.status_code == 422
    assert response.get_json()["problems"][0]["column"] == column


def test_a_run_when_every_slot_is_busy_gets_503_with_retry_after(loaded_app, client, tokens):
    release = threading.Event()
    with loaded_app.app_context():
        for _ in range(pool().slots):
            pool().submit("whatif", lambda progress: (release.wait(10), JobOutcome({}))[1], actor="hr1",
                          request={}, time_limit_s=5)
    try:
        busy = client.post("/api/v1/plans", headers=tokens["hr"])
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "15"
        assert client.post("/api/v1/redeployments", headers=tokens["emergency"]).status_code == 503
    finally:
        release.set()


def test_an_emergency_planner_redeploys_and_replans_through_the_api(client, tokens):
    started = client.post("/api/v1/redeployments", headers=tokens["emergency"])
    assert started.status_code == 202, started.get_json()
    job = _finished_job(client, tokens["emergency"], started.headers["Location"])
    assert job["status"] == "finished", job
    first = client.get(job["plan_url"], headers=tokens["emergency"]).get_json()
    assert first["kind"] == "redeploy" and first["created_by"] == "token:test-emergency"
    again = client.post("/api/v1/redeployments", json={"baseline_plan_id": first["id"]}, headers=tokens["emergency"])
    assert again.status_code == 202
    replanned = _finished_job(client, tokens["emergency"], again.headers["Location"])
    second = client.get(replanned["plan_url"], headers=tokens["emergency"]).get_json()
    assert second["result"]["baseline_plan_id"] == first["id"]
    assert client.post("/api/v1/redeployments", json={"baseline_plan_id": 999},
                       headers=tokens["emergency"]).status_code == 404


def test_before_any_import_the_api_says_so(store_engine, empty_store, loaded_app, tokens):
    client = loaded_app.test_client()
    for method, url in (("GET", "/api/v1/people"), ("GET", "/api/v1/teams"), ("GET", "/api/v1/network"),
                        ("POST", "/api/v1/opportunities"), ("POST", "/api/v1/plans")):
        response = client.open(url, method=method, headers=tokens["hr"], json=NEW_OPPORTUNITY if method == "POST" and
                               "opportunities" in url else None)
        assert response.status_code == 404, url
        assert response.get_json()["detail"] == "No scenario has been imported yet."


def test_an_upload_over_the_size_limit_gets_413_in_json(loaded_app, client, tokens):
    loaded_app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/v1/scenario/check", data=b"x" * 5000, headers=tokens["hr"],
                           content_type="application/json")
    assert response.status_code == 413 and response.is_json


def test_another_method_on_an_api_route_is_json_too(client, tokens):
    response = client.delete("/api/v1/people", headers=tokens["hr"])
    assert response.status_code in (404, 405) and response.is_json


# ---------------------------------------------------------------------------------------------
# End to end: a token from the command line, the API over HTTP on loopback
# ---------------------------------------------------------------------------------------------


def _request(url: str, token: str | None = None, body: dict | None = None, method: str = "GET"):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_an_hr_system_uses_the_api_over_http_with_a_token_from_the_command_line(loaded_app, store_engine):
    from helpers import serve_in_thread

    url = store_engine.url.render_as_string(hide_password=False)
    made = CliRunner().invoke(main, ["tokens", "add", "hr-system", "--role", "hr", "--database-url", url])
    assert made.exit_code == 0, made.output
    secret = made.output.strip().splitlines()[-1]
    assert secret.startswith("trl_") and len(secret) > 40
    server = serve_in_thread(loaded_app)
    base = next(server)
    try:
        assert _request(f"{base}/api/v1/people")[0] == 401
        status, headers, page = _request(f"{base}/api/v1/people?per_page=2", secret)
        assert status == 200 and [p["person_id"] for p in page["items"]] == ["P001", "P002"]
        assert headers["Content-Type"] == "application/json"
        status, headers, created = _request(f"{base}/api/v1/opportunities", secret, NEW_OPPORTUNITY, "POST")
        assert status == 201 and headers["Location"] == "/api/v1/opportunities/O-NEW"
        status, _headers, problems = _request(f"{base}/api/v1/opportunities", secret,
                                              NEW_OPPORTUNITY | {"opportunity_id": "O-2", "capacity": -1}, "POST")
        assert status == 422 and problems["problems"][0]["column"] == "capacity"
        status, _headers, document = _request(f"{base}/api/v1/openapi.json")
        assert status == 200 and "/api/v1/opportunities" in document["paths"]
        revoked = CliRunner().invoke(main, ["tokens", "revoke", "hr-system", "--database-url", url])
        assert revoked.exit_code == 0, revoked.output
        assert _request(f"{base}/api/v1/people", secret)[0] == 401
    finally:
        next(server, None)
