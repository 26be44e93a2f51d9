"""Fixtures of the service-layer tests: a real SQLite store migrated to head holding the small
scenario of the planning consoles, and saved plan versions. No Flask, no web app: the services
are called directly, as the command line would call them."""

from __future__ import annotations

import pytest
from conftest_web2 import small_scenario

from planner.domain import Placement, Plan, Scenario
from planner.store import StoredPlan, make_engine, save_plan, save_scenario, upgrade
from planner.store.testing import postgres_test_url, temporary_engine


@pytest.fixture
def scenario() -> Scenario:
    return small_scenario()


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, scenario):
    """A migrated store (accounts not needed) with the small scenario imported, on SQLite and,
    when a server is given (`scripts/with-postgres.sh`), on PostgreSQL."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'services.sqlite3'}")
        upgrade(engine)
        save_scenario(engine, scenario, actor="test")
        yield engine
        engine.dispose()
        return
    url = postgres_test_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TRELLIS_TEST_POSTGRES_URL: run through scripts/with-postgres.sh")
    with temporary_engine(url) as engine:
        upgrade(engine)
        save_scenario(engine, scenario, actor="test")
        yield engine


def saved_plan(engine, pairs: list[tuple[str, str]], created_by: str = "hr1") -> StoredPlan:
    """A draft matching plan version proposing `pairs` (person, opportunity)."""
    plan = Plan(status="OPTIMAL", placements=[Placement(person_id=p, opportunity_id=o, score=1.0) for p, o in pairs])
    return save_plan(engine, "matching", plan, created_by=created_by)


class ProgressSink:
    """What a background job hands its work to report progress: every improvement and the last
    word, kept in order (the web app's job pool writes the same calls to the database)."""

    def __init__(self) -> None:
        self.events: list = []
        self.finals: list[tuple] = []

    def __call__(self, event) -> None:
        self.events.append(event)

    def final(self, seconds, objective, bound) -> None:
        self.finals.append((seconds, objective, bound))
