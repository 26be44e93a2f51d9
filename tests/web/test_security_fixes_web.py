"""Fixes for the outside tester's web findings (issue 10): open redirects after sign-in, trusting
a TLS proxy only when configured, ids too large for the store, unaudited and over-shared
exports, staff accounts without a person, and markup in chart tooltips."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urljoin, urlsplit

import pytest
from helpers import ACCOUNTS, browser_sign_in, csrf_from, csrf_token, post, sign_in
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from property_examples import examples

from web.security import LARGEST_ID, same_site_path
from web.security import ROLES as SECURITY_ROLES

HUGE = "1" + "0" * 29  # 30 digits: far beyond a 64-bit id
ALICE_HOME = "/me/pathways"


# ---------------------------------------------------------------------------------------------
# 1. Redirects follow same-site paths only, and never fail
# ---------------------------------------------------------------------------------------------

HOSTILE_NEXT = [
    "/\t/evil.example/phish", "/%09/evil.example", "/\n/evil.example", "/\r\nSet-Cookie: x=1", "/ok\r\nX-A: b",
    "//evil.example", "///evil.example", "/\\evil.example", "\\\\evil.example", "/%2F/evil.example",
    "/%2f%2fevil.example", "/%5Cevil.example", "https://evil.example/", "http:/evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,<b>x</b>", " /marketplace", "/ /evil.example",
    "\x00/marketplace", "/\x7f/evil.example", "/\u3000/evil.example", "/\uff0fevil.example", "/\u2044evil.example",
    "/marketplace\u202e", "evil.example", "", "?next=//evil", "#//evil", "/" + "a" * 5000, "/\x0b/evil.example",
]


def assert_lands_on_this_site(location: str, home: str) -> None:
    """The redirect goes home, or to a path here: one slash, then neither slash nor backslash, no
    whitespace or control characters, and a browser resolving it stays on this host."""
    if location == home:
        return
    assert re.fullmatch(r"/([^/\\][!-~]*)?", location), location
    resolved = urlsplit(urljoin("https://trellis.example/here", location))
    assert (resolved.scheme, resolved.netloc) == ("https", "trellis.example"), location


@pytest.mark.parametrize("target", HOSTILE_NEXT)
def test_sign_in_with_a_hostile_next_goes_home_and_never_fails(auth, client, target):
    assert client.get("/login", query_string={"next": target}).status_code == 200
    response = auth.login("alice", next=target)
    assert response.status_code == 302
    assert response.headers["Location"] == ALICE_HOME


def test_the_testers_tab_redirect_now_goes_home(auth):
    """The reported case: `next=%2F%09%2Fevil.example%2Fphish` used to answer `Location: //evil...`."""
    response = auth.login("alice", next="/\t/evil.example/phish")
    assert response.headers["Location"] == ALICE_HOME


@pytest.mark.parametrize("target", ["/marketplace", "/marketplace?kind=project&skill=gis", "/people/P1/record#top",
                                    "/people/P1/pathways?x=%2F%2F"])
def test_a_path_on_this_site_is_followed(auth, target):
    assert auth.login("alice", next=target).headers["Location"] == target


@settings(max_examples=examples(500), deadline=None)
@given(st.one_of(
    st.text(),
    st.lists(st.sampled_from(list("/\\%2fF5cC:.@ \t\r\n\x00\x0bevil") + ["%2F", "%5C", "%09", "\u3000"]),
             max_size=30).map("".join),
    st.builds(lambda a, b: a + b, st.sampled_from(["/", "//", "/\\", "\\", "/%2F", "http:", " /"]), st.text()),
))
def test_any_next_value_is_home_or_a_path_on_this_site(target):
    kept = same_site_path(target)
    if kept is not None:
        assert kept == target
        assert_lands_on_this_site(kept, home="")


@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.one_of(st.text(max_size=60), st.sampled_from(HOSTILE_NEXT),
                        st.builds(lambda a, b: a + b, st.sampled_from(["/", "//", "/\\", "/%09/"]), st.text(max_size=40))))
def test_sign_in_with_any_next_answers_home_or_a_same_site_path(app, target):
    from helpers import AuthActions

    response = AuthActions(app.test_client()).login("alice", next=target)
    assert response.status_code == 302
    assert_lands_on_this_site(response.headers["Location"], home=ALICE_HOME)


@pytest.mark.parametrize("back", ["//evil.example/marketplace", "/marketplace\r\nX-Evil: 1", "/\t/evil.example",
                                  "https://evil.example/marketplace", "/marketplace\\..\\evil"])
def test_returning_from_the_marketplace_stays_on_the_marketplace(auth, back):
    auth.login("alice")
    response = auth.post("/marketplace/interest", {"opportunity_id": "O3", "interested": "yes", "back": back},
                         token_from="/marketplace")
    assert response.status_code == 303
    assert response.headers["Location"] == "/marketplace"


# ---------------------------------------------------------------------------------------------
# 2. Forwarded headers are believed from a configured proxy only (real waitress on loopback)
# ---------------------------------------------------------------------------------------------


class RawClient:
    """HTTP/1.1 requests to a waitress server, with headers exactly as given; keeps one cookie."""

    def __init__(self, port: int, headers: dict[str, str] | None = None):
        self.port, self.headers, self.cookie = port, headers or {}, None

    def request(self, method: str, path: str, body: str | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=15)
        headers = dict(self.headers)
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:  # as a browser posts a form: with its type and the page it came from
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            scheme = "https" if headers.get("X-Forwarded-Proto") == "https" else "http"
            headers["Referer"] = f"{scheme}://127.0.0.1:{self.port}/login"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.text = response.read().decode()
        for value in response.headers.get_all("Set-Cookie") or []:
            if value.startswith("trellis_session="):
                self.cookie = value.split(";")[0]
        connection.close()
        return response

    def sign_in(self, username: str, password: str):
        from urllib.parse import urlencode

        token = csrf_from(self.request("GET", "/login").text)
        return self.request("POST", "/login", urlencode({"csrf_token": token, "username": username, "password": password}))


@pytest.fixture
def waitress_for(app):
    """`waitress_for(proxies)` serves the app with real waitress on a free loopback port, trusting
    forwarded headers from `proxies` exactly as `trellis serve --trusted-proxy` does; returns the port."""
    from web.serving import make_server, trusted_proxy_addresses

    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3  # the production 50, scaled down for speed
    running = threading.Event()
    running.set()
    started = []

    def start(proxies: str) -> int:
        server = make_server(app, "127.0.0.1", 0, 4, trusted_proxy_addresses(proxies))

        def serve():  # waitress's own loop, in short turns so the test can stop it cleanly
            while running.is_set():
                server.asyncore.loop(timeout=0.1, map=server._map, count=1)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        started.append((server, thread))
        return server.effective_port

    yield start
    running.clear()
    for server, thread in started:
        thread.join(timeout=5)
        server.close()


def session_cookie(response) -> str:
    return next(v for v in response.headers.get_all("Set-Cookie") if v.startswith("trellis_session="))


@pytest.mark.parametrize("proxies", ["127.0.0.1", "10.9.9.9, 127.0.0.1"])
def test_behind_a_trusted_proxy_https_gives_a_secure_cookie_and_hsts(waitress_for, proxies):
    client = RawClient(waitress_for(proxies), {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
    page = client.request("GET", "/login")
    assert page.status == 200
    assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    response = client.sign_in("alice", ACCOUNTS["alice"].password)
    assert response.status == 302
    assert "; Secure" in session_cookie(response)
    assert "Strict-Transport-Security" in response.headers
    plain = RawClient(client.port, {"X-Forwarded-Proto": "http"}).request("GET", "/login")  # the proxy's own http
    assert "Strict-Transport-Security" not in plain.headers


@pytest.mark.parametrize("proxies", ["", "10.9.9.9"])
def test_forwarded_headers_from_an_untrusted_address_are_ignored(waitress_for, proxies):
    client = RawClient(waitress_for(proxies), {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"})
    assert "Strict-Transport-Security" not in client.request("GET", "/login").headers
    response = client.sign_in("alice", ACCOUNTS["alice"].password)
    assert response.status == 302
    assert "Secure" not in session_cookie(response)


def fail_sign_ins(port: int, client_address: str, times: int) -> list[int]:
    client = RawClient(port, {"X-Forwarded-For": client_address})
    return [client.sign_in(f"nobody-{n}", "wrong-password").status for n in range(times)]


def test_behind_a_trusted_proxy_the_throttle_counts_each_visitor(waitress_for):
    """One visitor's failures (3 here, 50 in production) throttle that visitor, not everyone
    else behind the same proxy."""
    port = waitress_for("127.0.0.1")
    assert fail_sign_ins(port, "203.0.113.7", 4) == [401, 401, 401, 429]
    other = RawClient(port, {"X-Forwarded-For": "198.51.100.9"})
    assert other.sign_in("alice", ACCOUNTS["alice"].password).status == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_throttle(waitress_for):
    port = waitress_for("10.9.9.9")
    assert fail_sign_ins(port, "203.0.113.7", 3) == [401, 401, 401]
    # A new X-Forwarded-For does not make a new visitor: the address is still 127.0.0.1.
    assert RawClient(port, {"X-Forwarded-For": "198.51.100.9"}).sign_in("alice", ACCOUNTS["alice"].password).status == 429


def test_a_trusted_proxy_that_is_not_an_ip_address_is_refused_in_one_line():
    result = subprocess.run([sys.executable, "-c", "from planner.cli import main; main()", "serve",
                             "--trusted-proxy", "127.0.0.1,proxy.internal"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [(
        "Not started: TRELLIS_TRUSTED_PROXY / --trusted-proxy: 'proxy.internal' is not an IP address "
        "(give the proxy's address as this server sees it, e.g. 127.0.0.1).")]


@pytest.mark.slow  # over ~5 s on a loaded machine: `make test` runs it, `make check` does not
def test_trellis_serve_trusts_the_proxy_named_in_the_environment(database_url, tmp_path):
    """The real entry point: `TRELLIS_TRUSTED_PROXY=127.0.0.1 trellis serve`."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-c", "from planner.cli import main; main()", "serve", "--port", str(port),
         "--database-url", database_url], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "FLASK_DEBUG": "", "TRELLIS_TRUSTED_PROXY": "127.0.0.1"})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = RawClient(port, {"X-Forwarded-Proto": "https"}).request("GET", "/login")
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                assert time.monotonic() < deadline, "trellis serve did not answer within 60 s"
                time.sleep(0.3)
        assert response.status == 200 and response.headers["Server"] == "trellis"
        assert "Strict-Transport-Security" in response.headers
    finally:
        server.terminate()
        server.wait(timeout=10)


# ---------------------------------------------------------------------------------------------
# 5. Ids too large for the store: 404 in a route, 400 in a query or a form, never 500
# ---------------------------------------------------------------------------------------------

# Every role the app knows (a new role is covered without editing this list) and no one.
ROLES_AND_ANONYMOUS = [None, *SECURITY_ROLES]


def client_as(app, role):
    client = app.test_client()
    return sign_in(client, role) if role else client


def int_routes(app):
    return [rule for rule in app.url_map.iter_rules() if any(
        type(converter).__name__ == "StoreIdConverter" for converter in rule._converters.values())]


def fill(rule, number: str) -> str:
    """The rule's URL with `number` in every int argument and P001 in the others."""
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: number if m.group(1) == "int" else "P001", rule.rule)


def test_every_int_argument_in_every_route_is_a_store_id(app):
    from web.security import StoreIdConverter

    rules = int_routes(app)
    assert len(rules) >= 15
    every_int = [r for r in app.url_map.iter_rules() if "<int:" in r.rule]
    assert set(map(str, every_int)) == set(map(str, rules))
    assert app.url_map.converters["int"] is StoreIdConverter


@pytest.mark.parametrize("role", ROLES_AND_ANONYMOUS)
def test_every_route_with_an_id_refuses_a_30_digit_id(loaded_app, role):
    client = client_as(loaded_app, role)
    token = csrf_token(client)
    checked = 0
    for rule in int_routes(loaded_app):
        for number in (HUGE, str(LARGEST_ID + 1), "0"):
            path = fill(rule, number)
            if "GET" in rule.methods:
                assert client.get(path).status_code == 404, path
            if "POST" in rule.methods:
                assert client.post(path, data={"csrf_token": token}).status_code == 404, path
            checked += 1
        largest = fill(rule, str(LARGEST_ID))  # fits the store: an ordinary "no such row"
        status = client.get(largest).status_code if "GET" in rule.methods else \
            client.post(largest, data={"csrf_token": token}).status_code
        # The API answers 401 to anything without a bearer token (session cookies included).
        allowed = (401,) if rule.rule.startswith("/api/") else (302, 400, 403, 404)
        assert status in allowed, (largest, status)
    assert checked >= 45


@pytest.mark.parametrize("role", ROLES_AND_ANONYMOUS)
def test_no_page_fails_on_a_huge_or_strange_page_or_plan_id(loaded_app, role):
    client = client_as(loaded_app, role)
    pages = [r for r in loaded_app.url_map.iter_rules() if "GET" in r.methods and not r.arguments]
    assert len(pages) >= 15
    for rule in pages:
        for value in (HUGE, "abc", "-1", "\u0663", "1e5"):
            response = client.get(rule.rule, query_string={"page": value, "plan_id": value})
            assert response.status_code != 500, (rule.rule, value)


@pytest.mark.parametrize("path, parameter", [("/admin/audit", "page"), ("/network/", "plan_id"),
                                             ("/network/data.json", "plan_id")])
@pytest.mark.parametrize("value", [HUGE, "99999999999999999999", str(LARGEST_ID + 1), "0", "-3", "x", "\u0663"])
def test_an_integer_query_parameter_out_of_range_is_a_bad_request(as_role, path, parameter, value):
    client = as_role("admin")
    if path not in {r.rule for r in client.application.url_map.iter_rules()}:
        pytest.skip(f"{path} is not a route of this app")
    response = client.get(path, query_string={parameter: value})
    assert response.status_code == 400
    assert parameter in response.get_data(as_text=True)


def test_every_form_refuses_numbers_the_store_cannot_hold():
    """Every inbound form model (all blueprints) refuses a 30-digit number in any int field."""
    import importlib

    from pydantic import ValidationError

    from web import BLUEPRINT_MODULES
    from web.security import FormModel

    for name in BLUEPRINT_MODULES:
        importlib.import_module(name)
    models = [m for m in _subclasses(FormModel)]
    checked = 0
    for model in models:
        for field, info in model.model_fields.items():
            if info.annotation in (int, int | None):
                with pytest.raises(ValidationError):
                    model.model_validate({field: HUGE})
                checked += 1
    assert checked >= 5


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_a_what_if_for_a_huge_plan_id_is_refused_not_a_crash(as_role):
    client = as_role("hr")
    response = post(client, "/hr/whatif", {"plan_id": HUGE, "change": "stretch", "stretch_levels": "1"})
    assert response.status_code in (302, 303, 400, 404)


# ---------------------------------------------------------------------------------------------
# 8. Every download is audited; a person's full export goes to themself or an admin only
# ---------------------------------------------------------------------------------------------

POLICY_FORM = {"stretch_levels": 0, "periods": 1, "time_limit_s": 3, "fairness_bands": "", "fairness_min_share": 0,
               "max_cross_organisation": "", "w_skill_fit": 3, "w_development": 4, "w_preference": 5,
               "w_network": 2, "w_diversity": 1}


def finished_plan(app, client, path: str, data: dict | None = None) -> int:
    response = post(client, path, data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    job_id = int(re.search(r"/jobs/(\d+)", response.headers["Location"]).group(1))
    pool = app.extensions["trellis_jobs"]
    assert pool.wait(job_id, 30)
    return pool.get(job_id).plan_id


@pytest.mark.slow  # over ~5 s on a loaded machine: `make test` runs it, `make check` does not
def test_every_download_adds_one_audit_row_naming_who_and_what_and_nothing_else(loaded_app, as_role, store_engine):
    from planner.store import list_audit
    from planner.store.testing import database_dump

    hr, emergency, admin, staff = (as_role(r) for r in ("hr", "emergency", "admin", "staff"))
    matching = finished_plan(loaded_app, hr, "/hr/plan/run", POLICY_FORM)
    redeploy = finished_plan(loaded_app, emergency, "/crisis/redeploy")
    downloads = [
        (hr, "GET", f"/hr/plans/{matching}/export.csv", "hr1", "plan.export", f"plan:{matching}"),
        (hr, "GET", f"/hr/plans/{matching}/export.xlsx", "hr1", "plan.export", f"plan:{matching}"),
        (emergency, "GET", f"/crisis/plans/{redeploy}/export.csv", "ep1", "plan.export", f"plan:{redeploy}"),
        (emergency, "GET", f"/crisis/plans/{redeploy}/export.xlsx", "ep1", "plan.export", f"plan:{redeploy}"),
        (staff, "GET", "/people/P001/export.json", "staff1", "person.export", "person:P001"),
        (admin, "GET", "/people/P002/export.json", "admin1", "person.export", "person:P002"),
        (admin, "POST", "/admin/people/P002/export", "admin1", "person.export", "person:P002"),
    ]
    # Every export route of the app is in the list above.
    listed = {_as_rule(d[2]) for d in downloads}
    assert {_as_rule(fill(r, "1")) for r in loaded_app.url_map.iter_rules() if "export" in r.rule} == listed
    for client, method, path, actor, action, target in downloads:
        before = database_dump(store_engine)
        rows_before = len(list_audit(store_engine, limit=100_000))
        token = csrf_token(client, "/admin/people" if method == "POST" else "/login")
        response = client.get(path) if method == "GET" else client.post(path, data={"csrf_token": token})
        assert response.status_code == 200, path
        assert response.headers["Content-Disposition"].startswith("attachment")
        rows = list_audit(store_engine, limit=100_000)
        assert len(rows) == rows_before + 1, path
        newest = rows[0]
        assert (newest.actor, newest.action, newest.target) == (actor, action, target), path
        # Nothing else changed: the dump before, plus that one audit row, is the dump after.
        after_lines = set(database_dump(store_engine).splitlines())
        assert set(before.splitlines()) <= after_lines
        assert len(after_lines - set(before.splitlines())) == 1, path


def _as_rule(path: str) -> str:
    return re.sub(r"/(P00\d|\d+)(?=/|$|\.)", "/ID", path)


@pytest.mark.parametrize("role, status", [("hr", 403), ("emergency", 403), ("admin", 200), ("staff", 403)])
def test_only_the_person_and_admins_take_a_full_export(as_role, store_engine, role, status):
    from planner.store import list_audit

    client = as_role(role)
    before = len(list_audit(store_engine, limit=100_000))
    assert client.get("/people/P002/export.json").status_code == status  # staff1 is P001
    assert len(list_audit(store_engine, limit=100_000)) == before + (status == 200)


# ---------------------------------------------------------------------------------------------
# 10. A staff account is always linked to a person
# ---------------------------------------------------------------------------------------------


def test_an_unlinked_account_cannot_be_made_staff_on_the_admin_page(as_role, store_engine):
    from planner.store import get_user_by_name

    hr_account = get_user_by_name(store_engine, "hr1")
    admin = as_role("admin")
    response = post(admin, f"/admin/users/{hr_account.id}/role", {"role": "staff"}, token_from="/admin/users")
    assert response.status_code == 302
    assert get_user_by_name(store_engine, "hr1").role == "hr"
    assert "linked to a person" in admin.get("/admin/users").get_data(as_text=True)
    # A linked account may become staff.
    staff = get_user_by_name(store_engine, "staff1")
    post(admin, f"/admin/users/{staff.id}/role", {"role": "hr"}, token_from="/admin/users")
    post(admin, f"/admin/users/{staff.id}/role", {"role": "staff"}, token_from="/admin/users")
    assert get_user_by_name(store_engine, "staff1").role == "staff"


@pytest.mark.parametrize("person_id, message", [("", "must be linked to a person"), ("P999", "no person &#39;P999&#39;")])
def test_the_admin_page_refuses_a_staff_account_without_a_real_person(as_role, store_engine, person_id, message):
    from planner.store import get_user_by_name

    admin = as_role("admin")
    post(admin, "/admin/users", {"username": "newstaff", "password": "long-enough-pass", "role": "staff",
                                 "person_id": person_id}, token_from="/admin/users")
    assert get_user_by_name(store_engine, "newstaff") is None
    assert message in admin.get("/admin/users").get_data(as_text=True)


def test_the_store_keeps_staff_accounts_linked(store_engine):
    from planner.store import NotFound, get_user_by_name, link_person, set_role
    from planner.store.users import StaffNeedsPerson

    hr_account = get_user_by_name(store_engine, "hr1")
    with pytest.raises(StaffNeedsPerson):
        set_role(store_engine, hr_account.id, "staff", actor="test")
    staff = get_user_by_name(store_engine, "staff1")
    with pytest.raises(StaffNeedsPerson):
        link_person(store_engine, staff.id, None, actor="test")
    assert get_user_by_name(store_engine, "staff1").person_id == "P001"
    with pytest.raises(NotFound):
        set_role(store_engine, 10**9, "staff", actor="test")


@pytest.mark.parametrize("extra, message", [([], "must be linked to a person"),
                                            (["--person", "NOPE"], "No person 'NOPE'")])
@pytest.mark.slow  # over ~5 s on a loaded machine: `make test` runs it, `make check` does not
def test_trellis_users_add_refuses_a_staff_account_without_a_real_person(database_url, extra, message):
    result = subprocess.run([sys.executable, "-c", "from planner.cli import main; main()", "users", "add", "s2",
                             "--role", "staff", *extra, "--database-url", database_url],
                            input="long-enough-pass\n", capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr


# ---------------------------------------------------------------------------------------------
# 11. Markup in names stays text in chart tooltips (real Chromium)
# ---------------------------------------------------------------------------------------------

MARKUP = '<img src=x id=pwn onerror="document.body.dataset.pwned=1">'


@pytest.mark.browser
def test_a_team_named_with_markup_stays_text_in_the_network_tooltips(page, loaded_app, store_engine, loaded_live_server):
    from planner.store import load_scenario, save_scenario

    scenario = load_scenario(store_engine)
    teams = [t.model_copy(update={"name": MARKUP + t.name, "service": MARKUP + (t.service or t.name)})
             for t in scenario.teams]
    save_scenario(store_engine, scenario.model_copy(update={"teams": teams}), actor="test")
    finished_plan(loaded_app, sign_in(loaded_app.test_client(), "hr"), "/hr/plan/run", POLICY_FORM)  # for the flows
    base_url = loaded_live_server
    browser_sign_in(page, base_url, "hr")
    page.goto(f"{base_url}/network/")
    page.wait_for_selector("#network-graph[data-drawn=yes]")
    shown = page.evaluate("""() => {
        const texts = [];
        for (const id of ["network-graph", "network-sankey"]) {
            const chart = echarts.getInstanceByDom(document.getElementById(id));
            if (!chart) { continue; }
            const series = chart.getOption().series[0];
            const count = series.data.length, links = (series.links || []).length;
            for (let i = 0; i < count; i++) {
                chart.dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: i});
                texts.push(document.getElementById(id).innerText);
            }
            for (let i = 0; i < links; i++) {
                chart.dispatchAction({type: "showTip", seriesIndex: 0, dataIndex: i, dataType: "edge"});
                texts.push(document.getElementById(id).innerText);
            }
        }
        return texts.join("\\n");
    }""")
    box = page.locator("#network-graph canvas").first.bounding_box()
    for x in range(0, int(box["width"]), 25):  # and real hovering over the graph
        for y in range(0, int(box["height"]), 25):
            page.mouse.move(box["x"] + x, box["y"] + y)
    assert "<img src=x id=pwn" in shown  # the name is shown, as text
    assert "\u2192" in shown  # the Sankey flows' tooltips were shown too
    assert page.locator("#pwn").count() == 0
    assert page.evaluate("document.querySelectorAll('img[src=x]').length") == 0
    assert page.evaluate("document.body.dataset.pwned || ''") == ""
