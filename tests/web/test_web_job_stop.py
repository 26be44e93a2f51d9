"""Stopping a run from its page: the bar of time used, the phase in words, Cancel that keeps the
best plan so far (saved as a normal plan, STOPPED_EARLY), who may stop, CSRF and the audit."""

from __future__ import annotations

import re
import time

import pytest
from helpers import post
from test_web_hr import start_run


def _audit(engine, action):
    from planner.store import list_audit

    return list_audit(engine, action=action)


def wait_for_phase(client, job_id, phase, timeout_s=15.0):
    """The run's JSON once its phase is `phase` (fails if it ends or never gets there)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        data = client.get(f"/hr/jobs/{job_id}.json").get_json()
        if data["phase"] == phase or data["done"]:
            break
        time.sleep(0.2)
    assert data["phase"] == phase, data["phase"]
    return data


@pytest.fixture
def large(store_engine):
    from planner.generate import generate_scenario
    from planner.store import save_scenario

    save_scenario(store_engine, generate_scenario(4000, seed=5), actor="test")
    return store_engine


@pytest.mark.slow
def test_cancel_stops_a_large_run_promptly_and_saves_the_best_plan_so_far(as_role, loaded_app, large):
    client = as_role("hr")
    job_id = start_run(client, time_limit_s=20, periods=2)  # about 17 s unstopped
    # Stop once it is improving (finding candidates and the first plan cannot be interrupted).
    running = wait_for_phase(client, job_id, "improving")
    assert running["status"] == "running"
    # The chart has points during the run, not only at its end (one every half second).
    assert len(running["progress"]) >= 3, running["progress"]
    assert running["phase"] in ("finding candidates", "first plan", "improving", "proving")
    assert 0 < running["share_of_time_limit"] < 0.9 and "of the 20 s time limit; phase: improving" in running["words"]
    page = client.get(f"/hr/jobs/{job_id}").get_data(as_text=True)
    assert '<progress id="job-bar" max="1"' in page and "Stop and keep the best plan so far" in page

    asked = time.monotonic()
    response = post(client, f"/hr/jobs/{job_id}/stop", follow_redirects=True)
    assert response.status_code == 200 and "Stopping" in response.get_data(as_text=True)
    pool = loaded_app.extensions["trellis_jobs"]
    assert pool.wait(job_id, 15)
    assert time.monotonic() - asked < 5  # far inside the 20 s limit
    job = pool.get(job_id)
    assert job.status == "finished" and job.result["status"] == "STOPPED_EARLY", job.result
    assert job.plan_id is not None and job.result["placements"] > 0
    done = client.get(f"/hr/jobs/{job_id}.json").get_json()
    assert done["stopped_early"] and done["words"].startswith("Stopped early on request")
    assert done["next"] == f"/hr/plans/{job.plan_id}"
    stops = _audit(large, "job.stop")
    assert [(a.actor, a.target) for a in stops] == [("hr1", f"job:{job_id}")]


def test_stopping_a_finished_run_changes_nothing_and_says_so(as_role, loaded_app, store_engine):
    client = as_role("hr")
    job_id = start_run(client, time_limit_s=3)
    assert loaded_app.extensions["trellis_jobs"].wait(job_id, 30)
    page = post(client, f"/hr/jobs/{job_id}/stop", follow_redirects=True).get_data(as_text=True)
    assert "already ended" in page and "Stop and keep" not in page
    assert _audit(store_engine, "job.stop") == []


def test_stop_needs_a_csrf_token_and_the_right_role(as_role, loaded_app, store_engine):
    hr = as_role("hr")
    job_id = start_run(hr, time_limit_s=3)
    pool = loaded_app.extensions["trellis_jobs"]
    assert hr.post(f"/hr/jobs/{job_id}/stop").status_code == 400
    for role in ("staff", "emergency"):
        assert post(as_role(role), f"/hr/jobs/{job_id}/stop").status_code == 403, role
    assert pool.wait(job_id, 30)
    assert pool.get(job_id).request.get("stop_requested_by") is None
    assert post(hr, "/hr/jobs/999/stop").status_code == 404
    assert post(as_role("hr"), "/crisis/jobs/1/stop").status_code == 403


def test_a_stop_asked_through_another_server_reaches_the_job_at_its_heartbeat(loaded_app, large):
    """Two servers share a store: the POST may land on the one not running the job."""
    from planner.generate import generate_scenario
    from planner.services.plans import matching_work
    from web.jobs import JobPool, latest_phase_and_placements

    scenario = generate_scenario(4000, seed=5)
    policy = scenario.policy.model_copy(update={"time_limit_s": 20.0, "workers": 1, "periods": 2})
    runner = JobPool(large, slots=1, heartbeat_s=0.2)
    other = JobPool(large, slots=1)
    job_id = runner.submit("matching", matching_work(large, scenario, policy, "hr1", None), actor="hr1",
                           request={"note": "run"}, time_limit_s=20.0)
    deadline = time.monotonic() + 15
    while latest_phase_and_placements(runner.get(job_id).progress)[0] != "improving" and time.monotonic() < deadline:
        time.sleep(0.2)
    asked = time.monotonic()
    assert other.request_stop(job_id, "hr2")
    assert runner.wait(job_id, 15) and time.monotonic() - asked < 5
    job = runner.get(job_id)
    assert job.result["status"] == "STOPPED_EARLY" and job.plan_id is not None
    assert job.request["stop_requested_by"] == "hr2"


def test_emergency_planners_stop_a_redeployment_and_hr_cannot(as_role, loaded_app, store_engine):
    ep = as_role("emergency")
    response = post(ep, "/crisis/redeploy", token_from="/crisis/")
    job_id = int(re.search(r"/crisis/jobs/(\d+)", response.headers["Location"]).group(1))
    page = ep.get(f"/crisis/jobs/{job_id}").get_data(as_text=True)
    assert '<progress id="job-bar"' in page
    assert post(as_role("hr"), f"/crisis/jobs/{job_id}/stop").status_code == 403
    assert post(ep, f"/crisis/jobs/{job_id}/stop").status_code == 302
    assert loaded_app.extensions["trellis_jobs"].wait(job_id, 30)
    job = loaded_app.extensions["trellis_jobs"].get(job_id)
    # The small crisis may finish (proven optimal) before the stop arrives; either way a plan is saved.
    assert job.plan_id is not None and job.result["status"] in ("OPTIMAL", "STOPPED_EARLY")


def test_a_stop_request_is_stored_and_heard_on_postgresql():
    """The stop travels through the job's row (JSONB on PostgreSQL), row-locked while written."""
    from planner.store import list_audit, upgrade
    from planner.store.testing import postgres_test_url, temporary_engine
    from web.jobs import JobOutcome, JobPool

    url = postgres_test_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TRELLIS_TEST_POSTGRES_URL: run through scripts/with-postgres.sh")
    with temporary_engine(url) as engine:
        upgrade(engine)
        runner, other = JobPool(engine, slots=1, heartbeat_s=0.1), JobPool(engine, slots=1)

        def work(progress):
            heard = progress.stop.wait(10)
            return JobOutcome({"status": "STOPPED_EARLY" if heard else "OPTIMAL"})

        job_id = runner.submit("redeploy", work, actor="ep1", request={"note": "redeploy"}, time_limit_s=10)
        time.sleep(0.3)
        asked = time.monotonic()
        assert other.request_stop(job_id, "ep2")
        assert runner.wait(job_id, 10) and time.monotonic() - asked < 2
        job = runner.get(job_id)
        assert job.result == {"status": "STOPPED_EARLY"} and job.request == {"note": "redeploy", "stop_requested_by": "ep2"}
        assert not other.request_stop(job_id, "ep2")  # ended: nothing more to stop, nothing audited
        assert [(e.actor, e.target) for e in list_audit(engine, action="job.stop")] == [("ep2", f"job:{job_id}")]
