"""The web app's security promises (shared/SECURITY.md), one test each: who may open which route,
CSRF, sessions, headers on every response, generic error pages, no mass assignment, refusals
logged without content, and a production start refused with a weak key or debug on."""

from __future__ import annotations

import logging
import os
import time

import pytest

from web import create_app
from web.security import instance_secret_key

# ---------------------------------------------------------------------------------------------
# Route x role matrix
# ---------------------------------------------------------------------------------------------

ANON = None
# (method, path, {account or ANON: expected status}); P1 is alice's person, P2 bilal's.
# POSTs are sent with a valid CSRF token and a harmless, valid body.
MATRIX = [
    ("GET", "/", {ANON: 302, "alice": 302, "hana": 302, "emre": 302, "ada": 302}),
    ("GET", "/login", {ANON: 200, "alice": 200}),
    ("GET", "/me/pathways", {ANON: 302, "alice": 302, "hana": 404, "emre": 404, "ada": 404}),
    ("GET", "/me/record", {ANON: 302, "alice": 302, "hana": 404, "emre": 404, "ada": 404}),
    ("GET", "/people/P1/pathways", {ANON: 302, "alice": 200, "bilal": 403, "hana": 200, "emre": 200, "ada": 200}),
    ("GET", "/people/P2/pathways", {ANON: 302, "alice": 403, "bilal": 200, "hana": 200}),
    ("GET", "/people/NOBODY/pathways", {"alice": 403, "hana": 404}),
    ("GET", "/people/P1/record", {ANON: 302, "alice": 200, "bilal": 403, "hana": 200, "emre": 200, "ada": 200}),
    ("GET", "/people/P2/record", {"alice": 403, "hana": 200}),
    ("GET", "/people/NOBODY/record", {"alice": 403, "hana": 404}),
    ("GET", "/people/P1/export.json", {ANON: 302, "alice": 200, "bilal": 403, "hana": 403, "emre": 403, "ada": 200}),
    ("GET", "/people/P2/export.json", {"alice": 403}),
    ("GET", "/marketplace", {ANON: 302, "alice": 200, "bilal": 200, "hana": 200, "emre": 200, "ada": 200}),
    ("POST", "/people/P1/profile", {ANON: 302, "alice": 303, "bilal": 403, "hana": 303, "emre": 403, "ada": 303}),
    ("POST", "/people/P2/profile", {"alice": 403}),
    ("POST", "/people/P1/preferences", {ANON: 302, "alice": 303, "bilal": 403, "hana": 303, "emre": 403, "ada": 303}),
    ("POST", "/people/P2/preferences", {"alice": 403}),
    ("POST", "/marketplace/interest", {ANON: 302, "alice": 303, "hana": 403, "emre": 403, "ada": 403}),
    ("POST", "/logout", {ANON: 302, "alice": 302}),
    ("POST", "/login", {ANON: 302, "alice": 302}),
    # Single sign-on is off here (no TRELLIS_OIDC_ISSUER); tests/test_oidc.py tests it switched on.
    ("GET", "/login/sso", {ANON: 404, "alice": 404}),
    ("GET", "/login/sso/callback", {ANON: 404, "alice": 404}),
]
POST_BODIES = {
    "/people/P1/profile": {"skill": ["safeguarding", "data-analysis"], "skill_level": ["4", "2"]},
    "/people/P2/profile": {"skill": ["python"], "skill_level": ["3"]},
    "/people/P1/preferences": {"opportunity_id": "O1", "action": "remove"},
    "/people/P2/preferences": {"opportunity_id": "O2", "action": "remove"},
    "/marketplace/interest": {"opportunity_id": "O3", "interested": "yes"},
    "/logout": {},
}
CASES = [(method, path, who, status) for method, path, expected in MATRIX for who, status in expected.items()]


@pytest.mark.parametrize("method, path, who, expected", CASES, ids=[f"{m} {p} as {w or 'anonymous'}" for m, p, w, _ in CASES])
def test_route_access(client, auth, accounts, method, path, who, expected):
    if who is not None:
        assert auth.login(who).status_code == 302
    if method == "GET":
        response = client.get(path)
    elif path == "/login":
        response = auth.post(path, {"username": "bilal", "password": accounts["bilal"].password})
    else:
        response = auth.post(path, POST_BODIES[path])
    assert response.status_code == expected
    if expected == 302 and who is None and path != "/login":
        assert "/login" in response.headers["Location"]


def test_every_route_of_web_part_one_is_in_the_matrix(app):
    covered = {(m, p.replace("P1", "<person_id>").replace("P2", "<person_id>").replace("NOBODY", "<person_id>")) for m, p, _ in MATRIX}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in ("auth", "staff"):
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method, rule.rule) in covered, f"{method} {rule.rule} has no access test"


def test_a_refusal_is_logged_without_the_content(client, auth, caplog):
    auth.login("alice")
    with caplog.at_level(logging.INFO):
        assert client.get("/people/P2/record").status_code == 403
    refusals = [r.getMessage() for r in caplog.records if "access refused" in r.getMessage()]
    assert refusals, "the refusal was not logged"
    assert all("Bilal" not in m and "P2" not in m for m in refusals)


def test_no_personal_data_in_the_logs(client, auth, caplog, scenario):
    with caplog.at_level(logging.DEBUG):
        auth.login("alice")
        for path in ("/people/P1/pathways", "/people/P1/record", "/marketplace", "/people/P2/pathways"):
            client.get(path)
        auth.post("/people/P1/profile", {"skill": ["safeguarding"], "skill_level": ["4"]})
        auth.post("/marketplace/interest", {"opportunity_id": "O3", "interested": "yes"})
        auth.logout()
        auth.login("alice", password="wrong-password")
    text = "\n".join(r.getMessage() for r in caplog.records)
    for person in scenario.people:
        assert person.name not in text
        assert person.name.split()[0] not in text


# ---------------------------------------------------------------------------------------------
# CSRF and state changes
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/login", "/logout", "/people/P1/profile", "/people/P1/preferences", "/marketplace/interest"])
def test_a_post_without_a_valid_csrf_token_is_refused(client, auth, path):
    auth.login("alice")
    body = {k: v for k, v in POST_BODIES.get(path, {"username": "alice", "password": "x"}).items()}
    assert client.post(path, data=body).status_code == 400
    assert client.post(path, data={**body, "csrf_token": "forged"}).status_code == 400


def test_get_never_changes_state(client, auth, app):
    from planner import store

    engine = app.extensions["trellis_engine"]
    auth.login("alice")
    before = (len(store.list_audit(engine, limit=10_000)), store.scenario_revision(engine))
    # The export adds one audit row and nothing else: tests/test_security_fixes_web.py.
    for path in ("/", "/me/pathways", "/me/record", "/people/P1/pathways", "/people/P1/record",
                 "/marketplace?kind=project&skill=gis&eligible=1", "/login"):
        client.get(path)
    assert (len(store.list_audit(engine, limit=10_000)), store.scenario_revision(engine)) == before


def test_unexpected_form_fields_are_rejected(client, auth, app):
    from planner import store

    auth.login("alice")
    response = auth.post("/people/P1/profile", {"skill": ["safeguarding"], "skill_level": ["5"], "role": "admin"})
    assert response.status_code == 400
    engine = app.extensions["trellis_engine"]
    assert store.get_person(engine, "P1").skills["safeguarding"] == 4
    assert store.get_user_by_name(engine, "alice").role == "staff"
    assert auth.post("/marketplace/interest", {"opportunity_id": "O3", "interested": "yes", "person_id": "P2"}).status_code == 400
    assert store.get_person(engine, "P2").preferences == ("O2",)


def test_sign_in_with_extra_fields_is_rejected(client, auth):
    response = auth.login("alice", role="admin")
    assert response.status_code == 400
    assert client.get("/people/P1/pathways").status_code == 302


# ---------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------


def session_cookie(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("trellis_session="))


def test_session_cookie_is_http_only_and_same_site_lax(auth):
    cookie = session_cookie(auth.login("alice"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain http on loopback


def test_session_cookie_is_secure_over_https(client, accounts):
    from conftest import csrf_from

    https = "https://localhost"
    token = csrf_from(client.get("/login", base_url=https).get_data(as_text=True))
    # Over https, Flask-WTF also checks that the form was posted from this site (Referer).
    response = client.post("/login", base_url=https, headers={"Referer": f"{https}/login"}, data={
        "csrf_token": token, "username": "alice", "password": accounts["alice"].password})
    assert response.status_code == 302
    assert "Secure" in session_cookie(response)


def test_session_is_renewed_at_sign_in(client, auth):
    token_before = auth.csrf()
    auth.login("alice")
    with client.session_transaction() as session:
        assert "nonce" in session
    # The token of the anonymous session no longer works after signing in.
    response = client.post("/marketplace/interest", data={"csrf_token": token_before, "opportunity_id": "O3", "interested": "yes"})
    assert response.status_code == 400


def test_a_cookie_replayed_after_sign_out_is_refused(app, auth, client):
    auth.login("alice")
    with client.session_transaction() as session:
        stolen = dict(session)
    auth.logout()
    with client.session_transaction() as session:
        session.update(stolen)
    response = client.get("/people/P1/pathways")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_idle_session_times_out(client, auth, app):
    auth.login("alice")
    with client.session_transaction() as session:
        session["seen"] = int(time.time()) - app.config["IDLE_TIMEOUT_S"] - 1
    response = client.get("/people/P1/pathways")
    assert response.status_code == 302
    assert "inactivity" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_removed_account_loses_its_session(client, auth, app):
    from web.auth import remove_account

    auth.login("alice")
    remove_account(app.extensions["trellis_engine"], "alice", actor="tests")
    assert client.get("/people/P1/pathways").status_code == 302


# ---------------------------------------------------------------------------------------------
# Headers and error pages
# ---------------------------------------------------------------------------------------------


def assert_security_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]


@pytest.mark.parametrize("path, status", [
    ("/login", 200), ("/people/P1/pathways", 200), ("/marketplace", 200), ("/people/P2/pathways", 403),
    ("/no/such/page", 404), ("/static/trellis.css", 200), ("/people/P1/export.json", 200),
])
def test_security_headers_on_every_response(client, auth, path, status):
    auth.login("alice")
    response = client.get(path)
    assert response.status_code == status
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/people/P1/pathways", "/people/P1/record", "/marketplace", "/people/P1/export.json"])
def test_personal_pages_are_never_cached(client, auth, path):
    auth.login("alice")
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_a_forced_error_shows_a_generic_page(database_url, caplog):
    app = create_app({"SECRET_KEY": os.urandom(32).hex(), "DATABASE_URL": database_url})

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail about Alice Ashby")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "secret detail" not in body and "Traceback" not in body and "RuntimeError" not in body
    assert_security_headers(response)
    assert "Alice" not in "\n".join(r.getMessage() for r in caplog.records)


# ---------------------------------------------------------------------------------------------
# Production start
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["dev", "change-me", "short-key"])
def test_production_refuses_a_default_or_short_secret_key(database_url, key):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"PRODUCTION": True, "SECRET_KEY": key, "DATABASE_URL": database_url})


def test_production_refuses_debug(database_url):
    with pytest.raises(RuntimeError, match="debug"):
        create_app({"PRODUCTION": True, "DEBUG": True, "SECRET_KEY": os.urandom(32).hex(), "DATABASE_URL": database_url})


def test_production_refuses_flask_debug_from_the_environment(database_url, monkeypatch):
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="debug"):
        create_app({"PRODUCTION": True, "SECRET_KEY": os.urandom(32).hex(), "DATABASE_URL": database_url})


def test_production_starts_with_a_generated_key(database_url):
    app = create_app({"PRODUCTION": True, "SECRET_KEY": os.urandom(32).hex(), "DATABASE_URL": database_url})
    assert app.config["PRODUCTION"]


def test_the_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    first = instance_secret_key(str(tmp_path))
    assert len(first) >= 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert instance_secret_key(str(tmp_path)) == first
    assert instance_secret_key(str(tmp_path / "other")) != first


def test_trellis_serve_runs_the_app_under_waitress_in_production(database_url, tmp_path):
    """`trellis serve` starts (production mode, key generated into the instance folder) and
    answers on loopback with the security headers."""
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-c", "from planner.cli import main; main()", "serve", "--port", str(port), "--database-url", database_url],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "FLASK_DEBUG": ""},
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "trellis serve did not answer within 60 s"
                time.sleep(0.3)
        assert response.status == 200
        assert response.headers["Server"] == "trellis"  # waitress's ident
        assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    finally:
        server.terminate()
        server.wait(timeout=10)
