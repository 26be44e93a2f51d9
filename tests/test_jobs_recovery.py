"""A job whose server was killed does not stay `running` in the store (issue 10, item 13).

When a server starts it marks interrupted, in the store, every job whose heartbeat has gone
stale; a job with a fresh heartbeat may belong to another server sharing the store and is left
alone, and a production server looks again while it runs, so a job of a server killed seconds
before the restart is marked once its heartbeat has gone stale too."""

from __future__ import annotations

import time
from datetime import timedelta

from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles
from conftest_web2 import sign_in
from flask import Flask
from sqlalchemy import insert, select

from planner.store._common import utc_now
from web import create_app
from web.jobs import INTERRUPTED_MESSAGE, STALE_AFTER_S, recover_jobs_at_start, solve_jobs


def add_running_job(engine, heartbeat_age_s: float) -> int:
    """A job row as a server leaves it while the job runs, its last heartbeat `heartbeat_age_s` ago."""
    beat = utc_now() - timedelta(seconds=heartbeat_age_s)
    started = beat - timedelta(seconds=5)
    with engine.begin() as connection:
        return connection.execute(insert(solve_jobs).values(
            kind="matching", status="running", created_by="hr1", created_at=started,
            started_at=started, heartbeat_at=beat, time_limit_s=60, request={}, progress=[],
        ).returning(solve_jobs.c.id)).scalar_one()


def stored(engine, job_id: int):
    with engine.connect() as connection:
        return connection.execute(select(solve_jobs).where(solve_jobs.c.id == job_id)).one()


def test_starting_the_app_marks_a_killed_servers_job_interrupted_and_leaves_a_live_one(web2_engine):
    killed = add_running_job(web2_engine, heartbeat_age_s=STALE_AFTER_S * 10)
    alive = add_running_job(web2_engine, heartbeat_age_s=0.5)
    app = create_app({"TESTING": True, "ENGINE": web2_engine, "SECRET_KEY": "x" * 40})

    row = stored(web2_engine, killed)
    assert row.status == "interrupted"
    assert row.finished_at is not None and row.error == INTERRUPTED_MESSAGE
    assert stored(web2_engine, alive).status == "running"  # another server's job, still beating

    client = sign_in(app.test_client(), "hr")
    assert client.get(f"/hr/jobs/{killed}.json").get_json()["status"] == "interrupted"
    page = client.get(f"/hr/jobs/{killed}").get_data(as_text=True)
    assert "interrupted" in page.lower() and "start it again" in page
    assert client.get(f"/hr/jobs/{alive}.json").get_json()["status"] == "running"
    with web2_engine.begin() as connection:  # let the other server's job end
        connection.execute(solve_jobs.update().where(solve_jobs.c.id == alive).values(status="finished"))


def test_a_running_server_marks_a_job_interrupted_once_its_heartbeat_goes_stale(web2_engine):
    """A server killed and restarted within the stale threshold: at start its job still looks
    alive; the running server's sweep marks it when its heartbeat is older than the threshold."""
    app = Flask(__name__)
    app.config.update(PRODUCTION=True)
    app.extensions["trellis_engine"] = web2_engine
    stale_after_s = 1.0
    job_id = add_running_job(web2_engine, heartbeat_age_s=0.0)
    recover_jobs_at_start(app, stale_after_s=stale_after_s)
    try:
        assert stored(web2_engine, job_id).status == "running"
        deadline = time.monotonic() + 10
        while stored(web2_engine, job_id).status == "running":
            assert time.monotonic() < deadline, "the sweep never marked the dead job"
            time.sleep(0.2)
        assert stored(web2_engine, job_id).status == "interrupted"
    finally:
        app.extensions["trellis_job_sweeper_stop"].set()


def test_starting_the_app_on_a_store_without_job_table_changes_nothing(tmp_path):
    """An empty store (no migration yet) starts as before: there is no job to recover."""
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/new.sqlite3",
                      "SECRET_KEY": "x" * 40})
    assert app.extensions["trellis_engine"] is not None
