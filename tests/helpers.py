"""Plain helpers of the tests, imported by name (`from helpers import sign_in`); the fixtures
live in conftest.py and reach every test without an import.

Two sets of test accounts, one per app fixture:
- `ACCOUNTS` (alice and bilal staff, hana hr, emre emergency, ada admin, mona manager of T-ASC and T-DATA; one random password)
  are in the `app` fixture's store, with `small_scenario()`; `AuthActions` signs them in.
- `ROLE_ACCOUNTS` (one account per role, `PASSWORD`) are in the `loaded_app` fixture's store,
  with `small_scenario("consoles")`; `sign_in(client, role)` signs them in.
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from werkzeug.serving import make_server

from planner.domain import Placement, Plan, Scenario
from planner.scenario_io import write_scenario_csv
from planner.store import StoredPlan, save_plan

# ---------------------------------------------------------------------------------------------
# Accounts
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

PASSWORD = "correct horse battery"
ROLE_ACCOUNTS = {"hr": "hr1", "emergency": "ep1", "admin": "admin1", "staff": "staff1", "manager": "mgr1"}
# The test line manager manages Children's services (P001-P004) in the consoles' scenario.
MANAGER_TEAMS = ("T-CHILD",)
# The person the staff account of ROLE_ACCOUNTS is linked to.
ROLE_ACCOUNTS_STAFF_PERSON = "P001"

# ---------------------------------------------------------------------------------------------
# Signing in and posting forms with real CSRF tokens
# ---------------------------------------------------------------------------------------------

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    """The CSRF token of a form in `html`."""
    match = CSRF_FIELD.search(html)
    assert match, "the page has no CSRF token field"
    return match.group(1)


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, read from a form on `path`."""
    page = client.get(path).get_data(as_text=True)
    match = CSRF_FIELD.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in(client, role: str):
    """Sign the client in with the `ROLE_ACCOUNTS` account of `role`; returns the client."""
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"csrf_token": token, "username": ROLE_ACCOUNTS[role],
                                           "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def post(client, path: str, data: dict | None = None, **kwargs):
    """POST with the session's CSRF token (taken from a page the signed-in client can see)."""
    token = csrf_token(client, kwargs.pop("token_from", "/login"))
    return client.post(path, data={"csrf_token": token, **(data or {})}, **kwargs)


class AuthActions:
    """Sign `ACCOUNTS` in and out through the real forms (CSRF tokens included)."""

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


def browser_sign_in(page, base_url: str, role: str) -> None:
    """Sign in through the real form as the `ROLE_ACCOUNTS` account of `role`."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Account name").fill(ROLE_ACCOUNTS[role])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


# ---------------------------------------------------------------------------------------------
# Serving, files and stored plans
# ---------------------------------------------------------------------------------------------


# A server's shutdown() waits for its serving loop's next poll: half a second by default, at the
# end of every test that serves over HTTP.
SERVER_POLL_S = 0.05


def start_serving(server) -> threading.Thread:
    """Run `server.serve_forever` in a daemon thread, polling often enough to stop at once."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": SERVER_POLL_S}, daemon=True)
    thread.start()
    return thread


def serve_in_thread(app):
    """Serve `app` over HTTP on a free loopback port in a background thread; yields its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = start_serving(server)
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


def scenario_csv_files(scenario: Scenario, folder: Path) -> dict[str, bytes]:
    """The scenario written as the CSV files an HR system would export (name -> bytes)."""
    folder.mkdir(parents=True, exist_ok=True)
    write_scenario_csv(scenario, folder)
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.suffix in (".csv", ".json")}


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


# ---------------------------------------------------------------------------------------------
# Accessibility: the project's one axe-core runner
# ---------------------------------------------------------------------------------------------

AXE = Path(__file__).resolve().parents[1] / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page) -> list[str]:
    """Run axe-core on the page as it stands; one line per violated rule."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(node["target"][0] if isinstance(node["target"][0], str) else str(node["target"][0])
                    for node in v["nodes"][:3])
        for v in result["violations"]
    ]
