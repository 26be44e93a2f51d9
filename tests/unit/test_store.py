"""The store: migrations, all-or-nothing import, one person's data (read, correct, export,
erase), accounts, audit trail and plans.

Every test runs on SQLite and, when TRELLIS_TEST_POSTGRES_URL is set (scripts/with-postgres.sh),
again on PostgreSQL, each in its own throw-away schema so parallel workers never collide."""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import threading
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import JSON, Column, Integer, MetaData, String, Table, inspect, select, text
from sqlalchemy.exc import IntegrityError

from planner import store
from planner.cli import main
from planner.domain import (
    CriticalSkill,
    Demand,
    Opportunity,
    Person,
    PersonOpportunity,
    Placement,
    Plan,
    Policy,
    Scenario,
    ScenarioError,
    Skill,
    Team,
)
from planner.scenario_io import read_scenario, write_scenario_csv
from planner.store import scenario as scenario_module
from planner.store.engine import alembic_config, write_transaction
from planner.store.tables import people as people_table
from planner.store.testing import database_dump, postgres_test_url, temporary_engine

NO_POSTGRES = "PostgreSQL tests need TRELLIS_TEST_POSTGRES_URL: run through scripts/with-postgres.sh"


def database_for(backend: str, tmp_path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/trellis.sqlite3"
    url = postgres_test_url()
    if url is None:
        pytest.skip(NO_POSTGRES)
    return url


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory):
    """One SQLite file migrated to the newest revision, copied for each test (faster than
    migrating every time)."""
    path = tmp_path_factory.mktemp("template") / "trellis.sqlite3"
    engine = store.make_engine(f"sqlite:///{path}")
    store.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request, tmp_path, migrated_sqlite_file):
    """An empty store at the newest schema revision, on each backend."""
    if request.param == "sqlite":
        shutil.copyfile(migrated_sqlite_file, tmp_path / "trellis.sqlite3")
        with temporary_engine(database_for("sqlite", tmp_path)) as engine:
            yield engine
        return
    with temporary_engine(database_for(request.param, tmp_path)) as engine:
        store.upgrade(engine)
        yield engine


def engine_url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def small_scenario(extra_people: int = 0, note: str = "") -> Scenario:
    """Two organisations, three teams, four people (plus `extra_people`), two opportunities."""
    people = [
        Person(person_id="P1", name="Ada Lovelace", team_id="T-social", grade=6, profession="social-work",
               skills={"safeguarding": 4, "data": 2}, aspirations={"data": 4}, preferences=("O-data", "O-cover"),
               must_practise=0.4),
        Person(person_id="P2", name="Bo Chen", team_id="T-data", grade=5, profession="analysis",
               skills={"data": 5}, preferences=("O-cover",), fte=0.8),
        Person(person_id="P3", name="Cy Okafor", team_id="T-plan", grade=7, profession="planning",
               skills={"planning": 4, "safeguarding": 1}, available=False,
               last_redeployed=date(2026, 3, 1)),
        Person(person_id="P4", name="Dee Patel", team_id="T-social", grade=4, profession="social-work",
               skills={"safeguarding": 3}),
    ]
    people += [Person(person_id=f"X{i}", name=f"Extra {i}", team_id="T-plan", grade=3, profession="planning")
               for i in range(extra_people)]
    return Scenario(
        skills=(Skill(skill_id="safeguarding", name="Safeguarding", category="care"),
                Skill(skill_id="data", name="Data analysis"),
                Skill(skill_id="planning", name="Town planning" + note, category="place")),
        teams=(Team(team_id="T-social", name="Children's social work", organisation="Council",
                    service="Children", max_release_share=0.5, min_staff=1,
                    critical_skills=(CriticalSkill(skill="safeguarding", level=3, count=1),)),
               Team(team_id="T-data", name="Insight", organisation="NHS trust", status="critical"),
               Team(team_id="T-plan", name="Planning", organisation="Council", status="paused")),
        people=tuple(people),
        opportunities=(
            Opportunity(opportunity_id="O-data", title="Data secondment", kind="secondment",
                        host_team_id="T-data", capacity=2, fte=0.6, required_skills={"data": 2},
                        development_skills={"data": 4}, grade_min=4, grade_max=8, profession="analysis",
                        start=date(2026, 1, 5), end=date(2026, 6, 30)),
            Opportunity(opportunity_id="O-cover", title="Safeguarding cover", kind="project",
                        host_team_id="T-social", required_skills={"safeguarding": 3}),
        ),
        demand=(Demand(team_id="T-social", skill="safeguarding", level=3, count=2, priority=1),
                Demand(team_id="T-data", skill="data", level=2, count=1, priority=2)),
        policy=Policy(stretch_levels=1, time_limit_s=5, pinned=(PersonOpportunity(person_id="P1", opportunity_id="O-data"),),
                      forbidden=(PersonOpportunity(person_id="P2", opportunity_id="O-cover"),)),
    )


def audit_text(engine) -> str:
    return "\n".join(f"{a.actor} {a.action} {a.target} {a.detail}" for a in store.list_audit(engine, limit=1000))


# ---------------------------------------------------------------------------------------------
# Engine and schema
# ---------------------------------------------------------------------------------------------


def test_upgrade_brings_an_empty_database_to_the_newest_revision_and_is_safe_to_repeat(engine):
    assert store.current_revision(engine) == store.head_revision()
    before = database_dump(engine)
    assert store.upgrade(engine) == store.head_revision()
    assert database_dump(engine) == before


def test_migration_0001_creates_exactly_the_store_tables(engine):
    mine = set(store.metadata.tables)

    def only_store_tables(obj, name, type_, reflected, compare_to):
        table = obj if type_ == "table" else getattr(obj, "table", None)
        return (table.name if table is not None else name) in mine

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": only_store_tables,
                                                               "compare_type": True})
        assert compare_metadata(context, store.metadata) == []
    assert mine <= set(inspect(engine).get_table_names())


def test_default_database_is_a_sqlite_file_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(store.DATABASE_URL_ENV, raising=False)
    engine = store.make_engine()
    try:
        store.upgrade(engine)
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
    assert (tmp_path / "instance" / "trellis.sqlite3").is_file()


def test_database_url_comes_from_the_argument_then_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(store.DATABASE_URL_ENV, f"sqlite:///{tmp_path}/from-env.sqlite3")
    assert store.database_url() == f"sqlite:///{tmp_path}/from-env.sqlite3"
    assert store.database_url("sqlite:///given.sqlite3") == "sqlite:///given.sqlite3"


def test_a_plain_postgresql_url_uses_the_installed_psycopg_driver():
    for url in ("postgresql://trellis@127.0.0.1/trellis", "postgres://trellis@127.0.0.1/trellis"):
        engine = store.make_engine(url)
        assert engine.url.drivername == "postgresql+psycopg"
        engine.dispose()


def test_sqlite_refuses_a_person_in_a_team_that_does_not_exist(tmp_path):
    engine = store.make_engine(f"sqlite:///{tmp_path}/fk.sqlite3")
    try:
        store.upgrade(engine)
        with pytest.raises(Exception, match="FOREIGN KEY"), engine.begin() as connection:
            connection.execute(people_table.insert().values(
                person_id="P", position=0, name="N", team_id="nowhere", grade=1, profession="x",
                fte=1, skills={}, aspirations={}, preferences=[], must_practise=0, available=True))
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------------------------
# The scenario: saved whole, read back unchanged
# ---------------------------------------------------------------------------------------------


def test_nothing_is_loaded_before_the_first_import(engine):
    assert store.load_scenario(engine) is None
    assert store.scenario_revision(engine) == 0
    assert store.scenario_counts(engine) == {"skills": 0, "teams": 0, "people": 0, "opportunities": 0, "demand": 0}


def test_a_saved_scenario_reads_back_exactly_as_it_was_saved(engine):
    scenario = small_scenario()
    counts = store.save_scenario(engine, scenario, actor="hr1")
    assert counts == {"skills": 3, "teams": 3, "people": 4, "opportunities": 2, "demand": 2}
    assert store.load_scenario(engine) == scenario
    assert store.scenario_counts(engine) == counts
    assert store.load_policy(engine) == scenario.policy


def regional_scenario() -> Scenario:
    """The small scenario with two teams in regions and one remote opportunity."""
    base = small_scenario().model_dump()
    base["teams"][0]["region"] = "North East"
    base["teams"][1]["region"] = "London"
    base["opportunities"][0]["remote"] = True
    return Scenario.model_validate(base)


def test_team_regions_and_remote_opportunities_survive_save_export_and_import(engine, tmp_path):
    scenario = regional_scenario()
    store.save_scenario(engine, scenario, actor="hr1")
    assert store.load_scenario(engine) == scenario
    for out in (tmp_path / "exported", tmp_path / "exported.json"):
        assert run("export-scenario", str(out), "--database-url", engine_url(engine)).exit_code == 0
        assert read_scenario(out).scenario == scenario
    store.save_scenario(engine, small_scenario(), actor="hr1")
    result = run("import", str(tmp_path / "exported"), "--database-url", engine_url(engine), "--actor", "hr1")
    assert result.exit_code == 0, result.output
    assert store.load_scenario(engine) == scenario


def test_migration_0010_reads_stored_teams_as_without_region_and_downgrades(engine):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    config = alembic_config()
    with write_transaction(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0009_profiles")
    assert "region" not in {c["name"] for c in inspect(engine).get_columns("teams")}
    assert "remote" not in {c["name"] for c in inspect(engine).get_columns("opportunities")}
    assert store.upgrade(engine) == store.head_revision() == "0010_regions"
    assert store.load_scenario(engine) == small_scenario()  # no region, nothing remote


def test_text_with_tabs_newlines_backslashes_quotes_and_accents_survives_the_round_trip(engine):
    awkward = 'Zoë "Z" O\'Brien\twith\\back\nslash, 北京 \\N'
    scenario = small_scenario(note=awkward)
    base = scenario.model_dump()
    base["people"][0]["name"] = awkward
    scenario = Scenario.model_validate(base)
    store.save_scenario(engine, scenario, actor="hr1")
    loaded = store.load_scenario(engine)
    assert loaded.people[0].name == awkward
    assert loaded.skills[2].name == "Town planning" + awkward


def test_an_import_replaces_the_previous_scenario_and_keeps_accounts_and_plans(engine):
    store.save_scenario(engine, small_scenario(extra_people=5), actor="hr1")
    store.create_user(engine, "hr1", "hash", "hr", actor="admin")
    store.save_plan(engine, "matching", Plan(status="OPTIMAL"), created_by="hr1")
    smaller = small_scenario()
    store.save_scenario(engine, smaller, actor="hr1")
    assert store.load_scenario(engine) == smaller
    assert store.get_user_by_name(engine, "hr1") is not None
    assert len(store.list_plans(engine)) == 1


def test_each_import_is_audited_with_counts_and_never_names(engine):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    [entry] = store.list_audit(engine, action="scenario.import")
    assert (entry.actor, entry.target) == ("hr1", "scenario")
    assert "people=4" in entry.detail
    assert "Ada" not in audit_text(engine)


def test_a_failure_half_way_through_writing_leaves_the_previous_scenario_untouched(engine, monkeypatch):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    before = database_dump(engine)
    real_insert = scenario_module.bulk_insert

    def fail_on_opportunities(connection, table, rows):
        if table.name == "opportunities":
            raise RuntimeError("disk full while writing opportunities")
        real_insert(connection, table, rows)  # skills, teams and people are already written

    monkeypatch.setattr(scenario_module, "bulk_insert", fail_on_opportunities)
    with pytest.raises(RuntimeError, match="disk full"):
        store.save_scenario(engine, small_scenario(extra_people=50), actor="intruder")
    assert database_dump(engine) == before
    assert store.load_scenario(engine) == small_scenario()


def test_a_scenario_the_database_rejects_part_way_leaves_the_previous_one_untouched(engine):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    before = database_dump(engine)
    good = small_scenario(extra_people=500)
    # A duplicate id that slipped past validation: the database refuses it while writing people.
    sneaky = Scenario.model_construct(**{**dict(good), "people": good.people + (good.people[-1],)})
    with pytest.raises(IntegrityError):
        store.save_scenario(engine, sneaky, actor="hr1")
    assert database_dump(engine) == before


def test_a_reader_sees_the_old_or_the_new_scenario_never_a_mixture(engine, monkeypatch):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    loaded = []
    real_insert = scenario_module.bulk_insert
    in_the_middle = threading.Event()
    may_finish = threading.Event()

    def slow_insert(connection, table, rows):
        real_insert(connection, table, rows)
        if table.name == "people":
            in_the_middle.set()
            may_finish.wait(10)

    monkeypatch.setattr(scenario_module, "bulk_insert", slow_insert)
    writer = threading.Thread(target=store.save_scenario, args=(engine, small_scenario(extra_people=50)), kwargs={"actor": "hr1"})
    writer.start()
    assert in_the_middle.wait(10)
    loaded.append(store.load_scenario(engine))  # while the import is half-written
    may_finish.set()
    writer.join(10)
    loaded.append(store.load_scenario(engine))
    assert [len(s.people) for s in loaded] == [4, 54]


def test_the_revision_grows_with_every_change_to_the_scenario(engine):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    first = store.scenario_revision(engine)
    store.update_person(engine, "P1", skills={"data": 3}, actor="hr1")
    second = store.scenario_revision(engine)
    store.delete_person(engine, "P4", actor="hr1")
    third = store.scenario_revision(engine)
    store.save_scenario(engine, small_scenario(), actor="hr1")
    assert first < second < third < store.scenario_revision(engine)


# ---------------------------------------------------------------------------------------------
# One person: read and correct
# ---------------------------------------------------------------------------------------------


def test_a_person_is_read_by_id_and_an_unknown_id_gives_none(engine):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    assert store.get_person(engine, "P2") == small_scenario().person_by_id["P2"]
    assert store.get_person(engine, "nobody") is None
    assert [p.person_id for p in store.list_people(engine, team_id="T-social")] == ["P1", "P4"]


def test_updating_a_person_changes_only_the_fields_given_and_audits_field_names_not_values(engine):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    updated = store.update_person(engine, "P1", skills={"safeguarding": 5}, preferences=["O-cover"], actor="P1-user")
    assert updated.skills == {"safeguarding": 5}
    assert updated.preferences == ("O-cover",)
    assert updated.aspirations == {"data": 4}
    assert store.get_person(engine, "P1") == updated
    [entry] = store.list_audit(engine, action="person.update")
    assert (entry.actor, entry.target, entry.detail) == ("P1-user", "person:P1", "changed: preferences, skills")


@pytest.mark.parametrize("change, message", [
    ({"skills": {"safegaurding": 3}}, "did you mean 'safeguarding'?"),
    ({"aspirations": {"data": 9}}, "less than or equal to 5"),
    ({"preferences": ["O-cover", "O-nowhere"]}, "unknown opportunity 'O-nowhere'"),
    ({"preferences": ["O-cover", "O-cover"]}, "appears twice"),
])
def test_an_invalid_correction_is_refused_with_the_problem_and_changes_nothing(engine, change, message):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    before = database_dump(engine)
    with pytest.raises(ScenarioError) as refused:
        store.update_person(engine, "P1", actor="hr1", **change)
    assert message in str(refused.value)
    assert database_dump(engine) == before


def test_updating_an_unknown_person_is_not_found(engine):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    with pytest.raises(store.NotFound):
        store.update_person(engine, "nobody", skills={}, actor="hr1")


# ---------------------------------------------------------------------------------------------
# One person: export and erasure
# ---------------------------------------------------------------------------------------------


def plan_with(person_ids: list[str]) -> Plan:
    return Plan(status="OPTIMAL", objective=10, placements=[
        Placement(person_id=p, opportunity_id="O-data", explanation="fits") for p in person_ids],
        unplaced={"P3": "not available"})


def person_everywhere(engine) -> dict:
    """P1 in the scenario, the policy, two plans, a user account and the audit trail; P2 beside."""
    store.save_scenario(engine, small_scenario(), actor="hr1")
    plan_a = store.save_plan(engine, "matching", plan_with(["P1", "P2"]), created_by="hr1",
                             policy=small_scenario().policy)
    plan_b = store.save_plan(engine, "redeploy", {"moves": [{"person_id": "P1", "to_team_id": "T-data"}]},
                             created_by="hr1")
    account = store.create_user(engine, "ada", "argon2-hash", "staff", person_id="P1", actor="admin")
    store.record_audit(engine, "ada", "pathways.view", "person:P1")
    return {"plans": (plan_a, plan_b), "account": account}


def test_export_holds_everything_about_the_person_and_nothing_about_others(engine):
    person_everywhere(engine)
    exported = store.export_person(engine, "P1")
    json.dumps(exported)  # JSON-ready as it is
    assert exported["person"]["name"] == "Ada Lovelace"
    assert exported["team"]["team_id"] == "T-social"
    assert exported["policy_entries"] == [{"person_id": "P1", "opportunity_id": "O-data"}]
    assert [a["username"] for a in exported["user_accounts"]] == ["ada"]
    assert "password_hash" not in json.dumps(exported) and "argon2-hash" not in json.dumps(exported)
    entries = [e for plan in exported["plans"] for e in plan["entries"]]
    assert {e["person_id"] for e in entries} == {"P1"}
    assert len(entries) == 3  # a placement, a redeployment move, a pinned move in the plan's policy
    assert {(a["actor"], a["action"]) for a in exported["audit"]} >= {("ada", "pathways.view"), ("admin", "user.create")}
    assert "P2" not in json.dumps(exported["plans"]) and "Bo Chen" not in json.dumps(exported)


def test_export_of_someone_the_store_does_not_hold_is_not_found(engine):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    with pytest.raises(store.NotFound):
        store.export_person(engine, "nobody")


def test_deleting_a_person_removes_them_everywhere_and_audits_who_did_it(engine):
    made = person_everywhere(engine)
    removed = store.delete_person(engine, "P1", actor="dpo")
    assert removed == {"person": 1, "policy_entries": 1, "plan_entries": 3, "user_accounts": 1, "other_records": 0,
                       "audit_rows": 2}  # their own view, their account's creation: pseudonymised
    assert store.get_person(engine, "P1") is None
    assert store.get_user_by_name(engine, "ada") is None
    scenario = store.load_scenario(engine)  # still a valid scenario without them
    assert "P1" not in scenario.person_by_id and scenario.policy.pinned == ()
    for plan in made["plans"]:
        stored = store.get_plan(engine, plan.id)
        assert "P1" not in json.dumps(stored.result) + json.dumps(stored.policy)
    matching = store.get_plan(engine, made["plans"][0].id).result
    assert [p["person_id"] for p in matching["placements"]] == ["P2"]
    assert matching["unplaced"] == {"P3": "not available"}
    [entry] = store.list_audit(engine, action="person.delete")
    assert (entry.actor, entry.target) == ("dpo", "person:P1")
    assert "ada" not in audit_text(engine).split()  # their username no longer names them
    with pytest.raises(store.NotFound):
        store.export_person(engine, "P1")


def test_deleting_a_person_also_clears_tables_added_by_later_migrations(engine):
    extra = MetaData()
    decisions = Table("test_decisions", extra, Column("id", Integer, primary_key=True),
                      Column("person_id", String(50)), Column("decision", String(20)))
    jobs = Table("test_jobs", extra, Column("id", Integer, primary_key=True), Column("request", JSON))
    extra.create_all(engine)
    with engine.begin() as connection:
        connection.execute(decisions.insert(), [{"person_id": "P1", "decision": "accepted"},
                                                {"person_id": "P2", "decision": "rejected"}])
        connection.execute(jobs.insert(), [{"request": {"pinned": [{"person_id": "P1", "opportunity_id": "O"}]}}])
    store.save_scenario(engine, small_scenario(), actor="hr1")
    exported = store.export_person(engine, "P1")
    assert exported["other_records"]["test_decisions"][0]["decision"] == "accepted"
    assert exported["other_records"]["test_jobs"][0]["entries"] == [{"person_id": "P1", "opportunity_id": "O"}]
    assert store.delete_person(engine, "P1", actor="dpo")["other_records"] == 2
    with engine.connect() as connection:
        assert connection.execute(select(decisions.c.person_id)).scalars().all() == ["P2"]
        assert connection.execute(select(jobs.c.request)).scalar_one() == {"pinned": []}


def test_deleting_someone_the_store_does_not_hold_is_not_found_and_changes_nothing(engine):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    before = database_dump(engine)
    with pytest.raises(store.NotFound):
        store.delete_person(engine, "nobody", actor="dpo")
    assert database_dump(engine) == before


# ---------------------------------------------------------------------------------------------
# Accounts
# ---------------------------------------------------------------------------------------------


def test_an_account_is_created_once_per_username_with_a_known_role(engine):
    user = store.create_user(engine, "hr1", "hash", "hr", actor="admin")
    assert (user.username, user.role, user.session_version, user.failed_logins) == ("hr1", "hr", 1, 0)
    assert store.get_user(engine, user.id) == user == store.get_user_by_name(engine, "hr1")
    with pytest.raises(store.UsernameTaken):
        store.create_user(engine, "hr1", "other", "staff", actor="admin")
    with pytest.raises(ValueError, match="unknown role"):
        store.create_user(engine, "boss", "hash", "superuser", actor="admin")
    assert [u.username for u in store.list_users(engine)] == ["hr1"]


def test_repeated_failed_sign_ins_lock_the_account_and_a_success_clears_the_count(engine):
    user = store.create_user(engine, "staff1", "hash", "staff", actor="admin")
    for _ in range(4):
        user = store.record_failed_login(engine, user.id)
    assert user.failed_logins == 4 and not user.is_locked()
    user = store.record_failed_login(engine, user.id)
    assert user.is_locked()
    assert not user.is_locked(now=user.locked_until + timedelta(seconds=1))
    user = store.record_successful_login(engine, user.id)
    assert (user.failed_logins, user.locked_until) == (0, None)


def test_a_new_password_or_role_signs_the_user_out_everywhere(engine):
    user = store.create_user(engine, "staff1", "hash", "staff", actor="admin")
    assert store.set_password_hash(engine, user.id, "new-hash", actor="staff1").session_version == 2
    assert store.set_role(engine, user.id, "hr", actor="admin").session_version == 3
    assert store.bump_session_version(engine, user.id) == 4
    with pytest.raises(ValueError):
        store.set_role(engine, user.id, "root", actor="admin")


def test_an_account_is_linked_to_a_person_and_can_be_deleted(engine):
    user = store.create_user(engine, "staff1", "hash", "staff", actor="admin")
    assert store.link_person(engine, user.id, "P2", actor="admin").person_id == "P2"
    assert [u.id for u in store.users_for_person(engine, "P2")] == [user.id]
    assert store.delete_user(engine, user.id, actor="admin") is True
    assert store.delete_user(engine, user.id, actor="admin") is False
    with pytest.raises(store.NotFound):
        store.set_role(engine, user.id, "hr", actor="admin")


# ---------------------------------------------------------------------------------------------
# Audit trail and plans
# ---------------------------------------------------------------------------------------------


def test_the_audit_trail_lists_newest_first_and_filters(engine):
    store.record_audit(engine, "hr1", "plan.view", "plan:1")
    store.record_audit(engine, "hr2", "person.export", "person:P1", "format=json")
    assert [a.actor for a in store.list_audit(engine)] == ["hr2", "hr1"]
    assert [a.action for a in store.list_audit(engine, target="person:P1")] == ["person.export"]
    assert [a.target for a in store.list_audit(engine, actor="hr1")] == ["plan:1"]
    assert store.list_audit(engine, limit=1)[0].actor == "hr2"


def test_plans_are_numbered_versions_per_kind(engine):
    first = store.save_plan(engine, "matching", Plan(status="OPTIMAL"), created_by="hr1")
    crisis = store.save_plan(engine, "redeploy", {"covered": 3}, created_by="em1")
    second = store.save_plan(engine, "matching", Plan(status="FEASIBLE", gap=0.1), created_by="hr1",
                             policy=Policy(stretch_levels=1))
    assert (first.version, second.version, crisis.version) == (1, 2, 1)
    assert second.result["gap"] == 0.1 and second.policy["stretch_levels"] == 1
    assert store.latest_plan(engine, "matching").id == second.id
    listed = store.list_plans(engine, "matching")
    assert [p.version for p in listed] == [2, 1] and listed[0].result is None
    assert store.list_plans(engine, with_results=True)[0].result is not None
    with pytest.raises(ValueError, match="unknown plan kind"):
        store.save_plan(engine, "rota", {}, created_by="hr1")


def test_plans_saved_at_the_same_moment_get_distinct_versions_without_lock_errors(engine):
    errors = []

    def save():
        try:
            store.save_plan(engine, "matching", Plan(status="OPTIMAL"), created_by="hr1")
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=save) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert sorted(p.version for p in store.list_plans(engine, "matching")) == [1, 2, 3, 4, 5, 6]


def test_a_plan_is_approved_only_by_a_named_person_and_only_once(engine):
    plan = store.save_plan(engine, "matching", Plan(status="OPTIMAL"), created_by="hr1")
    with pytest.raises(ValueError, match="named person"):
        store.approve_plan(engine, plan.id, "  ")
    approved = store.approve_plan(engine, plan.id, "head-of-hr")
    assert (approved.status, approved.approved_by) == ("approved", "head-of-hr")
    assert approved.approved_at is not None
    with pytest.raises(ValueError, match="already approved"):
        store.reject_plan(engine, plan.id, "someone")
    assert store.latest_plan(engine, "matching", status="approved").id == plan.id
    assert ("head-of-hr", "plan.approve") in {(a.actor, a.action) for a in store.list_audit(engine)}
    with pytest.raises(store.NotFound):
        store.approve_plan(engine, 999, "head-of-hr")


# ---------------------------------------------------------------------------------------------
# Command line: trellis import, export-scenario, db
# ---------------------------------------------------------------------------------------------


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_trellis_import_stores_a_csv_folder(engine, tmp_path):
    folder = tmp_path / "scenario"
    write_scenario_csv(small_scenario(), folder)
    result = run("import", str(folder), "--database-url", engine_url(engine), "--actor", "hr1")
    assert result.exit_code == 0, result.output
    assert "Imported 3 skills, 3 teams, 4 people, 2 opportunities, 2 demand" in result.output
    assert store.load_scenario(engine) == small_scenario()


def sqlite_file_hashes(engine) -> dict[str, str]:
    """SHA-256 of the SQLite database file and its write-ahead log ({} on PostgreSQL)."""
    if engine.dialect.name != "sqlite":
        return {}
    path = Path(engine.url.database)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in (path, path.with_name(path.name + "-wal")) if p.exists()}


def broken_copy(tmp_path):
    """The small scenario's CSV folder with three mistakes in two files."""
    folder = tmp_path / "broken"
    write_scenario_csv(small_scenario(extra_people=20), folder)
    people_csv = (folder / "people.csv").read_text(encoding="utf-8")
    people_csv = people_csv.replace("T-data", "T-dtaa", 1).replace("X5,", "X4,", 1)
    (folder / "people.csv").write_text(people_csv, encoding="utf-8")
    teams_csv = (folder / "teams.csv").read_text(encoding="utf-8").replace("0.5", "1.5", 1)
    (folder / "teams.csv").write_text(teams_csv, encoding="utf-8")
    return folder


def test_a_failing_import_lists_every_problem_exits_2_and_leaves_the_database_as_it_was(engine, tmp_path):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    before = database_dump(engine)
    files_before = sqlite_file_hashes(engine)
    result = run("import", str(broken_copy(tmp_path)), "--database-url", engine_url(engine))
    assert result.exit_code == 2
    assert "T-dtaa" in result.output and "did you mean 'T-data'" in result.output
    assert "duplicate id" in result.output
    assert "teams.csv" in result.output and "max_release_share" in result.output
    assert "Nothing was imported" in result.output
    assert database_dump(engine) == before
    assert sqlite_file_hashes(engine) == files_before  # not a byte of the SQLite files changed


def test_a_database_failure_during_import_exits_2_and_leaves_the_database_as_it_was(engine, tmp_path, monkeypatch):
    folder = tmp_path / "scenario"
    write_scenario_csv(small_scenario(extra_people=30), folder)
    store.save_scenario(engine, small_scenario(), actor="hr1")
    before = database_dump(engine)
    real_insert = scenario_module.bulk_insert

    def people_break_the_demand_table(connection, table, rows):
        if table.name == "demand":  # every other table is written by now
            rows = [(rows[0][0], "no-such-team", *rows[0][2:])]
        real_insert(connection, table, rows)

    monkeypatch.setattr(scenario_module, "bulk_insert", people_break_the_demand_table)
    result = run("import", str(folder), "--database-url", engine_url(engine))
    assert result.exit_code == 2
    assert "refused the import" in result.output and "the database is unchanged" in result.output
    assert database_dump(engine) == before


def test_a_failing_import_into_a_new_database_creates_nothing(tmp_path):
    target = tmp_path / "fresh.sqlite3"
    result = run("import", str(broken_copy(tmp_path)), "--database-url", f"sqlite:///{target}")
    assert result.exit_code == 2
    assert not target.exists() or sqlite3.connect(target).execute(
        "SELECT count(*) FROM sqlite_master").fetchone() == (0,)


def test_export_scenario_round_trips_through_import(engine, tmp_path):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    out = tmp_path / "out.json"
    assert run("export-scenario", str(out), "--database-url", engine_url(engine)).exit_code == 0
    folder = tmp_path / "out-csv"
    assert run("export-scenario", str(folder), "--database-url", engine_url(engine)).exit_code == 0
    for source in (out, folder):
        store.save_scenario(engine, Scenario(teams=small_scenario().teams[:1], people=()), actor="x")
        assert run("import", str(source), "--database-url", engine_url(engine)).exit_code == 0
        assert store.load_scenario(engine) == small_scenario()


def test_db_upgrade_and_status_on_a_new_database(tmp_path):
    url = f"sqlite:///{tmp_path}/new.sqlite3"
    first = run("db", "upgrade", "--database-url", url)
    assert f"to {store.head_revision()}" in first.output
    assert "already at revision" in run("db", "upgrade", "--database-url", url).output
    status = run("db", "status", "--database-url", url)
    assert "scenario: none imported" in status.output
    assert "holds no scenario" in run("export-scenario", str(tmp_path / "x"), "--database-url", url).output


def test_db_status_shows_the_imported_counts(engine):
    store.save_scenario(engine, small_scenario(), actor="hr1")
    output = run("db", "status", "--database-url", engine_url(engine)).output
    assert "people: 4" in output and "by hr1" in output


def test_the_cli_reads_the_database_url_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv(store.DATABASE_URL_ENV, f"sqlite:///{tmp_path}/env.sqlite3")
    assert run("db", "upgrade").exit_code == 0
    assert (tmp_path / "env.sqlite3").is_file()


def test_dumps_differ_when_the_database_differs(engine):
    """The before/after comparisons above can fail: a single changed cell changes the dump."""
    store.save_scenario(engine, small_scenario(), actor="hr1")
    before = database_dump(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE people SET grade = grade + 1 WHERE person_id = 'P4'"))
    assert database_dump(engine) != before


def test_an_unreachable_database_is_a_message_not_a_traceback():
    result = CliRunner().invoke(main, ["db", "status", "--database-url", "postgresql://nobody@127.0.0.1:1/trellis"])
    assert result.exit_code == 2
    assert "cannot connect to the store postgresql://nobody@127.0.0.1:1/trellis" in result.output
    assert "Traceback" not in result.output
