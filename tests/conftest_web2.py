"""Fixtures of the planning consoles' tests (HR, crisis, network, admin): an app on its own
SQLite database migrated to head, one signed-in client per role, and a small scenario that every
rule of the contract can act on. Imported by the web2 test modules with `from conftest_web2 import *`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from planner.domain import CriticalSkill, Demand, Opportunity, Person, Policy, Scenario, Skill, Team

PASSWORD = "correct horse battery"
ROLE_ACCOUNTS = {"hr": "hr1", "emergency": "ep1", "admin": "admin1", "staff": "staff1", "manager": "mgr1"}
# The test line manager manages Children's services (P001-P004) in the small scenario.
MANAGER_TEAMS = ("T-CHILD",)
CSRF_PATTERN = re.compile(r'name="csrf_token" value="([^"]+)"')


def small_scenario() -> Scenario:
    """Four teams in two organisations, sixteen people, five opportunities and crisis demand."""
    skills = [Skill(skill_id=s, name=s.replace("-", " ").title(), category=c) for s, c in (
        ("python", "digital"), ("data-analysis", "digital"), ("social-work", "care"),
        ("planning", "place"), ("first-aid", "care"), ("driving", "logistics"))]
    teams = [
        Team(team_id="T-CHILD", name="Children's services", organisation="Northshire Council", service="Children",
             max_release_share=0.5, critical_skills=(CriticalSkill(skill="social-work", level=3, count=1),)),
        Team(team_id="T-PLAN", name="Planning", organisation="Northshire Council", service="Place",
             max_release_share=0.5),
        Team(team_id="T-DATA", name="Data and insight", organisation="Northshire NHS Trust", service="Corporate",
             max_release_share=0.5),
        Team(team_id="T-TEST", name="Testing centre", organisation="Northshire NHS Trust", service="Public health",
             max_release_share=0.5),
    ]
    people = []
    plan = [
        ("T-CHILD", "social-work", {"social-work": 4, "first-aid": 2, "driving": 3}),
        ("T-PLAN", "planning", {"planning": 4, "data-analysis": 2, "driving": 2}),
        ("T-DATA", "data", {"python": 4, "data-analysis": 4, "first-aid": 1}),
        ("T-TEST", "public-health", {"first-aid": 4, "driving": 3, "data-analysis": 1}),
    ]
    number = 0
    for team_id, profession, base in plan:
        for k in range(4):
            number += 1
            skills_of = {s: max(1, min(5, level + (k % 2) - (k // 3))) for s, level in base.items()}
            people.append(Person(
                person_id=f"P{number:03d}", name=f"Person {number}", team_id=team_id, grade=3 + k,
                profession=profession, skills=skills_of,
                aspirations={"data-analysis": 4} if k == 0 else {},
                preferences=("O-LOCAL",) if k == 1 else (),
            ))
    opportunities = [
        Opportunity(opportunity_id="O-DASH", title="Build the children's dashboard", kind="project",
                    host_team_id="T-DATA", capacity=2, required_skills={"data-analysis": 2},
                    development_skills={"data-analysis": 4}),
        Opportunity(opportunity_id="O-HUB", title="Community hub secondment", kind="secondment",
                    host_team_id="T-CHILD", capacity=1, required_skills={"first-aid": 2}),
        Opportunity(opportunity_id="O-LOCAL", title="Local plan data lead", kind="development_move",
                    host_team_id="T-PLAN", capacity=1, required_skills={"python": 3}),
        Opportunity(opportunity_id="O-TEST", title="Testing site coordinator", kind="secondment",
                    host_team_id="T-TEST", capacity=1, required_skills={"driving": 2}),
        Opportunity(opportunity_id="O-SHADOW", title="Shadow the chief planner", kind="shadowing",
                    host_team_id="T-PLAN", capacity=1, fte=0.2, required_skills={"data-analysis": 1}),
    ]
    demand = [
        Demand(team_id="T-TEST", skill="first-aid", level=2, count=2, priority=1),
        Demand(team_id="T-TEST", skill="driving", level=2, count=1, priority=2),
        Demand(team_id="T-CHILD", skill="social-work", level=5, count=1, priority=1),
    ]
    return Scenario(skills=tuple(skills), teams=tuple(teams), people=tuple(people),
                    opportunities=tuple(opportunities), demand=tuple(demand),
                    policy=Policy(time_limit_s=5, workers=1, random_seed=1))


def scenario_csv_files(scenario: Scenario, folder: Path) -> dict[str, bytes]:
    """The scenario written as the CSV files an HR system would export (name -> bytes)."""
    from planner.scenario_io import write_scenario_csv

    folder.mkdir(parents=True, exist_ok=True)
    write_scenario_csv(scenario, folder)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".csv", ".json")}


@pytest.fixture(scope="session")
def web2_seed(tmp_path_factory) -> dict[str, Path]:
    """Two migrated SQLite stores built once per run and copied for each test: `empty` (accounts
    only) and `loaded` (accounts and `small_scenario()`)."""
    from planner.store import create_user, make_engine, save_scenario, upgrade
    from web.auth import create_account, hash_password

    folder = tmp_path_factory.mktemp("web2-seed")
    paths = {}
    for name in ("empty", "loaded"):
        path = folder / f"{name}.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        if name == "loaded":
            save_scenario(engine, small_scenario(), actor="test")
        for role, username in ROLE_ACCOUNTS.items():
            if role == "manager" and name == "empty":  # no team stored yet: a manager of none
                create_user(engine, username, hash_password(PASSWORD), role, actor="test")
                continue
            create_account(engine, username, PASSWORD, role, person_id="P001" if role == "staff" else None,
                           actor="test", teams=MANAGER_TEAMS if role == "manager" else ())
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        paths[name] = path
    return paths


def _engine_from_seed(seed: Path, tmp_path: Path):
    import shutil

    from planner.store import make_engine

    path = tmp_path / "web2.sqlite3"
    shutil.copyfile(seed, path)
    return make_engine(f"sqlite:///{path}")


@pytest.fixture
def web2_engine(web2_seed, tmp_path, request):
    """The test's own store: with the small scenario, unless the test asks for `empty_store`."""
    seed = web2_seed["empty" if "empty_store" in request.fixturenames else "loaded"]
    engine = _engine_from_seed(seed, tmp_path)
    yield engine
    engine.dispose()


@pytest.fixture
def empty_store():
    """Marker fixture: the test starts with no scenario imported."""
    return True


@pytest.fixture
def web2_app(web2_engine, tmp_path):
    from web import create_app

    app = create_app({"TESTING": True, "ENGINE": web2_engine, "SECRET_KEY": "x" * 40, "SOLVE_SLOTS": 2})
    yield app
    pool = app.extensions.get("trellis_jobs")
    if pool is not None:
        for job in pool.recent(limit=50):
            pool.wait(job.id, timeout=30)


@pytest.fixture
def loaded(web2_app):
    """The app (with the small scenario stored, unless `empty_store` is requested)."""
    return web2_app


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a form on `path`."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_PATTERN.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, role: str):
    """Sign the client in with the test account of `role`; returns the client."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": ROLE_ACCOUNTS[role],
                                           "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def post(client, path: str, data: dict | None = None, **kwargs):
    """POST with the session's CSRF token (taken from a page the signed-in client can see)."""
    token = csrf_token(client, kwargs.pop("token_from", "/login"))
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


@pytest.fixture
def as_role(loaded):
    """`as_role("hr")` -> a test client signed in with that role (the scenario is loaded)."""

    def make(role: str):
        return sign_in(loaded.test_client(), role)

    return make


@pytest.fixture
def web2_live_server(loaded):
    """The consoles' app (small scenario, one account per role) over HTTP on loopback."""
    from conftest import serve_in_thread

    yield from serve_in_thread(loaded)


def browser_sign_in(page, base_url: str, role: str) -> None:
    """Sign in through the real form as the test account of `role`."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Account name").fill(ROLE_ACCOUNTS[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
