"""The tests' one conftest: every fixture, reaching every test without an import. Plain helpers
(signing in, posting with a CSRF token, serving an app) are in helpers.py and the small scenario
in scenarios.py, imported by name.

Two web apps, each on its own throw-away SQLite store copied from one seeded once per run:
- `app` (`client`, `auth`, `live_server`): `small_scenario()` and `ACCOUNTS` (the staff pages).
- `loaded_app` (`as_role`, `loaded_live_server`, `store_engine`): `small_scenario("consoles")`
  and one `ROLE_ACCOUNTS` account per role (the planning consoles, the API); a test asking for
  `empty_store` starts with accounts and no scenario.
- `store`: a migrated store with the consoles' scenario and no web app, on SQLite (copied from
  one seeded once per run) and (under scripts/with-postgres.sh) PostgreSQL, for the service-layer
  tests.
- Every app of the run reuses the URL builders and compiled templates of the first (fast_apps.py).
- `browser` / `page`: Debian's headless Chromium driven by Playwright (tests using them are
  marked `browser`).
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

import pytest
from fast_apps import TemplateCodeInMemory, reused_route_builders, shared_template_code
from helpers import (
    ACCOUNTS,
    MANAGER_TEAMS,
    PASSWORD,
    ROLE_ACCOUNTS,
    ROLE_ACCOUNTS_STAFF_PERSON,
    Account,
    AuthActions,
    serve_in_thread,
    sign_in,
)
from property_examples import register_fast_loop_profile
from scenarios import small_scenario

from planner.domain import Scenario
from planner.store import create_user, make_engine, save_scenario, upgrade
from planner.store.testing import postgres_test_url, temporary_engine

register_fast_loop_profile()  # before the Hypothesis plugin loads a profile (conftests come first)

CHROMIUM = os.environ.get("TRELLIS_CHROMIUM", "/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parent.parent / "test-artefacts"


# ---------------------------------------------------------------------------------------------
# The small scenarios
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def scenario() -> Scenario:
    """`small_scenario()`: six people, six opportunities."""
    return small_scenario()


@pytest.fixture
def consoles_scenario() -> Scenario:
    """`small_scenario("consoles")`: sixteen people, five opportunities and crisis demand."""
    return small_scenario("consoles")


# ---------------------------------------------------------------------------------------------
# Accounts and password hashing
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def accounts() -> dict[str, Account]:
    """The test accounts by name: alice and bilal (staff, P1 and P2), hana (hr), emre
    (emergency), ada (admin), mona (manager of Adult Social Care and the Data Team); all share
    one random password."""
    return ACCOUNTS


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Argon2id with small costs in tests (the same algorithm, a fraction of the time); yields
    the production hasher, whose costs test_web_auth.py checks."""
    from argon2 import PasswordHasher

    import web.auth

    original, original_dummy = web.auth._hasher, web.auth._DUMMY_HASH
    web.auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    web.auth._DUMMY_HASH = web.auth._hasher.hash("not-a-real-password-only-for-timing")
    yield original
    web.auth._hasher, web.auth._DUMMY_HASH = original, original_dummy


@pytest.fixture
def production_password_hasher(_fast_password_hashing):
    """The password hasher the app uses outside the tests."""
    return _fast_password_hashing


# ---------------------------------------------------------------------------------------------
# Apps that are cheap to build
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _apps_reuse_compiled_routes_and_templates():
    """Every app of the run reuses the URL builders and compiled templates an earlier app made
    (fast_apps.py says why and how; tests/web/test_fast_apps.py proves the apps are unchanged)."""
    with reused_route_builders(), shared_template_code(TemplateCodeInMemory()) as templates:
        yield templates


def _checkpoint_and_close(engine) -> None:
    """Fold SQLite's write-ahead log into the file, so a plain copy of it is the whole store."""
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()


# ---------------------------------------------------------------------------------------------
# The staff pages' app: small_scenario() and ACCOUNTS
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _seeded_database(tmp_path_factory, _fast_password_hashing) -> Path:
    """A migrated SQLite store holding `small_scenario()` and `ACCOUNTS`, built once per run
    and copied for each test."""
    from web.auth import create_account

    path = tmp_path_factory.mktemp("seed") / "trellis.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    save_scenario(engine, small_scenario(), actor="tests")
    for account in ACCOUNTS.values():
        create_account(engine, account.username, account.password, account.role, person_id=account.person_id,
                       actor="tests", teams=account.teams)
    _checkpoint_and_close(engine)
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


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def live_server(app):
    """The app served over HTTP on a free loopback port, in a background thread."""
    yield from serve_in_thread(app)


# ---------------------------------------------------------------------------------------------
# The planning consoles' app: small_scenario("consoles") and ROLE_ACCOUNTS
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def seeded_store_files(tmp_path_factory, _fast_password_hashing) -> dict[str, Path]:
    """Two migrated SQLite stores built once per run and copied for each test: `empty` (the
    `ROLE_ACCOUNTS` only) and `loaded` (those accounts and `small_scenario("consoles")`)."""
    from web.auth import create_account, hash_password

    folder = tmp_path_factory.mktemp("store-seed")
    paths = {}
    for name in ("empty", "loaded"):
        path = folder / f"{name}.sqlite3"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        if name == "loaded":
            save_scenario(engine, small_scenario("consoles"), actor="test")
        for role, username in ROLE_ACCOUNTS.items():
            if role == "manager" and name == "empty":  # no team stored yet: a manager of none
                create_user(engine, username, hash_password(PASSWORD), role, actor="test")
                continue
            create_account(engine, username, PASSWORD, role,
                           person_id=ROLE_ACCOUNTS_STAFF_PERSON if role == "staff" else None, actor="test",
                           teams=MANAGER_TEAMS if role == "manager" else ())
        _checkpoint_and_close(engine)
        paths[name] = path
    return paths


@pytest.fixture
def store_engine(seeded_store_files, tmp_path, request):
    """The test's own store: with the consoles' scenario, unless the test asks for `empty_store`."""
    seed = seeded_store_files["empty" if "empty_store" in request.fixturenames else "loaded"]
    path = tmp_path / "store.sqlite3"
    shutil.copyfile(seed, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def empty_store():
    """Marker fixture: the test starts with no scenario imported."""
    return True


@pytest.fixture
def loaded_app(store_engine):
    """The consoles' app on `store_engine` (the scenario stored, unless `empty_store` is asked for)."""
    from web import create_app

    app = create_app({"TESTING": True, "ENGINE": store_engine, "SECRET_KEY": "x" * 40, "SOLVE_SLOTS": 2})
    yield app
    pool = app.extensions.get("trellis_jobs")
    if pool is not None:
        for job in pool.recent(limit=50):
            pool.wait(job.id, timeout=30)


@pytest.fixture
def as_role(loaded_app):
    """`as_role("hr")` -> a test client of `loaded_app` signed in with that role."""

    def make(role: str):
        return sign_in(loaded_app.test_client(), role)

    return make


@pytest.fixture
def loaded_live_server(loaded_app):
    """The consoles' app over HTTP on loopback."""
    yield from serve_in_thread(loaded_app)


# ---------------------------------------------------------------------------------------------
# The service layer's store: no web app, SQLite and PostgreSQL
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def _services_store_file(tmp_path_factory) -> tuple[Path, Scenario]:
    """A migrated SQLite store holding `small_scenario("consoles")`, built once per run and
    copied for each `store` test (migrating and importing took most of that fixture's time)."""
    seeded = small_scenario("consoles")
    path = tmp_path_factory.mktemp("services-seed") / "services.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    save_scenario(engine, seeded, actor="test")
    _checkpoint_and_close(engine)
    return path, seeded


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, consoles_scenario, _services_store_file):
    """A migrated store (accounts not needed) with `consoles_scenario` imported, on SQLite and,
    when a server is given (`scripts/with-postgres.sh`), on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "services.sqlite3"
        seed, seeded = _services_store_file
        if consoles_scenario == seeded:
            shutil.copyfile(seed, path)
            engine = make_engine(f"sqlite:///{path}")
        else:  # a test module that overrides `consoles_scenario`
            engine = make_engine(f"sqlite:///{path}")
            upgrade(engine)
            save_scenario(engine, consoles_scenario, actor="test")
        yield engine
        engine.dispose()
        return
    url = postgres_test_url()
    if url is None:
        pytest.skip("PostgreSQL tests need TRELLIS_TEST_POSTGRES_URL: run through scripts/with-postgres.sh")
    with temporary_engine(url) as engine:
        upgrade(engine)
        save_scenario(engine, consoles_scenario, actor="test")
        yield engine


# ---------------------------------------------------------------------------------------------
# A real browser
# ---------------------------------------------------------------------------------------------


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
# Markers from what a test needs, so `make check` (-m "not browser and not postgres and not slow and not ray")
# never starts Chromium or a Ray cluster, whoever forgot to mark a test.
# ---------------------------------------------------------------------------------------------

_FIXTURE_MARKERS = {"browser": "browser", "page": "browser", "ray_cluster": "ray"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for fixture, marker in _FIXTURE_MARKERS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(getattr(pytest.mark, marker))


# ---------------------------------------------------------------------------------------------
# A Ray cluster
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ray_cluster():
    """A real two-node Ray cluster on loopback (`tests/ray_cluster.py`), this test process
    connected to it; stopped (its own processes only) at the end of the run."""
    from ray_cluster import start_two_node_cluster  # Ray is imported only by the runs that use it

    cluster = start_two_node_cluster()
    yield cluster
    cluster.stop()
