"""Access and CSRF, written once for every route of every blueprint.

Each view declares the roles it serves (`roles_required(...)`, or `login_required` for every
signed-in role; `api_roles(...)` for the JSON API), and the decorators keep that on the view. These
tests walk `app.url_map`, so a new blueprint or route is covered the day it is added: a route that
declares nothing and is not in PUBLIC_ENDPOINTS fails the first test.

- Signed out, every route sends the visitor to sign in (GET and POST).
- Signed in, every role a route does not serve gets 403 (GET and POST), and nothing is stored.
- Signed in, every role a route serves gets past the role check (GET).
- Every POST of every role without a valid CSRF token gets 400 (the JSON API, which reads no
  cookie, 401), and nothing is stored.
The JSON API's roles are walked the same way with tokens in tests/web/test_api_access.py.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for
from helpers import ROLE_ACCOUNTS_STAFF_PERSON, post, sign_in

from planner.store import ROLES
from planner.store.testing import database_dump

# Routes anyone may open, and why.
PUBLIC_ENDPOINTS = {
    "auth.home": "sends each visitor to the sign-in page or their role's home",
    "auth.login": "the sign-in form",
    "auth.sso_start": "starts single sign-on",
    "auth.sso_callback": "the identity provider's answer",
    "static": "stylesheets, scripts and images",
    "api.openapi_document": "the JSON API's description, which holds no data",
    "api.docs_page": "the page drawing that description",
}
# Routes whose declared roles are narrowed per record, and the test that proves the narrower rule.
NARROWED_PER_RECORD = {
    "staff.export": "only the person and admins take a full export "
                    "(test_security_fixes_web.py::test_only_the_person_and_admins_take_a_full_export)",
}
# Values for URL parameters: records that exist in the consoles' scenario (ids elsewhere: 1).
URL_VALUES = {"person_id": ROLE_ACCOUNTS_STAFF_PERSON, "team_id": "T-DATA"}
ROLES_AND_ANONYMOUS = [None, *ROLES]


def declared_roles(app, endpoint: str) -> frozenset[str] | None:
    view = app.view_functions[endpoint]
    return getattr(view, "allowed_roles", None) or getattr(view, "api_roles", None)


def web_routes(app) -> list[tuple[str, str, str, frozenset[str]]]:
    """(method, url, endpoint, roles) of every route behind sign-in, outside the JSON API."""
    routes = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if rule.endpoint in PUBLIC_ENDPOINTS or rule.rule.startswith("/api/"):
                continue
            url = url_for(rule.endpoint, **{name: URL_VALUES.get(name, 1) for name in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                routes.append((method, url, rule.endpoint, declared_roles(app, rule.endpoint)))
    return routes


def is_sign_in_redirect(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_every_route_declares_the_roles_it_serves(loaded_app):
    undeclared = [rule.rule for rule in loaded_app.url_map.iter_rules()
                  if rule.endpoint not in PUBLIC_ENDPOINTS and not declared_roles(loaded_app, rule.endpoint)]
    assert undeclared == []
    blueprints = {endpoint.split(".")[0] for _m, _u, endpoint, _r in web_routes(loaded_app)}
    assert {"admin", "crisis", "hr", "network", "staff", "inbox", "auth", "manager", "consent"} <= blueprints
    for _method, url, _endpoint, roles in web_routes(loaded_app):
        assert roles <= set(ROLES), url


@pytest.mark.parametrize("role", ROLES_AND_ANONYMOUS)
def test_every_route_answers_each_role_by_its_declared_roles(loaded_app, store_engine, role):
    """Signed out: sent to sign in. A role the route does not serve: 403, GET or POST, and
    nothing stored. A role it serves: past the role check on GET (never 403, never sent to sign
    in, never a server error)."""
    client = loaded_app.test_client() if role is None else sign_in(loaded_app.test_client(), role)
    routes = web_routes(loaded_app)
    refused = [route for route in routes if role is None or role not in route[3]]
    served = [route for route in routes if role is not None and role in route[3] and route[0] == "GET"]
    before = database_dump(store_engine)
    for method, url, _endpoint, _roles in refused:
        response = client.get(url) if method == "GET" else post(client, url, {"confirm": "P001", "role": "admin"})
        where = f"{role or 'signed out'} {method} {url}: {response.status_code}"
        assert is_sign_in_redirect(response) if role is None else response.status_code == 403, where
    assert database_dump(store_engine) == before
    # A served POST changes the store: each blueprint's own tests make those.
    for method, url, endpoint, _roles in served:
        response = client.get(url)
        where = f"{role} {method} {url}: {response.status_code}"
        assert not is_sign_in_redirect(response) and response.status_code < 500, where
        if endpoint not in NARROWED_PER_RECORD:
            assert response.status_code != 403, where
    assert len(refused) + len(served) >= 20


@pytest.mark.parametrize("role", ROLES_AND_ANONYMOUS)
def test_every_post_route_refuses_a_request_without_a_valid_csrf_token(loaded_app, store_engine, role):
    client = loaded_app.test_client() if role is None else sign_in(loaded_app.test_client(), role)
    before = database_dump(store_engine)
    routes = [rule for rule in loaded_app.url_map.iter_rules() if "POST" in rule.methods]
    assert len(routes) >= 20, [r.rule for r in routes]
    for rule in routes:
        path = re.sub(r"<([^>]+)>", lambda m: "1" if m.group(1).startswith("int:") else "P001", rule.rule)
        # The JSON API reads no cookie, so it needs no CSRF token: it refuses any request without
        # an API token (tests/web/test_api_access.py proves it for every route and method).
        refused = 401 if rule.rule.startswith("/api/") else 400
        for token in (None, "forged"):
            data = {"confirm": "P001", "role": "admin"} | ({"csrf_token": token} if token else {})
            assert client.post(path, data=data).status_code == refused, f"{path} ({token or 'no token'})"
    assert database_dump(store_engine) == before
