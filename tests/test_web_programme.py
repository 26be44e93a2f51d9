"""The record in the web app: the crisis console's confirm step (POST, CSRF, emergency role)
makes a redeployment the record; My record shows a person's assignments as a table and a
timeline; the HR policy form plans dated periods."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles
from conftest_web2 import post

from planner.store import get_plan, latest_plan, list_audit
from planner.store.assignments import NewAssignment, assignments_for_person, record_assignments
from planner.store.testing import database_dump


def redeploy_and_wait(client, app):
    response = post(client, "/crisis/redeploy")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    pool = app.extensions["trellis_jobs"]
    assert pool.wait(job_id, 30)
    return pool.get(job_id)


def test_confirming_a_redeployment_records_every_move_for_the_days_given(as_role, loaded, web2_engine):
    client = as_role("emergency")
    job = redeploy_and_wait(client, loaded)
    stored = get_plan(web2_engine, job.plan_id)
    moves = stored.result["assignments"]
    assert moves
    page = client.get("/crisis/").get_data(as_text=True)
    assert 'id="confirm"' in page

    done = post(client, f"/crisis/plans/{stored.id}/confirm", {"days": "3"}, follow_redirects=True)
    text = done.get_data(as_text=True)
    assert f"Redeployment v{stored.version} confirmed: {len(moves)} recorded" in text
    assert 'id="confirmed"' in text and 'id="confirm"' not in text
    confirmed = get_plan(web2_engine, stored.id)
    assert (confirmed.status, confirmed.approved_by) == ("approved", "ep1")
    plan_date = date.fromisoformat(stored.result["plan_date"])
    for move in moves:
        [record] = assignments_for_person(web2_engine, move["person_id"])
        assert (record.kind, record.team_id, record.skill, record.start, record.end, record.decided_by) == (
            "redeployment", move["to_team_id"], move["skill"], plan_date, plan_date + timedelta(days=2), "ep1")
    assert any(e.action == "assignment.redeployment" and e.actor == "ep1" for e in list_audit(web2_engine))


def test_a_confirmed_redeployment_is_not_confirmed_twice(as_role, loaded, web2_engine):
    client = as_role("emergency")
    job = redeploy_and_wait(client, loaded)
    post(client, f"/crisis/plans/{job.plan_id}/confirm", {"days": "1"})
    before = database_dump(web2_engine)
    again = post(client, f"/crisis/plans/{job.plan_id}/confirm", {"days": "1"}, follow_redirects=True)
    assert "only a draft redeployment is confirmed" in again.get_data(as_text=True)
    assert database_dump(web2_engine) == before


@pytest.mark.parametrize("days", ["0", "400", "many"])
def test_confirm_refuses_a_bad_number_of_days_and_changes_nothing(as_role, loaded, web2_engine, days):
    client = as_role("emergency")
    job = redeploy_and_wait(client, loaded)
    before = database_dump(web2_engine)
    page = post(client, f"/crisis/plans/{job.plan_id}/confirm", {"days": days}, follow_redirects=True)
    assert "days" in page.get_data(as_text=True) and page.status_code == 200
    assert database_dump(web2_engine) == before


def test_a_replan_keeps_people_redeployed_where_they_are(as_role, loaded, web2_engine):
    client = as_role("emergency")
    first = redeploy_and_wait(client, loaded)
    post(client, f"/crisis/plans/{first.plan_id}/confirm", {"days": "5"})
    second = redeploy_and_wait(client, loaded)  # from scratch: the record is still the baseline
    before = {m["person_id"]: m["to_team_id"] for m in get_plan(web2_engine, first.plan_id).result["assignments"]}
    after = {m["person_id"]: m["to_team_id"] for m in get_plan(web2_engine, second.plan_id).result["assignments"]}
    assert after == before
    assert latest_plan(web2_engine, "redeploy").result["changes"]["stayed"]


def test_confirm_needs_the_emergency_role_and_a_csrf_token(as_role, loaded, web2_engine):
    job = redeploy_and_wait(as_role("emergency"), loaded)
    before = database_dump(web2_engine)
    assert post(as_role("hr"), f"/crisis/plans/{job.plan_id}/confirm", {"days": "1"}).status_code == 403
    assert as_role("emergency").post(f"/crisis/plans/{job.plan_id}/confirm", data={"days": "1"}).status_code == 400
    assert database_dump(web2_engine) == before


def test_my_record_shows_the_current_assignment_history_and_timeline_data(as_role, web2_engine):
    today = date.today()
    record_assignments(web2_engine, [
        NewAssignment(person_id="P001", kind="placement", start=today - timedelta(days=400),
                      end=today - timedelta(days=200), opportunity_id="O-DASH", team_id="T-DATA"),
        NewAssignment(person_id="P001", kind="redeployment", start=today, end=today + timedelta(days=6),
                      team_id="T-TEST", skill="first-aid"),
    ], "hr1")
    page = as_role("staff").get("/people/P001/record").get_data(as_text=True)
    assert "You are now on <strong>Crisis redeployment (first-aid)</strong> with Testing centre" in page
    assert 'id="assignment-history"' in page and "Build the children&#39;s dashboard" in page
    assert ">ended<" in page and ">active<" in page
    assert 'id="record-timeline-data"' in page and "record-timeline.js" in page


def test_my_record_without_assignments_says_so_and_loads_no_chart(as_role):
    page = as_role("staff").get("/people/P001/record").get_data(as_text=True)
    assert "No approved moves or confirmed redeployments yet." in page and "echarts" not in page


def test_hr_policy_form_plans_dated_periods(as_role, loaded, web2_engine):
    client = as_role("hr")
    form = {"stretch_levels": "0", "periods": "2", "start": "2027-01-01", "period_months": "6",
            "time_limit_s": "5", "fairness_min_share": "0", "w_skill_fit": "3", "w_development": "4",
            "w_preference": "5", "w_network": "2", "w_diversity": "1"}
    response = post(client, "/hr/plan/run", form)
    assert response.status_code == 302
    job_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    pool = loaded.extensions["trellis_jobs"]
    assert pool.wait(job_id, 30)
    stored = get_plan(web2_engine, pool.get(job_id).plan_id)
    assert stored.policy["start"] == "2027-01-01" and stored.policy["period_months"] == 6
    assert stored.result["placements"] and all(p["start"] for p in stored.result["placements"])
    assert "2027-01-01" in client.get("/hr/").get_data(as_text=True)


def test_hr_policy_form_refuses_a_start_that_is_not_a_date(as_role, loaded, web2_engine):
    before = database_dump(web2_engine)
    page = post(as_role("hr"), "/hr/plan/run", {"start": "2027-02-30"}, follow_redirects=True)
    assert "The plan was not started" in page.get_data(as_text=True)
    assert latest_plan(web2_engine, "matching") is None or database_dump(web2_engine) == before


@pytest.mark.browser
def test_my_record_timeline_is_drawn_without_errors(page, live_server, accounts, database_url):
    from planner.store import make_engine

    engine = make_engine(database_url)
    today = date.today()
    record_assignments(engine, [NewAssignment(person_id="P1", kind="placement", start=today - timedelta(days=30),
                                              end=today + timedelta(days=150), opportunity_id="O1",
                                              team_id="T-DATA")], "hana")
    engine.dispose()
    page.goto(f"{live_server}/login")
    page.get_by_label("Account name").fill("alice")
    page.get_by_label("Password").fill(accounts["alice"].password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
    page.goto(f"{live_server}/me/record")
    page.wait_for_selector("#record-timeline canvas")
    assert page.locator("#assignment-history").inner_text().count("Data analysis secondment") == 1
    assert page.console_errors == []


def test_the_network_counts_links_the_record_already_makes(as_role, web2_engine):
    from planner.network import organisation_network
    from planner.services.assignments import team_links_on
    from planner.store import load_scenario

    scenario = load_scenario(web2_engine)
    plain = organisation_network(scenario)
    today = date.today()
    record_assignments(web2_engine, [NewAssignment(person_id="P001", kind="redeployment", start=today,
                                                   end=today + timedelta(days=3), team_id="T-TEST",
                                                   skill="first-aid")], "ep1")
    links = team_links_on(web2_engine, scenario, today)
    assert links == [("T-CHILD", "T-TEST")]
    with_record = organisation_network(scenario, on_record=links)
    edge = next(e for e in with_record.edges if {e.source, e.target} == {"T-CHILD", "T-TEST"})
    assert "record" in edge.kinds and not edge.from_plan
    assert with_record.before.links >= plain.before.links
    data = as_role("hr").get("/network/data.json").get_json()
    assert any("record" in e["kinds"] for e in data["edges"])
