"""The crisis console: team statuses, demand edits, redeploy, re-plan, exports, and who may."""

from __future__ import annotations

import csv
import io

import pytest
from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles
from conftest_web2 import post

from web.security import ROLES as SECURITY_ROLES  # every role, so a new one is covered too

CRISIS_GETS = ["/crisis/", "/crisis/jobs/1", "/crisis/jobs/1.json", "/crisis/plans/1/export.csv",
               "/crisis/plans/1/export.xlsx"]
CRISIS_POSTS = ["/crisis/teams/T-TEST/status", "/crisis/demand", "/crisis/demand/1", "/crisis/redeploy",
                "/crisis/replan", "/crisis/plans/1/confirm"]


def run_and_wait(client, app, path="/crisis/redeploy"):
    """Start a redeployment through the console and wait for its job to end."""
    response = post(client, path)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    pool = app.extensions["trellis_jobs"]
    assert pool.wait(job_id, 30)
    return pool.get(job_id)


@pytest.mark.parametrize("role", [r for r in SECURITY_ROLES if r != "emergency"])
def test_only_emergency_planners_open_or_change_the_crisis(as_role, web2_engine, role):
    from planner.store.testing import database_dump

    client = as_role(role)
    before = database_dump(web2_engine)
    for path in CRISIS_GETS:
        assert client.get(path).status_code == 403, path
    for path in CRISIS_POSTS:
        assert post(client, path, {"status": "paused"}).status_code == 403, path
    assert database_dump(web2_engine) == before


def test_signed_out_visitors_are_sent_to_sign_in(loaded):
    client = loaded.test_client()
    for path in CRISIS_GETS + CRISIS_POSTS:
        response = client.get(path) if path in CRISIS_GETS else post(client, path)
        assert response.status_code == 302 and "/login" in response.headers["Location"], path


def test_crisis_posts_need_a_csrf_token(as_role, web2_engine):
    from planner.store.testing import database_dump

    client = as_role("emergency")
    before = database_dump(web2_engine)
    for path in CRISIS_POSTS:
        assert client.post(path, data={"status": "paused"}).status_code == 400, path
    assert database_dump(web2_engine) == before


def test_pausing_a_team_is_stored_and_audited(as_role, web2_engine):
    from planner.store import list_audit, load_scenario, scenario_revision

    revision = scenario_revision(web2_engine)
    page = post(as_role("emergency"), "/crisis/teams/T-PLAN/status", {"status": "paused"}, follow_redirects=True)
    assert "Planning is now paused" in page.get_data(as_text=True)
    assert load_scenario(web2_engine).team_by_id["T-PLAN"].status.value == "paused"
    assert scenario_revision(web2_engine) == revision + 1
    assert any(e.action == "team.status" and e.target == "team:T-PLAN" and e.actor == "ep1"
               for e in list_audit(web2_engine))


def test_an_unknown_status_or_team_is_refused(as_role, web2_engine):
    from planner.store.testing import database_dump

    client = as_role("emergency")
    before = database_dump(web2_engine)
    post(client, "/crisis/teams/T-PLAN/status", {"status": "closed"})
    assert post(client, "/crisis/teams/NOPE/status", {"status": "paused"}).status_code == 404
    assert database_dump(web2_engine) == before


def test_demand_is_added_changed_and_removed(as_role, web2_engine):
    from planner.store import load_scenario

    client = as_role("emergency")
    post(client, "/crisis/demand", {"team_id": "T-DATA", "skill": "driving", "level": 2, "count": 3, "priority": 2})
    demand = load_scenario(web2_engine).demand
    assert demand[-1].model_dump() == {"team_id": "T-DATA", "skill": "driving", "level": 2, "count": 3, "priority": 2}
    post(client, "/crisis/demand/1", {"level": 3, "count": 5, "priority": 1, "action": "save"})
    assert load_scenario(web2_engine).demand[0].count == 5
    post(client, "/crisis/demand/2", {"action": "remove"})
    assert len(load_scenario(web2_engine).demand) == 3


def test_demand_for_an_unknown_skill_is_refused_and_nothing_changes(as_role, web2_engine):
    from planner.store.testing import database_dump

    client = as_role("emergency")
    before = database_dump(web2_engine)
    page = post(client, "/crisis/demand", {"team_id": "T-DATA", "skill": "juggling", "level": 2, "count": 1,
                                           "priority": 1}, follow_redirects=True)
    assert "unknown skill" in page.get_data(as_text=True)
    assert database_dump(web2_engine) == before


def test_redeploy_covers_demand_and_explains_what_is_not_covered(as_role, loaded, web2_engine):
    client = as_role("emergency")
    job = run_and_wait(client, loaded)
    assert job.status == "finished", job.error
    assert job.result["status"] in ("OPTIMAL", "FEASIBLE")
    page = client.get("/crisis/").get_data(as_text=True)
    assert "Redeployment v1" in page
    assert 'id="coverage-priority"' in page and 'id="coverage-team"' in page
    # Testing centre needs first-aid x2 (P1) and driving x1 (P2); Children's needs social-work 5 (P1),
    # which only a member of Children's services holds, and demand counts additional people.
    assert "Why some demand is not covered" in page
    assert "social-work" in page


def test_replan_keeps_the_current_moves(as_role, loaded, web2_engine):
    client = as_role("emergency")
    first = run_and_wait(client, loaded)
    post(client, "/crisis/demand", {"team_id": "T-PLAN", "skill": "first-aid", "level": 2, "count": 1, "priority": 1})
    assert "changed since" in client.get("/crisis/").get_data(as_text=True)
    second = run_and_wait(client, loaded, "/crisis/replan")
    assert second.status == "finished", second.error
    from planner.store import get_plan

    stored = get_plan(web2_engine, second.plan_id)
    assert stored.result["baseline_plan_id"] == first.plan_id
    assert stored.result["changes"] is not None
    assert len(stored.result["changes"]["stayed"]) >= 1


def test_replan_without_a_redeployment_says_so(as_role):
    page = post(as_role("emergency"), "/crisis/replan", follow_redirects=True)
    assert "redeploy first" in page.get_data(as_text=True)


def test_export_for_managers_escapes_formulas(as_role, loaded, web2_engine):
    from planner.store import load_scenario, save_scenario

    scenario = load_scenario(web2_engine)
    people = tuple(p.model_copy(update={"name": "=HYPERLINK(\"x\")"}) if p.team_id != "T-TEST" else p
                   for p in scenario.people)
    save_scenario(web2_engine, scenario.model_copy(update={"people": people}), actor="test")
    client = as_role("emergency")
    job = run_and_wait(client, loaded)
    response = client.get(f"/crisis/plans/{job.plan_id}/export.csv")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["person_id", "name", "from_team", "to_team", "skill", "level", "priority"]
    assert len(rows) > 1
    assert all(not row[1].startswith("=") for row in rows[1:])
    assert any(row[1].startswith("'=HYPERLINK") for row in rows[1:])
    book = client.get(f"/crisis/plans/{job.plan_id}/export.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(book.data))["Redeployments"]
    names = [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names and all(not str(n).startswith("=") for n in names)


def test_get_pages_never_change_the_database(as_role, loaded, web2_engine):
    from planner.store.testing import database_dump

    client = as_role("emergency")
    job = run_and_wait(client, loaded)
    before = database_dump(web2_engine)
    # Downloads add one audit row each and nothing else: tests/test_security_fixes_web.py.
    for path in ["/crisis/", f"/crisis/jobs/{job.id}", f"/crisis/jobs/{job.id}.json"]:
        assert client.get(path).status_code == 200, path
    assert database_dump(web2_engine) == before


def test_an_emergency_planner_lands_on_the_console(loaded):
    from conftest_web2 import sign_in

    response = sign_in(loaded.test_client(), "emergency").get("/")
    assert response.status_code == 302 and "/crisis" in response.headers["Location"]


def test_when_every_slot_is_busy_a_redeployment_is_told_so(as_role, loaded):
    import threading

    from web.jobs import JobOutcome

    client = as_role("emergency")
    client.get("/crisis/")  # creates the app's pool
    pool = loaded.extensions["trellis_jobs"]
    release = threading.Event()

    def blocked(progress):
        release.wait(20)
        return JobOutcome({})

    held = [pool.submit("redeploy", blocked, actor="other", request={}, time_limit_s=20) for _ in range(pool.slots)]
    try:
        page = post(client, "/crisis/redeploy", follow_redirects=True).get_data(as_text=True)
        assert "solve slots are busy" in page
    finally:
        release.set()
        for job_id in held:
            pool.wait(job_id, 20)
