"""Erasure leaves no trace and the export misses nothing (issue 10, item 7), proved by walking
the whole schema rather than the places the code knows about.

A rich store is built through the real web app: a scenario imported, the person's own account
editing their preferences and profile, a feasible matching plan with a decision on their
placement, an infeasible plan whose conflict names them (kept in `plans` and `solve_jobs`), a
crisis redeployment, an admin export. Then every table and every column of the schema (the
store's and the consoles' SQLAlchemy metadata; a table in the database but in neither fails the
test, so future tables are covered) is searched for the person's id, their name and their
account (`user:N` or its username): the export must hold every such value, and after erasure
none may remain but in the erasure's own audit record. On SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from helpers import MANAGER_TEAMS, PASSWORD, ROLE_ACCOUNTS, post, sign_in
from scenarios import small_scenario
from sqlalchemy import MetaData, select

from planner import store
from planner.domain import EqualityPolicy, PersonOpportunity
from planner.store.testing import postgres_test_url, temporary_engine
from web import create_app
from web.auth import create_account
from web.jobs import solve_jobs

SUBJECT = "P001"
SUBJECT_NAME = "Zoë Quill-Ngata"  # a distinctive name, with a letter JSON escapes on SQLite
NAMESAKE = "P002"  # another person of the same name: their record is theirs, not a mention
POLICY_FORM = {"stretch_levels": 0, "periods": 1, "time_limit_s": 3, "fairness_bands": "", "fairness_min_share": 0,
               "max_cross_organisation": "", "w_skill_fit": 3, "w_development": 4, "w_preference": 5,
               "w_network": 2, "w_diversity": 1}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def rich_engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/trellis.sqlite3"
    else:
        url = postgres_test_url()
        if url is None:
            pytest.skip("PostgreSQL tests need TRELLIS_TEST_POSTGRES_URL: run through scripts/with-postgres.sh")
    with temporary_engine(url) as engine:
        store.upgrade(engine)
        yield engine


def the_scenario(pin_to: str):
    """The consoles' scenario with the subject renamed, preferring O-TEST, pinned to `pin_to`,
    with an equality-monitoring value for everyone."""
    scenario = small_scenario("consoles")
    people = tuple(p.model_copy(update={"name": SUBJECT_NAME, "preferences": ("O-TEST",)})
                   if p.person_id == SUBJECT else
                   p.model_copy(update={"name": SUBJECT_NAME}) if p.person_id == NAMESAKE else p
                   for p in scenario.people)
    policy = scenario.policy.model_copy(update={"pinned": (PersonOpportunity(person_id=SUBJECT, opportunity_id=pin_to),),
                                                "equality": EqualityPolicy(attribute="ethnicity")})
    # Equality monitoring rows (special-category data) must go with the person too.
    monitoring = {p.person_id: {"ethnicity": "Qzmonitored"} for p in people}
    return scenario.model_copy(update={"people": people, "policy": policy, "monitoring": monitoring})


def run_job(client, app, path: str, data: dict | None = None):
    response = post(client, path, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    job_id = int(re.search(r"/(\d+)/?$", response.headers["Location"]).group(1))
    pool = app.extensions["trellis_jobs"]
    assert pool.wait(job_id, 60)
    job = pool.get(job_id)
    assert job.status == "finished", job.error
    return job


def build_rich_store(engine):
    """Every kind of row that can name the subject, made the way the app makes it."""
    store.save_scenario(engine, the_scenario(pin_to="O-TEST"), actor="hr1")
    for role, username in ROLE_ACCOUNTS.items():
        create_account(engine, username, PASSWORD, role, person_id=SUBJECT if role == "staff" else None,
                       actor="admin1", teams=MANAGER_TEAMS if role == "manager" else ())
    app = create_app({"TESTING": True, "ENGINE": engine, "SECRET_KEY": "x" * 40, "SOLVE_SLOTS": 2})

    staff = sign_in(app.test_client(), "staff")  # the subject's own account
    assert post(staff, f"/people/{SUBJECT}/preferences", {"opportunity_id": "O-TEST", "action": "remove"}).status_code == 303
    assert post(staff, f"/people/{SUBJECT}/profile", {"skill": ["driving"], "skill_level": [4]}).status_code == 303

    hr = sign_in(app.test_client(), "hr")
    feasible = run_job(hr, app, "/hr/plan/run", POLICY_FORM)
    placements = store.get_plan(engine, feasible.plan_id).result["placements"]
    assert {"person_id": SUBJECT, "opportunity_id": "O-TEST"}.items() <= next(
        p for p in placements if p["person_id"] == SUBJECT).items()
    assert post(hr, f"/hr/plans/{feasible.plan_id}/decide",
                {"person_id": SUBJECT, "opportunity_id": "O-TEST", "decision": "accepted"}).status_code == 302
    # Their own say (consent), their line manager's, and a crisis opt-out, each naming them.
    assert post(staff, f"/people/{SUBJECT}/answer", {"plan_id": feasible.plan_id, "opportunity_id": "O-TEST",
                                                     "answer": "declined", "reason": f"{SUBJECT_NAME} cares for a parent"}
                ).status_code == 303
    manager = sign_in(app.test_client(), "manager")
    assert post(manager, f"/manager/plans/{feasible.plan_id}/release",
                {"person_id": SUBJECT, "opportunity_id": "O-TEST", "decision": "refused",
                 "reason": f"{SUBJECT_NAME} is needed here"}).status_code == 303
    assert post(staff, f"/people/{SUBJECT}/crisis-opt-out",
                {"action": "opt_out", "reason": f"{SUBJECT_NAME} needs rest"}).status_code == 303

    store.save_scenario(engine, the_scenario(pin_to="O-HUB"), actor="hr1")  # own team: cannot hold
    infeasible = run_job(hr, app, "/hr/plan/run", POLICY_FORM)
    assert infeasible.result["status"] == "INFEASIBLE"
    assert any(SUBJECT in conflict for conflict in infeasible.result["conflicts"])

    emergency = sign_in(app.test_client(), "emergency")
    run_job(emergency, app, "/crisis/redeploy")

    admin = sign_in(app.test_client(), "admin")
    assert post(admin, f"/admin/people/{SUBJECT}/export").status_code == 200
    account = store.get_user_by_name(engine, ROLE_ACCOUNTS["staff"])
    return app, account


# ---------------------------------------------------------------------------------------------
# Walking the schema, independently of the code under test
# ---------------------------------------------------------------------------------------------


def schema_tables(engine) -> list:
    """Every table of the schema's metadata; fails when the database holds a table neither
    metadata describes (a future table must be described, and is then walked here)."""
    console_metadata = solve_jobs.metadata  # the consoles' tables (jobs, decisions)
    tables = {**store.metadata.tables, **{n: t for n, t in console_metadata.tables.items() if n != "plans"}}
    database = MetaData()
    database.reflect(engine)
    assert set(database.tables) - {"alembic_version"} <= set(tables), "a table the metadata does not describe"
    return [tables[name] for name in sorted(tables)]


def leaves(value: Any) -> Iterator[str]:
    """Every text in a cell: the cell itself, or each key and string inside JSON."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from leaves(item)
    elif isinstance(value, list):
        for item in value:
            yield from leaves(item)
    elif value is not None:
        yield str(value)


def naming(account_id: int, username: str):
    """Does a text name the subject: id or account number as a word, the name, the username?"""
    words = [re.compile(rf"(?<!\w){re.escape(SUBJECT)}(?!\w)"), re.compile(re.escape(SUBJECT_NAME)),
             re.compile(rf"(?<![\w-])user:{account_id}(?!\d)")]

    def names(text: str) -> bool:
        return text == username or any(word.search(text) for word in words)

    return names


def a_namesakes_own_name(table, row, text: str) -> bool:
    return table.name == "people" and row["person_id"] != SUBJECT and text == SUBJECT_NAME


def cells_naming(engine, names) -> list[tuple[str, str, dict, str]]:
    """(table, column, row, text) for every text, in every column of every table, naming them."""
    found = []
    with engine.connect() as connection:
        for table in schema_tables(engine):
            for row in connection.execute(select(table)).mappings():
                for column in table.columns:
                    for text in leaves(row[column.name]):
                        if names(text) and not a_namesakes_own_name(table, row, text):
                            found.append((table.name, column.name, dict(row), text))
    return found


# ---------------------------------------------------------------------------------------------
# The tests
# ---------------------------------------------------------------------------------------------


def test_the_export_holds_every_value_in_the_store_that_names_the_person(rich_engine):
    _app, account = build_rich_store(rich_engine)
    names = naming(account.id, account.username)
    found = cells_naming(rich_engine, names)
    tables = {table for table, *_ in found}
    # The store really is rich: the person is named in all of these.
    assert {"people", "users", "audit_log", "plans", "solve_jobs", "placement_decisions", "scenario_meta"} <= tables
    assert any(t == "plans" and "conflict" in text for t, _c, _r, text in found)
    assert any(t == "audit_log" and text == f"user:{account.id}" for t, _c, _r, text in found)

    exported = store.export_person(rich_engine, SUBJECT)
    assert NAMESAKE not in json.dumps(exported)  # nothing of the namesake's
    in_export = set(leaves(json.loads(json.dumps(exported, default=str))))
    missing = [(table, column, text) for table, column, _row, text in found if text not in in_export]
    assert missing == []
    audit_ids = {entry["id"] for entry in exported["audit"]}
    assert {row["id"] for table, _c, row, _t in found if table == "audit_log"} <= audit_ids


def test_after_erasure_nothing_in_any_table_names_the_person(rich_engine):
    app, account = build_rich_store(rich_engine)
    admin = sign_in(app.test_client(), "admin")
    response = post(admin, f"/admin/people/{SUBJECT}/delete", {"confirm": SUBJECT})
    assert response.status_code == 302

    left = cells_naming(rich_engine, naming(account.id, account.username))
    erasure_records = [row for table, _c, row, _t in left
                       if table == "audit_log" and row["action"] == "person.delete"]
    assert {row["id"] for row in erasure_records} == {store.list_audit(rich_engine, action="person.delete")[0].id}
    others = [(table, column, text) for table, column, row, text in left
              if not (table == "audit_log" and row["action"] == "person.delete")]
    assert others == []

    assert store.get_person(rich_engine, NAMESAKE).name == SUBJECT_NAME  # the namesake keeps theirs
    # What stays is still useful and pseudonymous: the audit trail keeps the person's own edits
    # under `deleted-user:N`, and the infeasible plan still says which rule failed.
    actors = {entry.actor for entry in store.list_audit(rich_engine, limit=1000)}
    assert f"deleted-user:{account.id}" in actors
    infeasible = [p for p in store.list_plans(rich_engine, "matching", with_results=True)
                  if p.result.get("status") == "INFEASIBLE"]
    assert infeasible and all(infeasible[0].result["conflicts"])
    assert any("erased-" in conflict for conflict in infeasible[0].result["conflicts"])
    # The app still works on the store: the other people's plan pages open.
    hr = sign_in(app.test_client(), "hr")
    assert hr.get(f"/hr/plans/{infeasible[0].id}").status_code == 200
