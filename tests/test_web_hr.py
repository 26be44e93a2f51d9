"""The HR plan console: runs as bounded background jobs, plan versions, humans decide, re-runs
with decisions, what-if side by side, safe exports, and who may do what."""

from __future__ import annotations

import csv
import io
import json
import re
import threading
import time
from datetime import timedelta

import pytest
from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles
from conftest_web2 import PASSWORD, post, sign_in

from web.security import ROLES as SECURITY_ROLES  # every role, so a new one is covered too

POLICY_FORM = {"stretch_levels": 0, "periods": 1, "time_limit_s": 3, "fairness_bands": "", "fairness_min_share": 0,
               "max_cross_organisation": "", "w_skill_fit": 3, "w_development": 4, "w_preference": 5,
               "w_network": 2, "w_diversity": 1}

PLAN_GETS = ["/hr/", "/hr/jobs/1", "/hr/jobs/1.json", "/hr/plans/1", "/hr/plans/1/export.csv",
             "/hr/plans/1/export.xlsx", "/hr/whatif", "/hr/whatif/1"]
PLAN_POSTS = ["/hr/plan/run", "/hr/plans/1/decide", "/hr/plans/1/accept-all", "/hr/plans/1/approve",
              "/hr/plans/1/rerun", "/hr/whatif"]


def start_run(client, **changes):
    response = post(client, "/hr/plan/run", {**POLICY_FORM, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(re.search(r"/hr/jobs/(\d+)", response.headers["Location"]).group(1))


def run_plan(client, app, **changes):
    """Run a plan through the console and wait for it; returns the finished job."""
    job_id = start_run(client, **changes)
    pool = app.extensions["trellis_jobs"]
    assert pool.wait(job_id, 30)
    job = pool.get(job_id)
    assert job.status == "finished", job.error
    return job


def placements_of(engine, plan_id):
    from planner.store import get_plan

    return [(p["person_id"], p["opportunity_id"]) for p in get_plan(engine, plan_id).result["placements"]]


# ---------------------------------------------------------------------------------------------
# Access
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in SECURITY_ROLES if r != "hr"])
def test_only_hr_opens_or_changes_the_plan_console(as_role, web2_engine, role):
    from planner.store.testing import database_dump

    client = as_role(role)
    before = database_dump(web2_engine)
    for path in PLAN_GETS:
        assert client.get(path).status_code == 403, path
    for path in PLAN_POSTS:
        assert post(client, path, POLICY_FORM).status_code == 403, path
    assert database_dump(web2_engine) == before


def test_signed_out_visitors_are_sent_to_sign_in(loaded):
    client = loaded.test_client()
    for path in PLAN_GETS + PLAN_POSTS:
        response = client.get(path) if path in PLAN_GETS else post(client, path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_plan_posts_need_a_csrf_token(as_role, web2_engine):
    from planner.store.testing import database_dump

    client = as_role("hr")
    before = database_dump(web2_engine)
    for path in PLAN_POSTS:
        assert client.post(path, data=POLICY_FORM).status_code == 400, path
    assert database_dump(web2_engine) == before


def test_unknown_plans_and_runs_are_404(as_role):
    client = as_role("hr")
    for path in ["/hr/plans/99", "/hr/jobs/99", "/hr/jobs/99.json", "/hr/plans/99/export.csv", "/hr/whatif/99"]:
        assert client.get(path).status_code == 404, path


def test_hr_lands_on_the_plan_console(loaded):
    response = sign_in(loaded.test_client(), "hr").get("/")
    assert response.status_code == 302 and "/hr/" in response.headers["Location"]


# ---------------------------------------------------------------------------------------------
# Running a plan
# ---------------------------------------------------------------------------------------------


def test_a_run_saves_a_plan_version_with_explanations_and_who_ran_it(as_role, loaded, web2_engine):
    from planner.store import get_plan, list_audit

    client = as_role("hr")
    job = run_plan(client, loaded)
    assert job.result["status"] == "OPTIMAL"
    stored = get_plan(web2_engine, job.plan_id)
    assert stored.version == 1 and stored.created_by == "hr1" and stored.status == "draft"
    assert stored.result["placements"] and all(p["explanation"] for p in stored.result["placements"])
    page = client.get(f"/hr/plans/{job.plan_id}").get_data(as_text=True)
    assert "Plan version 1" in page and "Proposed placements" in page
    assert stored.result["unplaced"] and all(reason for reason in stored.result["unplaced"].values())
    assert "Asked for a move but not placed" in page
    some_reason = next(iter(stored.result["unplaced"].values()))
    assert some_reason[:25] in page.replace("&#39;", "'").replace("&amp;", "&")
    first = stored.result["placements"][0]
    assert first["explanation"].split(";")[0][:30] in page.replace("&#39;", "'").replace("&amp;", "&")
    assert any(e.action == "plan.save" and e.actor == "hr1" for e in list_audit(web2_engine))


def test_the_run_page_survives_a_reload_and_reports_progress(as_role, loaded):
    client = as_role("hr")
    job = run_plan(client, loaded)
    data = client.get(f"/hr/jobs/{job.id}.json").get_json()
    assert data["status"] == "finished" and data["done"] is True
    assert data["next"] == f"/hr/plans/{job.plan_id}"
    assert data["progress"] and {"seconds", "objective", "bound"} <= set(data["progress"][-1])
    final = data["progress"][-1]
    assert final["objective"] == final["bound"] == job.result["objective"]  # OPTIMAL: the bound met it
    page = client.get(f"/hr/jobs/{job.id}").get_data(as_text=True)
    assert "finished" in page and "Open the plan" in page
    other = sign_in(loaded.test_client(), "hr")
    assert other.get(f"/hr/jobs/{job.id}.json").get_json()["status"] == "finished"


def test_a_run_returns_within_its_time_limit_with_a_status(as_role, loaded):
    client = as_role("hr")
    started = time.monotonic()
    job = run_plan(client, loaded, time_limit_s=2)
    assert time.monotonic() - started < 2 + 2
    assert job.result["status"] in ("OPTIMAL", "FEASIBLE")
    assert job.result["objective"] is not None and job.result["best_bound"] is not None


def test_an_infeasible_run_names_the_conflicting_rules(as_role, loaded, web2_engine):
    from planner.domain import PersonOpportunity
    from planner.store import load_scenario, save_scenario

    scenario = load_scenario(web2_engine)
    # P001 works in Children's services, which hosts O-HUB: pinning them there breaks rule 1.
    policy = scenario.policy.model_copy(update={"pinned": (PersonOpportunity(person_id="P001", opportunity_id="O-HUB"),)})
    save_scenario(web2_engine, scenario.model_copy(update={"policy": policy}), actor="test")
    client = as_role("hr")
    job = run_plan(client, loaded)
    assert job.result["status"] == "INFEASIBLE"
    assert job.result["conflicts"]
    page = client.get(f"/hr/plans/{job.plan_id}").get_data(as_text=True)
    assert "These rules conflict" in page
    assert any(word in page for word in ("P001", "pinned", "pin"))


def test_a_bad_policy_form_is_refused_in_plain_words(as_role, web2_engine):
    from planner.store.testing import database_dump

    client = as_role("hr")
    before = database_dump(web2_engine)
    page = post(client, "/hr/plan/run", {**POLICY_FORM, "fairness_bands": "five to seven"}, follow_redirects=True)
    assert "not written like 5-7" in page.get_data(as_text=True)
    page = post(client, "/hr/plan/run", {**POLICY_FORM, "time_limit_s": 100000}, follow_redirects=True)
    assert "The plan was not started" in page.get_data(as_text=True)
    assert database_dump(web2_engine) == before


def test_two_planners_running_at_once_both_get_their_plan(loaded, web2_engine):
    from planner.store import get_plan
    from web.auth import create_account

    create_account(web2_engine, "hr2", PASSWORD, "hr", actor="test")
    first = sign_in(loaded.test_client(), "hr")
    second = loaded.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', second.get("/login").get_data(as_text=True)).group(1)
    second.post("/login", data={"csrf_token": token, "username": "hr2", "password": PASSWORD})
    job_ids: dict[str, int] = {}
    barrier = threading.Barrier(2)

    def start(name, client, changes):
        barrier.wait()
        job_ids[name] = start_run(client, **changes)

    threads = [threading.Thread(target=start, args=("hr1", first, {"w_preference": 5})),
               threading.Thread(target=start, args=("hr2", second, {"stretch_levels": 1}))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    pool = loaded.extensions["trellis_jobs"]
    plans = {}
    for name, job_id in job_ids.items():
        assert pool.wait(job_id, 30)
        job = pool.get(job_id)
        assert job.status == "finished", job.error
        assert job.created_by == name
        plans[name] = get_plan(web2_engine, job.plan_id)
    assert {p.created_by for p in plans.values()} == {"hr1", "hr2"}
    assert sorted(p.version for p in plans.values()) == [1, 2]
    assert plans["hr2"].policy["stretch_levels"] == 1 and plans["hr1"].policy["stretch_levels"] == 0
    assert all(p.result["status"] == "OPTIMAL" for p in plans.values())


def test_when_every_slot_is_busy_a_new_run_is_told_so(as_role, loaded, web2_engine):
    from web.jobs import JobOutcome

    client = as_role("hr")
    client.get("/hr/")  # creates the app's pool
    pool = loaded.extensions["trellis_jobs"]
    release = threading.Event()

    def blocked(progress):
        release.wait(20)
        return JobOutcome({"status": "OPTIMAL"})

    held = [pool.submit("matching", blocked, actor="other", request={}, time_limit_s=20) for _ in range(pool.slots)]
    try:
        response = post(client, "/hr/plan/run", POLICY_FORM)
        assert response.status_code == 503
        assert response.headers["Retry-After"]
        assert "solve slots are busy" in response.get_data(as_text=True)
    finally:
        release.set()
        for job_id in held:
            pool.wait(job_id, 20)
    assert run_plan(client, loaded).status == "finished"


def test_a_job_whose_process_died_shows_as_interrupted_and_frees_its_slot(as_role, loaded, web2_engine):
    from sqlalchemy import insert

    from planner.store._common import utc_now
    from planner.store.console_tables import solve_jobs

    old = utc_now() - timedelta(minutes=5)
    with web2_engine.begin() as connection:
        for _ in range(2):
            connection.execute(insert(solve_jobs).values(
                kind="matching", status="running", created_by="hr1", created_at=old, started_at=old,
                heartbeat_at=old, time_limit_s=10, request={}, progress=[]))
    client = as_role("hr")
    assert client.get("/hr/jobs/1.json").get_json()["status"] == "interrupted"
    assert run_plan(client, loaded).status == "finished"


# ---------------------------------------------------------------------------------------------
# Humans decide
# ---------------------------------------------------------------------------------------------


def test_accepting_and_rejecting_placements_is_recorded_in_the_planners_name(as_role, loaded, web2_engine):
    from planner.store import list_audit
    from web.decisions import decisions_for_plan

    client = as_role("hr")
    job = run_plan(client, loaded)
    (p1, o1), (p2, o2) = placements_of(web2_engine, job.plan_id)[:2]
    post(client, f"/hr/plans/{job.plan_id}/decide", {"person_id": p1, "opportunity_id": o1, "decision": "accepted"})
    post(client, f"/hr/plans/{job.plan_id}/decide", {"person_id": p2, "opportunity_id": o2, "decision": "rejected"})
    decisions = decisions_for_plan(web2_engine, job.plan_id)
    assert decisions[(p1, o1)].decision == "accepted" and decisions[(p1, o1)].decided_by == "hr1"
    assert decisions[(p2, o2)].decision == "rejected"
    actions = {(e.action, e.target) for e in list_audit(web2_engine, actor="hr1")}
    assert ("placement.accept", f"person:{p1}") in actions and ("placement.reject", f"person:{p2}") in actions


def test_deciding_on_a_placement_the_plan_did_not_propose_is_404(as_role, loaded):
    client = as_role("hr")
    job = run_plan(client, loaded)
    response = post(client, f"/hr/plans/{job.plan_id}/decide",
                    {"person_id": "P001", "opportunity_id": "O-NOPE", "decision": "accepted"})
    assert response.status_code == 404


def test_a_plan_is_approved_only_when_every_placement_is_accepted(as_role, loaded, web2_engine):
    from planner.store import get_plan, list_audit

    client = as_role("hr")
    job = run_plan(client, loaded)
    page = post(client, f"/hr/plans/{job.plan_id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "not accepted yet" in page
    assert get_plan(web2_engine, job.plan_id).status == "draft"
    post(client, f"/hr/plans/{job.plan_id}/accept-all")
    post(client, f"/hr/plans/{job.plan_id}/approve")
    stored = get_plan(web2_engine, job.plan_id)
    assert stored.status == "approved" and stored.approved_by == "hr1"
    assert any(e.action == "plan.approve" and e.actor == "hr1" for e in list_audit(web2_engine))
    page = post(client, f"/hr/plans/{job.plan_id}/decide",
                {"person_id": placements_of(web2_engine, job.plan_id)[0][0],
                 "opportunity_id": placements_of(web2_engine, job.plan_id)[0][1], "decision": "rejected"},
                follow_redirects=True).get_data(as_text=True)
    assert "already approved" in page


def test_a_rerun_pins_accepted_and_forbids_rejected_placements(as_role, loaded, web2_engine):
    from planner.store import get_plan
    from web.decisions import decisions_for_plan

    client = as_role("hr")
    job = run_plan(client, loaded)
    (p1, o1), (p2, o2) = placements_of(web2_engine, job.plan_id)[:2]
    post(client, f"/hr/plans/{job.plan_id}/decide", {"person_id": p1, "opportunity_id": o1, "decision": "accepted"})
    post(client, f"/hr/plans/{job.plan_id}/decide", {"person_id": p2, "opportunity_id": o2, "decision": "rejected"})
    response = post(client, f"/hr/plans/{job.plan_id}/rerun")
    job_id = int(re.search(r"/hr/jobs/(\d+)", response.headers["Location"]).group(1))
    pool = loaded.extensions["trellis_jobs"]
    assert pool.wait(job_id, 30)
    second = pool.get(job_id)
    assert second.status == "finished", second.error
    new = get_plan(web2_engine, second.plan_id)
    assert new.version == 2
    pairs = placements_of(web2_engine, second.plan_id)
    assert (p1, o1) in pairs and (p2, o2) not in pairs
    assert {"person_id": p2, "opportunity_id": o2} in new.policy["forbidden"]
    assert {"person_id": p1, "opportunity_id": o1} in new.policy["pinned"]
    carried = decisions_for_plan(web2_engine, second.plan_id)
    assert carried[(p1, o1)].decision == "accepted" and carried[(p1, o1)].decided_by == "hr1"


# ---------------------------------------------------------------------------------------------
# What if
# ---------------------------------------------------------------------------------------------


def test_what_if_dropping_a_requirement_is_compared_side_by_side(as_role, loaded, web2_engine):
    client = as_role("hr")
    job = run_plan(client, loaded)
    assert "Drop a skill requirement" in client.get("/hr/whatif").get_data(as_text=True)
    response = post(client, "/hr/whatif", {"plan_id": job.plan_id, "change": "relax", "skill": "python",
                                           "opportunity_id": "O-LOCAL", "stretch_levels": 1})
    whatif_id = int(re.search(r"/hr/jobs/(\d+)", response.headers["Location"]).group(1))
    pool = loaded.extensions["trellis_jobs"]
    assert pool.wait(whatif_id, 30)
    assert pool.get(whatif_id).status == "finished", pool.get(whatif_id).error
    page = client.get(f"/hr/whatif/{whatif_id}").get_data(as_text=True)
    assert "What if we drop the Python requirement from" in page
    assert "As it is" in page and "With the change" in page
    assert "Possible moves" in page and "Best possible plan (proven)" in page
    assert "Technical details" in page
    result = pool.get(whatif_id).result
    assert result["eligible_pairs_after"] > result["eligible_pairs_before"]


def test_what_if_on_a_requirement_that_does_not_exist_is_refused(as_role, loaded):
    client = as_role("hr")
    job = run_plan(client, loaded)
    page = post(client, "/hr/whatif", {"plan_id": job.plan_id, "change": "relax", "skill": "driving",
                                       "opportunity_id": "O-LOCAL"}, follow_redirects=True)
    assert "does not require that skill" in page.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# Exports
# ---------------------------------------------------------------------------------------------


def test_plan_exports_escape_formulas_in_csv_and_xlsx(as_role, loaded, web2_engine):
    from openpyxl import load_workbook

    from planner.store import load_scenario, save_scenario

    scenario = load_scenario(web2_engine)
    people = tuple(p.model_copy(update={"name": f"=cmd|' /C calc'!A{i}"}) for i, p in enumerate(scenario.people))
    save_scenario(web2_engine, scenario.model_copy(update={"people": people}), actor="test")
    client = as_role("hr")
    job = run_plan(client, loaded)
    response = client.get(f"/hr/plans/{job.plan_id}/export.csv")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:4] == ["person_id", "name", "team", "opportunity_id"]
    assert len(rows) > 1 and all(row[1].startswith("'=cmd") for row in rows[1:])
    book = load_workbook(io.BytesIO(client.get(f"/hr/plans/{job.plan_id}/export.xlsx").data))
    assert book.sheetnames == ["Placements", "Not placed", "Summary"]
    cells = [c for row in book["Placements"].iter_rows(min_row=2) for c in row]
    assert cells and all(c.data_type != "f" for c in cells)


def test_get_pages_never_change_the_database(as_role, loaded, web2_engine):
    from planner.store.testing import database_dump

    client = as_role("hr")
    job = run_plan(client, loaded)
    before = database_dump(web2_engine)
    # Downloads add one audit row each and nothing else: tests/test_security_fixes_web.py.
    for path in ["/hr/", f"/hr/jobs/{job.id}", f"/hr/jobs/{job.id}.json", f"/hr/plans/{job.plan_id}",
                 "/hr/whatif", "/hr/import"]:
        assert client.get(path).status_code == 200, path
    assert database_dump(web2_engine) == before
    assert json.loads(json.dumps(client.get(f"/hr/jobs/{job.id}.json").get_json()))["id"] == job.id


# ---------------------------------------------------------------------------------------------
# The consoles' tables (migration 0002_web2) on SQLite and PostgreSQL
# ---------------------------------------------------------------------------------------------


def test_migration_0002_creates_exactly_the_console_tables(web2_engine):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from planner.store.console_tables import metadata

    mine = {"solve_jobs", "placement_decisions"}

    def only_console_tables(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return (table.name if table is not None else name) in mine

    with web2_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": only_console_tables,
                                                               "compare_type": True})
        assert compare_metadata(context, metadata) == []


@pytest.mark.postgres
def test_jobs_and_decisions_work_on_postgresql():
    from planner.domain import Placement, Plan
    from planner.store import save_plan, upgrade
    from planner.store.testing import postgres_test_url, temporary_engine
    from web.decisions import decide_placement, decisions_for_plan
    from web.jobs import JobOutcome, JobPool, SlotsBusy

    url = postgres_test_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TRELLIS_TEST_POSTGRES_URL: run through scripts/with-postgres.sh")
    with temporary_engine(url) as engine:
        upgrade(engine)
        stored = save_plan(engine, "matching", Plan(status="OPTIMAL", placements=[
            Placement(person_id="P1", opportunity_id="O1")]), created_by="hr1")
        decide_placement(engine, stored.id, "P1", "O1", "accepted", decided_by="hr1")
        assert decisions_for_plan(engine, stored.id)[("P1", "O1")].decided_by == "hr1"
        pool = JobPool(engine, slots=1, heartbeat_s=0.1)
        release = threading.Event()

        def work(progress):
            progress(type("Event", (), {"seconds": 0.1, "objective": 3.0, "bound": 4.0})())
            release.wait(10)
            return JobOutcome({"status": "OPTIMAL"}, stored.id)

        job_id = pool.submit("matching", work, actor="hr1", request={}, time_limit_s=5)
        with pytest.raises(SlotsBusy):
            pool.submit("matching", work, actor="hr2", request={}, time_limit_s=5)
        time.sleep(0.5)
        assert pool.get(job_id).progress == [{"seconds": 0.1, "objective": 3.0, "bound": 4.0}]
        release.set()
        assert pool.wait(job_id, 10)
        job = pool.get(job_id)
        assert (job.status, job.plan_id, job.result) == ("finished", stored.id, {"status": "OPTIMAL"})


# ---------------------------------------------------------------------------------------------
# The pieces: job pool rules and safe exports
# ---------------------------------------------------------------------------------------------


def test_a_job_that_fails_ends_failed_with_a_message_and_frees_its_slot(web2_engine):
    from web.jobs import JobOutcome, JobPool

    pool = JobPool(web2_engine, slots=1)

    def broken(progress):
        raise ValueError("Person 7 has a bad row")  # text that must never reach the page or log

    job_id = pool.submit("matching", broken, actor="hr1", request={}, time_limit_s=1)
    assert pool.wait(job_id, 10)
    job = pool.get(job_id)
    assert job.status == "failed" and "ValueError" in job.error and "Person 7" not in job.error
    second = pool.submit("matching", lambda progress: JobOutcome({"status": "OPTIMAL"}), actor="hr1",
                         request={}, time_limit_s=1)
    assert pool.wait(second, 10) and pool.get(second).status == "finished"


def test_progress_of_several_solves_is_one_timeline():
    from web.jobs import ProgressRecorder

    recorder = ProgressRecorder()
    for seconds, objective in [(0.1, 1), (0.5, 2), (0.2, 5), (0.4, 6)]:
        recorder(type("Event", (), {"seconds": seconds, "objective": objective, "bound": None})())
    assert [p["seconds"] for p in recorder.points()] == [0.1, 0.5, 0.7, 0.9]
    recorder.final(0.3, 7, 7)  # reported after the last event, on the second solve's clock
    assert recorder.points()[-1] == {"seconds": 0.9, "objective": 7.0, "bound": 7.0}


@pytest.mark.parametrize("value,expected", [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"), ("+44 20", "'+44 20"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"),
    ("\tx", "'\tx"), ("Planning", "Planning"), (-3, -3), (2.5, 2.5), (None, ""),
])
def test_cells_that_a_spreadsheet_would_run_are_escaped(value, expected):
    from web.exports import escape_cell

    assert escape_cell(value) == expected


def test_xlsx_export_never_holds_a_formula():
    from openpyxl import load_workbook

    from web.exports import xlsx_bytes

    book = load_workbook(io.BytesIO(xlsx_bytes([("Sheet", ["a", "b"], [["=1+1", 3], ["@x", "-y"]])])))
    cells = [c for row in book["Sheet"].iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert [c.value for c in cells] == ["a", "b", "'=1+1", 3, "'@x", "'-y"]


def test_the_policy_form_starts_from_the_newest_run(as_role, loaded):
    client = as_role("hr")
    assert 'name="stretch_levels" min="0" max="4" value="0"' in client.get("/hr/").get_data(as_text=True)
    run_plan(client, loaded, stretch_levels=2, w_network=7)
    page = client.get("/hr/").get_data(as_text=True)
    assert 'name="stretch_levels" min="0" max="4" value="2"' in page
    assert '<option value="7.0" selected>as set before (7)</option>' in page


@pytest.mark.slow
def test_a_large_scenario_run_returns_within_its_time_limit_plus_two_seconds(as_role, loaded, web2_engine):
    from planner.generate import generate_scenario
    from planner.store import save_scenario

    save_scenario(web2_engine, generate_scenario(4000, seed=5), actor="test")
    client = as_role("hr")
    job_id = start_run(client, time_limit_s=3)
    pool = loaded.extensions["trellis_jobs"]
    assert pool.wait(job_id, 30)
    job = pool.get(job_id)
    assert job.status == "finished", job.error
    # The run's own time, start to saved plan, as the server measured it.
    assert (job.finished_at - job.started_at).total_seconds() < 3 + 2
    assert job.result["status"] in ("OPTIMAL", "FEASIBLE") and job.result["placements"] > 0
    assert job.result["objective"] is not None and job.result["best_bound"] is not None
