"""Shared fixtures for the web app's tests (and anyone else's).

- `small_scenario()` / `scenario`: a tiny, readable scenario (6 people, 4 organisations' teams,
  6 opportunities) whose eligibility outcomes are easy to reason about.
- `app`: the Flask app on a throw-away SQLite store holding that scenario and one account per
  role (`ACCOUNTS`); `client`: its test client; `auth`: sign in / sign out with real CSRF tokens.
- `live_server`: the same app served over HTTP on loopback in a thread; `browser` / `page`:
  Debian's headless Chromium driven by Playwright (tests using them are marked `browser`).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from planner.domain import Opportunity, Person, Scenario, Skill, Team

CHROMIUM = os.environ.get("TRELLIS_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parent.parent / "test-artefacts"


# ---------------------------------------------------------------------------------------------
# A small scenario
# ---------------------------------------------------------------------------------------------


def small_scenario() -> Scenario:
    """Six people in five teams of three organisations, six opportunities of every kind.

    Alice (P1, social work, grade 5, Adult Social Care) holds data-analysis 2 and wants gis:
    she can take the data secondment (O1) and the gis shadowing (O3), is one level short in gis
    for the mapping project (O2), and may step up to the senior social worker role (O4)."""
    skills = [
        Skill(skill_id="data-analysis", name="Data analysis", category="digital"),
        Skill(skill_id="gis", name="GIS mapping", category="digital"),
        Skill(skill_id="python", name="Python", category="digital"),
        Skill(skill_id="safeguarding", name="Safeguarding", category="practice"),
        Skill(skill_id="project-management", name="Project management", category="leadership"),
        Skill(skill_id="community-engagement", name="Community engagement", category="practice"),
    ]
    teams = [
        Team(team_id="T-ASC", name="Adult Social Care", organisation="Northshire Council", max_release_share=0.5),
        Team(team_id="T-CS", name="Children's Services", organisation="Northshire Council", max_release_share=0.5),
        Team(team_id="T-DATA", name="Data Team", organisation="Northshire Council", max_release_share=0.5),
        Team(team_id="T-GIS", name="Mapping Unit", organisation="Northshire NHS Trust", max_release_share=0.5),
        Team(team_id="T-PH", name="Public Health", organisation="Riverside Community Trust", max_release_share=0.5),
    ]
    people = [
        Person(person_id="P1", name="Alice Ashby", team_id="T-ASC", grade=5, profession="social work",
               skills={"safeguarding": 4, "data-analysis": 2}, aspirations={"data-analysis": 3, "gis": 2}),
        Person(person_id="P2", name="Bilal Brook", team_id="T-DATA", grade=6, profession="analyst",
               skills={"data-analysis": 4, "python": 3}, aspirations={"gis": 3}, preferences=("O2",)),
        Person(person_id="P3", name="Chen Carter", team_id="T-GIS", grade=5, profession="analyst",
               skills={"gis": 3, "python": 2}),
        Person(person_id="P4", name="Dana Dale", team_id="T-PH", grade=7, profession="public health",
               skills={"project-management": 4, "community-engagement": 3}),
        Person(person_id="P5", name="Eve Ellis", team_id="T-DATA", grade=4, profession="analyst",
               skills={"data-analysis": 2}),
        Person(person_id="P6", name="Femi Fox", team_id="T-CS", grade=6, profession="social work",
               skills={"safeguarding": 3, "community-engagement": 2}),
    ]
    opportunities = [
        Opportunity(opportunity_id="O1", title="Data analysis secondment", kind="secondment", host_team_id="T-DATA",
                    fte=0.6, required_skills={"data-analysis": 2}, development_skills={"data-analysis": 3}),
        Opportunity(opportunity_id="O2", title="GIS mapping project", kind="project", host_team_id="T-GIS",
                    fte=0.4, required_skills={"gis": 2}, development_skills={"gis": 3}),
        Opportunity(opportunity_id="O3", title="Introduction to GIS shadowing", kind="shadowing", host_team_id="T-GIS",
                    fte=0.1, development_skills={"gis": 2}),
        Opportunity(opportunity_id="O4", title="Senior social worker", kind="role", host_team_id="T-CS",
                    grade_min=5, grade_max=6, profession="social work", required_skills={"safeguarding": 3}),
        Opportunity(opportunity_id="O5", title="Public health data project", kind="project", host_team_id="T-PH",
                    fte=0.5, required_skills={"data-analysis": 3, "python": 2},
                    development_skills={"python": 3, "data-analysis": 4}),
        Opportunity(opportunity_id="O6", title="Community engagement development move", kind="development_move",
                    host_team_id="T-PH", required_skills={"community-engagement": 2},
                    development_skills={"community-engagement": 3, "project-management": 2}),
    ]
    return Scenario(skills=skills, teams=teams, people=people, opportunities=opportunities)


@pytest.fixture
def scenario() -> Scenario:
    return small_scenario()


# ---------------------------------------------------------------------------------------------
# Accounts and the app
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    person_id: str | None
    password: str
    teams: tuple[str, ...] = ()  # the teams a manager account manages


_TEST_PASSWORD = secrets.token_urlsafe(16)
ACCOUNTS = {
    "alice": Account("alice", "staff", "P1", _TEST_PASSWORD),
    "bilal": Account("bilal", "staff", "P2", _TEST_PASSWORD),
    "hana": Account("hana", "hr", None, _TEST_PASSWORD),
    "emre": Account("emre", "emergency", None, _TEST_PASSWORD),
    "ada": Account("ada", "admin", None, _TEST_PASSWORD),
    "mona": Account("mona", "manager", None, _TEST_PASSWORD, teams=("T-ASC", "T-DATA")),
}


@pytest.fixture(scope="session")
def accounts() -> dict[str, Account]:
    """The test accounts by name: alice and bilal (staff, P1 and P2), hana (hr), emre
    (emergency), ada (admin), mona (manager of Adult Social Care and the Data Team); all share
    one random password."""
    return ACCOUNTS


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Argon2id with small costs in tests (the same algorithm, a fraction of the time)."""
    from argon2 import PasswordHasher

    import web.auth

    original = web.auth._hasher
    web.auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    web.auth._DUMMY_HASH = web.auth._hasher.hash("not-a-real-password-only-for-timing")
    yield
    web.auth._hasher = original


@pytest.fixture(scope="session")
def _seeded_database(tmp_path_factory, _fast_password_hashing) -> Path:
    """A migrated SQLite store holding `small_scenario()` and `ACCOUNTS`, built once per run
    and copied for each test."""
    from planner import store
    from web.auth import create_account

    path = tmp_path_factory.mktemp("seed") / "trellis.sqlite3"
    engine = store.make_engine(f"sqlite:///{path}")
    store.upgrade(engine)
    store.save_scenario(engine, small_scenario(), actor="tests")
    for account in ACCOUNTS.values():
        create_account(engine, account.username, account.password, account.role, person_id=account.person_id,
                       actor="tests", teams=account.teams)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path, _seeded_database) -> str:
    path = tmp_path / "trellis.sqlite3"
    shutil.copyfile(_seeded_database, path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    from web import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": database_url})
    yield app
    app.extensions["trellis_engine"].dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


class AuthActions:
    """Sign in and out through the real forms (CSRF tokens included)."""

    def __init__(self, client):
        self.client = client

    def csrf(self, path: str = "/login") -> str:
        return csrf_from(self.client.get(path).get_data(as_text=True))

    def login(self, username: str = "alice", password: str | None = None, **extra):
        password = ACCOUNTS[username].password if password is None and username in ACCOUNTS else (password or "")
        data = {"csrf_token": self.csrf(), "username": username, "password": password, **extra}
        return self.client.post("/login", data=data)

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf()})

    def post(self, path: str, data: dict | None = None, token_from: str = "/login", **kwargs):
        """POST with a valid CSRF token of the current session."""
        return self.client.post(path, data={"csrf_token": self.csrf(token_from), **(data or {})}, **kwargs)


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


# ---------------------------------------------------------------------------------------------
# A live server and a real browser
# ---------------------------------------------------------------------------------------------


def serve_in_thread(app):
    """Serve `app` over HTTP on a free loopback port in a background thread; yields its URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free loopback port, in a background thread."""
    yield from serve_in_thread(app)


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, headless, driven by Playwright (never a browser Playwright downloads)."""
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; run scripts/install-test-system-deps.sh")
        pytest.skip(f"{CHROMIUM} is not installed (scripts/install-test-system-deps.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                  "--disable-background-networking", "--disable-extensions", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A fresh browser context and page per test; console errors fail the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.console_errors = errors
    yield page
    context.close()


@pytest.fixture(scope="session")
def artefacts() -> Path:
    """Folder for screenshots and other test artefacts (git-ignored)."""
    ARTEFACTS.mkdir(exist_ok=True)
    return ARTEFACTS



# ---------------------------------------------------------------------------------------------
# Markers from what a test needs, so `make check` (-m "not browser and not postgres and not slow")
# never starts Chromium, whoever forgot to mark a test.
# ---------------------------------------------------------------------------------------------

_FIXTURE_MARKERS = {"browser": "browser", "page": "browser"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for fixture, marker in _FIXTURE_MARKERS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(getattr(pytest.mark, marker))
