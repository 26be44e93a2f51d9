"""Who may use the `/api/v1` JSON API: Bearer tokens only (never the session cookie), the web's
role rules on every route, a staff token limited to its own person, revoked tokens refused, a
rate limit per token, every read of personal data audited, and an OpenAPI document that
describes every route. Routes are found by walking the app's URL map, so a new API route is
covered by these tests without being listed here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import sign_in

from planner.store import ROLES, list_audit
from planner.store.api_tokens import issue_token, revoke_token
from planner.store.tables import TOKEN_ROLES
from web.api.core import PUBLIC_ENDPOINTS

# Values for the URL parameters of API routes: ids that exist in the small scenario.
URL_VALUES = {"person_id": "P001", "team_id": "T-CHILD", "opportunity_id": "O-DASH", "plan_id": 1, "job_id": 1,
              "unknown": "no/such/route"}
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def api_routes(app) -> list[tuple[str, str, str, frozenset[str]]]:
    """(method, url, endpoint, roles) of every API route that needs a token."""
    from flask import url_for

    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if not rule.rule.startswith("/api/") or rule.endpoint in PUBLIC_ENDPOINTS:
                continue
            view = app.view_functions[rule.endpoint]
            url = url_for(rule.endpoint, **{name: URL_VALUES[name] for name in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((method, url, rule.endpoint, getattr(view, "api_roles", frozenset())))
    return routes


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def tokens(store_engine) -> dict[str, str]:
    """One live token per role (the staff token reads person P001)."""
    return {role: issue_token(store_engine, f"test-{role}", role, person_id="P001" if role == "staff" else None,
                              actor="test").secret for role in TOKEN_ROLES}


def call(client, method: str, url: str, headers: dict | None = None):
    # A body no route accepts: the roles are checked first, and nothing is changed or started.
    body = {"json": {"not_a_field": 1}} if method in WRITE_METHODS else {}
    return client.open(url, method=method, headers=headers or {}, **body)


def test_the_api_has_routes_and_every_one_declares_its_roles(loaded_app):
    routes = [r for r in api_routes(loaded_app) if r[2] != "api.no_such_route"]
    assert len(routes) >= 15
    for method, url, endpoint, roles in routes:
        assert roles, f"{method} {url} ({endpoint}) declares no roles"
        assert roles <= set(ROLES)


def test_every_api_route_refuses_a_request_without_a_token(loaded_app):
    client = loaded_app.test_client()
    for method, url, _endpoint, _roles in api_routes(loaded_app):
        response = call(client, method, url)
        assert response.status_code == 401, f"{method} {url}"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.is_json and response.get_json()["status"] == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "trl_abc", "Bearer trl_not-a-real-token",
                                    "Bearer not-even-prefixed", "Token x"])
def test_a_malformed_or_unknown_token_is_refused(loaded_app, header):
    response = loaded_app.test_client().get("/api/v1/teams", headers={"Authorization": header})
    assert response.status_code == 401


def test_every_api_route_answers_each_role_by_the_role_rules(loaded_app, tokens):
    """Roles a route serves get past sign-in and role checks (any status but 401/403); every
    other role gets 403."""
    client = loaded_app.test_client()
    for method, url, _endpoint, roles in api_routes(loaded_app):
        for role in TOKEN_ROLES:
            response = call(client, method, url, bearer(tokens[role]))
            if role in roles:
                assert response.status_code not in (401, 403), f"{role} {method} {url}: {response.status_code}"
            else:
                assert response.status_code == 403, f"{role} {method} {url}: {response.status_code}"
                assert response.is_json


def test_a_session_cookie_without_a_token_gets_401_on_every_route(loaded_app):
    """Signed in to the web as HR (cookie), the API still wants a token: a page on another site
    cannot make the browser act through the API, so the API needs no CSRF token."""
    client = loaded_app.test_client()
    sign_in(client, "hr")
    assert client.get("/hr/").status_code == 200  # the cookie works for the web pages
    for method, url, _endpoint, _roles in api_routes(loaded_app):
        assert call(client, method, url).status_code == 401, f"{method} {url}"


def test_a_staff_token_reads_only_its_own_person(loaded_app, tokens):
    client = loaded_app.test_client()
    staff = bearer(tokens["staff"])
    assert client.get("/api/v1/people/P001", headers=staff).status_code == 200
    for url in ("/api/v1/people/P002", "/api/v1/people/P002/pathways", "/api/v1/people/NOPE"):
        response = client.get(url, headers=staff)
        assert response.status_code == 403, url  # before any lookup: staff cannot probe which ids exist
    assert client.get("/api/v1/people", headers=staff).status_code == 403


def test_a_revoked_token_is_refused_at_once(loaded_app, store_engine, tokens):
    client = loaded_app.test_client()
    assert client.get("/api/v1/teams", headers=bearer(tokens["hr"])).status_code == 200
    revoke_token(store_engine, "test-hr", actor="test")
    assert client.get("/api/v1/teams", headers=bearer(tokens["hr"])).status_code == 401


def test_each_token_is_rate_limited_with_retry_after(loaded_app, tokens):
    loaded_app.config["API_RATE_LIMIT"] = "5/minute"
    client = loaded_app.test_client()
    for _ in range(5):
        assert client.get("/api/v1/teams", headers=bearer(tokens["hr"])).status_code == 200
    refused = client.get("/api/v1/teams", headers=bearer(tokens["hr"]))
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.is_json
    # The limit is per token: another token is not held back by the first one's use.
    assert client.get("/api/v1/teams", headers=bearer(tokens["admin"])).status_code == 200


def test_an_address_sending_wrong_tokens_is_held_back_even_with_a_right_one(loaded_app, tokens):
    loaded_app.config["API_FAILURES_PER_ADDRESS"] = "3/minute"
    client = loaded_app.test_client()
    for _ in range(3):
        assert client.get("/api/v1/teams", headers=bearer("trl_guess")).status_code == 401
    held = client.get("/api/v1/teams", headers=bearer(tokens["hr"]))
    assert held.status_code == 429 and int(held.headers["Retry-After"]) >= 1
    other = client.get("/api/v1/teams", headers=bearer(tokens["hr"]), environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 200


def test_reads_of_personal_data_and_writes_are_audited_as_the_token(loaded_app, store_engine, tokens):
    client = loaded_app.test_client()
    assert client.get("/api/v1/people/P003", headers=bearer(tokens["hr"])).status_code == 200
    assert client.get("/api/v1/people?per_page=5", headers=bearer(tokens["emergency"])).status_code == 200
    entries = list_audit(store_engine, actor="token:test-hr")
    assert [(e.action, e.target) for e in entries] == [("api.read", "person:P003")]
    (listing,) = list_audit(store_engine, actor="token:test-emergency")
    assert listing.target == "people" and "count=5" in listing.detail


def test_api_errors_are_json_with_the_security_headers(loaded_app, tokens):
    client = loaded_app.test_client()
    for response in (client.get("/api/v1/teams"), client.get("/api/v1/no/such/route", headers=bearer(tokens["hr"])),
                     client.get("/api/v1/teams/NOPE", headers=bearer(tokens["hr"]))):
        assert response.is_json
        assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/teams/NOPE", headers=bearer(tokens["hr"])).status_code == 404


def test_the_token_is_never_logged(loaded_app, tokens, caplog):
    client = loaded_app.test_client()
    client.get("/api/v1/people", headers=bearer(tokens["staff"]))
    client.get("/api/v1/teams", headers={"Authorization": "Bearer trl_wrong-secret-value"})
    assert "403" in caplog.text and "401" in caplog.text
    assert tokens["staff"] not in caplog.text and "trl_wrong-secret-value" not in caplog.text


# ---------------------------------------------------------------------------------------------
# The OpenAPI document and the docs page
# ---------------------------------------------------------------------------------------------


def test_the_openapi_document_is_valid_and_lists_every_api_route(loaded_app):
    from openapi_spec_validator import validate

    response = loaded_app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    validate(document)
    documented = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    for method, _url, endpoint, _roles in api_routes(loaded_app):
        if endpoint == "api.no_such_route":
            continue  # answers 404 to anything: nothing to document
        rule = next(r for r in loaded_app.url_map.iter_rules() if r.endpoint == endpoint)
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<int:{name}>", f"{{{name}}}").replace(f"<{name}>", f"{{{name}}}")
        assert (method, path) in documented, f"{method} {path} is not in the OpenAPI document"
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http", "scheme": "bearer", "description": "an API token from `trellis tokens add`"}


def test_the_docs_page_uses_only_local_files_and_no_inline_script(loaded_app):
    import re

    client = loaded_app.test_client()
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    assert "<script>" not in html and "onload=" not in html
    vendored = (Path(__file__).parents[2] / "web" / "copy-vendor.js").read_text(encoding="utf-8")
    for source in sources:
        if source.startswith("/static/vendor/"):
            # Copied from npm by scripts/install-assets.sh; the browser test below loads them.
            assert f'"{source.removeprefix("/static/vendor/")}"' in vendored, source
        elif source.startswith("/static/"):
            assert client.get(source).status_code == 200, source
    assert 'data-spec-url="/api/v1/openapi.json"' in html


def test_the_openapi_document_carries_no_personal_data(loaded_app):
    text = json.dumps(loaded_app.test_client().get("/api/v1/openapi.json").get_json())
    assert "P001" not in text and "Person 1" not in text


def test_the_docs_page_draws_the_api_in_a_real_browser_under_the_csp(live_server, page):
    """Swagger UI loads from the app's own files, draws every tag, and the strict CSP reports
    nothing (no blocked script, no blocked request)."""
    page.goto(f"{live_server}/api/v1/docs/")
    page.wait_for_selector(".swagger-ui .info .title", timeout=60_000)  # 1.5 MB of script on a busy machine
    assert "Trellis API" in page.inner_text(".swagger-ui .info .title")
    for tag in ("people", "teams", "opportunities", "scenario", "plans", "redeployments", "network"):
        assert page.locator(f"#operations-tag-{tag}").count() == 1, tag
    assert page.console_errors == []
