"""What only PostgreSQL shows: parallel workers isolated by schema, bulk COPY and its failures,
and the throw-away server script itself. The whole store suite
(tests/unit/test_store.py) runs on PostgreSQL too; these tests add what SQLite cannot exercise."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from planner import store
from planner.domain import Person, Scenario
from planner.store.testing import database_dump, postgres_test_url, temporary_engine

pytestmark = pytest.mark.postgres

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture
def pg_url() -> str:
    url = postgres_test_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TRELLIS_TEST_POSTGRES_URL: run through scripts/with-postgres.sh")
    return url


@pytest.fixture
def engine(pg_url):
    with temporary_engine(pg_url) as engine:
        store.upgrade(engine)
        yield engine


def scenario_of(people: int) -> Scenario:
    from test_store import small_scenario

    return small_scenario(extra_people=people)


def test_each_test_database_is_a_schema_of_its_own(pg_url):
    with temporary_engine(pg_url) as first, temporary_engine(pg_url) as second:
        store.upgrade(first)
        store.upgrade(second)
        store.save_scenario(first, scenario_of(3), actor="hr1")
        assert store.scenario_counts(first)["people"] == 7
        assert store.load_scenario(second) is None
        with first.connect() as connection:
            schema = connection.execute(text("SELECT current_schema()")).scalar()
    assert schema.startswith("trellis_test_")
    with temporary_engine(pg_url) as probe, probe.connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM information_schema.schemata WHERE schema_name = :s"),
                                  {"s": schema}).scalar()
    assert left == 0  # dropped on the way out


def test_people_are_written_with_copy_on_postgresql(engine, monkeypatch):
    psycopg = pytest.importorskip("psycopg")
    statements = []
    real_copy = psycopg.Cursor.copy

    def spy(cursor, statement, *args, **kwargs):
        statements.append(str(statement))
        return real_copy(cursor, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", spy)
    store.save_scenario(engine, scenario_of(2_000), actor="hr1")
    assert any(s.startswith('COPY "people"') or s.startswith("COPY people") for s in statements)
    assert store.load_scenario(engine) == scenario_of(2_000)


def test_a_copy_refused_part_way_through_leaves_the_previous_scenario(engine):
    store.save_scenario(engine, scenario_of(10), actor="hr1")
    before = database_dump(engine)
    good = scenario_of(5_000)
    stray = Person(person_id="X4999", name="Stray", team_id="T-nowhere", grade=1, profession="x")
    sneaky = Scenario.model_construct(**{**dict(good), "people": good.people + (stray,)})
    with pytest.raises(Exception) as refused:
        store.save_scenario(engine, sneaky, actor="hr1")
    assert "people" in str(refused.value)
    assert database_dump(engine) == before


@pytest.mark.skipif(not shutil.which("bash"), reason="needs bash")
def test_with_postgres_script_passes_the_exit_status_through_and_cleans_up(pg_url):
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        pytest.skip("PostgreSQL server binaries are not installed")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("TRELLIS_TEST_P")}
    done = subprocess.run(
        ["bash", str(REPOSITORY / "scripts" / "with-postgres.sh"), "bash", "-c",
         'echo "url=$TRELLIS_TEST_POSTGRES_URL"; echo "data=$TRELLIS_TEST_PG_DATA"; exit 7'],
        env=environment, capture_output=True, text=True, timeout=120)
    assert done.returncode == 7, done.stderr
    assert "url=postgresql+psycopg://trellis@127.0.0.1:" in done.stdout
    data = Path(done.stdout.split("data=")[1].strip())
    assert data.name.startswith("trellis-pg.") and not data.exists()  # server stopped, files removed
