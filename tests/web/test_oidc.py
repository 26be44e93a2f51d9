"""Single sign-on (OpenID Connect) against a REAL provider on loopback (`tests/oidc_provider.py`,
built from authlib's server components), never a mock of the client: the browser signs in by
typing into the provider's own login form; the test client follows the same redirects over HTTP.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from helpers import ACCOUNTS, serve_in_thread
from joserfc.jwk import RSAKey
from oidc_provider import OIDCProvider, serve

from planner.store import get_user_by_name, list_audit
from web import create_app
from web.auth import create_account
from web.oidc import PROTOCOL_FAILED

PROVIDER_PASSWORD = "provider-" + secrets.token_urlsafe(12)
ROLE_GROUPS = "hr=trellis-hr,emergency=trellis-emergency,admin=trellis-admins,staff=trellis-staff"
TEST_CALLBACK = "http://localhost/login/sso/callback"


@pytest.fixture
def provider():
    provider = OIDCProvider(client_id="trellis-test")
    provider.add_user("hana", PROVIDER_PASSWORD, email="hana@example.org", email_verified=True, groups=["trellis-hr"])
    provider.add_user("alice", PROVIDER_PASSWORD, groups=["trellis-staff"])
    provider.add_user("ada", PROVIDER_PASSWORD, groups=["trellis-admins", "trellis-hr"])
    provider.add_user("nobody", PROVIDER_PASSWORD, groups=["trellis-hr"])
    provider.allow_redirect(TEST_CALLBACK)
    yield from _serving(provider)


def _serving(provider):
    for _issuer in serve(provider):
        yield provider


def sso_config(provider: OIDCProvider, **extra) -> dict:
    return {"OIDC_ISSUER": provider.issuer, "OIDC_CLIENT_ID": provider.client.client_id,
            "OIDC_CLIENT_SECRET": provider.client.client_secret, "OIDC_PROVIDER_NAME": "Test IdP", **extra}


@pytest.fixture
def make_app(database_url):
    made = []

    def make(**config):
        app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": database_url, **config})
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["trellis_engine"].dispose()


@pytest.fixture
def app(make_app, provider):
    """The Trellis app (seeded accounts of conftest) signing in through the test provider."""
    return make_app(**sso_config(provider))


def engine_of(app):
    return app.extensions["trellis_engine"]


def provider_login(authorize_url: str, username: str, password: str = PROVIDER_PASSWORD) -> requests.Response:
    """Type the credentials into the provider's login form (over real HTTP)."""
    return requests.post(authorize_url, data={"username": username, "password": password},
                         allow_redirects=False, timeout=10)


def callback_path(response: requests.Response) -> str:
    assert response.status_code == 302, response.text[:300]
    location = urlsplit(response.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == TEST_CALLBACK
    return f"{location.path}?{location.query}"


def sso_sign_in(client, username: str, next_path: str | None = None):
    """The whole flow with the test client: Trellis -> provider login -> Trellis callback."""
    start = client.get("/login/sso" + (f"?{urlencode({'next': next_path})}" if next_path else ""))
    assert start.status_code == 302
    return client.get(callback_path(provider_login(start.headers["Location"], username)))


def signed_in_as(client) -> str | None:
    """Where `/` sends the client: a role's home when signed in, the login page when not."""
    response = client.get("/")
    return None if "/login" in response.headers.get("Location", "/login") else response.headers["Location"]


# -- the browser ---------------------------------------------------------------------------------


def test_a_browser_signs_in_through_the_provider_and_lands_on_its_roles_home(app, provider, live_server, page):
    provider.allow_redirect(f"{live_server}/login/sso/callback")
    page.goto(f"{live_server}/login")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    assert page.url.startswith(provider.issuer + "/authorize?")
    page.get_by_label("User name").fill("hana")
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server}/hr/")
    page.locator(".account-menu summary").click()  # the account menu folds sign-out away
    assert page.get_by_role("button", name="Sign out").count() == 1
    assert page.console_errors == []
    assert "code_verifier" in provider.token_requests[-1], "the client proved its PKCE verifier"


# -- the protocol --------------------------------------------------------------------------------


def test_a_callback_whose_state_does_not_match_the_session_is_refused(client, provider):
    start = client.get("/login/sso")
    path = callback_path(provider_login(start.headers["Location"], "hana"))
    forged = path.replace("state=", "state=x")
    response = client.get(forged)
    assert response.status_code == 400 and PROTOCOL_FAILED in response.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert len(provider.token_requests) == 0, "the code is not even exchanged"


def test_a_callback_carried_into_another_browser_is_refused(app, provider):
    """Login CSRF: a code obtained in the attacker's session does not sign in the victim."""
    attacker, victim = app.test_client(), app.test_client()
    path = callback_path(provider_login(attacker.get("/login/sso").headers["Location"], "hana"))
    assert victim.get(path).status_code == 400
    assert signed_in_as(victim) is None


def test_a_replayed_callback_is_refused(client, provider):
    start = client.get("/login/sso")
    path = callback_path(provider_login(start.headers["Location"], "hana"))
    assert client.get(path).status_code == 302
    assert signed_in_as(client) == "/hr/"
    client.post("/logout", data={"csrf_token": _csrf(client)})
    assert client.get(path).status_code == 400, "its state (and nonce) were used up"
    assert signed_in_as(client) is None


def test_an_id_token_with_another_nonce_is_refused(client, provider):
    provider.override_claims = {"nonce": "a-nonce-from-an-earlier-sign-in"}
    response = sso_sign_in(client, "hana")
    assert response.status_code == 400 and PROTOCOL_FAILED in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_the_provider_refuses_an_authorisation_request_reusing_a_nonce(client, provider):
    first = client.get("/login/sso").headers["Location"]
    assert client.get(callback_path(provider_login(first, "hana"))).status_code == 302
    query = parse_qs(urlsplit(first).query)
    nonce = query["nonce"][0]
    assert nonce in provider.used_nonces
    again = requests.get(f"{provider.issuer}/authorize", params={**{k: v[0] for k, v in query.items()},
                                                                  "state": "fresh"}, timeout=10)
    assert again.status_code == 400 and "Replay" in again.text


@pytest.mark.parametrize("bad", [
    {"aud": ["someone-else"]},
    {"aud": ["someone-else"], "azp": "trellis-test"},  # authlib alone would accept this one
    {"aud": "someone-else"},
    {"iss": "http://127.0.0.1:9/another-issuer"},
    {"exp": 1_000_000_000},
], ids=["other audience", "other audience, our azp", "other audience as text", "other issuer", "expired"])
def test_an_id_token_for_another_audience_or_from_another_issuer_is_refused(client, provider, bad):
    provider.override_claims = bad
    response = sso_sign_in(client, "hana")
    assert response.status_code == 400 and PROTOCOL_FAILED in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_an_id_token_not_signed_with_the_providers_published_key_is_refused(client, provider):
    provider.signing_key = RSAKey.generate_key(2048, parameters={"kid": provider.key.kid}, private=True)
    response = sso_sign_in(client, "hana")
    assert response.status_code == 400 and PROTOCOL_FAILED in response.get_data(as_text=True)
    assert signed_in_as(client) is None


def test_a_provider_whose_discovery_names_another_issuer_is_refused(make_app, provider):
    app = make_app(**sso_config(provider, OIDC_ISSUER=provider.issuer.replace("127.0.0.1", "localhost")))
    client = app.test_client()
    response = client.get("/login/sso/callback?code=x&state=y")
    assert response.status_code == 403 and PROTOCOL_FAILED in response.get_data(as_text=True)


def test_a_provider_that_cannot_be_reached_gives_a_plain_message(make_app):
    app = make_app(OIDC_ISSUER="http://127.0.0.1:9", OIDC_CLIENT_ID="trellis-test", OIDC_CLIENT_SECRET="s" * 20)
    response = app.test_client().get("/login/sso")
    assert response.status_code == 502
    assert "cannot be reached" in response.get_data(as_text=True)


# -- PKCE at the provider ------------------------------------------------------------------------


def _authorize_params(provider, **extra) -> dict:
    return {"response_type": "code", "client_id": provider.client.client_id, "redirect_uri": TEST_CALLBACK,
            "scope": "openid profile", "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8), **extra}


def _code(provider, **extra) -> str:
    url = f"{provider.issuer}/authorize?{urlencode(_authorize_params(provider, **extra))}"
    return parse_qs(urlsplit(provider_login(url, "hana").headers["Location"]).query)["code"][0]


def _exchange(provider, code: str, **extra) -> requests.Response:
    return requests.post(f"{provider.issuer}/token", data={"grant_type": "authorization_code", "code": code,
                                                           "redirect_uri": TEST_CALLBACK, **extra},
                         auth=(provider.client.client_id, provider.client.client_secret), timeout=10)


def test_the_provider_enforces_pkce(provider):
    without = requests.get(f"{provider.issuer}/authorize", params=_authorize_params(provider), timeout=10)
    assert without.status_code == 400 and "code_challenge" in without.text
    plain = requests.get(f"{provider.issuer}/authorize", timeout=10, params=_authorize_params(
        provider, code_challenge="a" * 43, code_challenge_method="plain"))
    assert plain.status_code == 400
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    pkce = {"code_challenge": challenge, "code_challenge_method": "S256"}
    wrong = _exchange(provider, _code(provider, **pkce), code_verifier=secrets.token_urlsafe(48))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = _exchange(provider, _code(provider, **pkce))
    assert missing.status_code == 400 and "code_verifier" in missing.json()["error_description"]
    right = _exchange(provider, _code(provider, **pkce), code_verifier=verifier)
    assert right.status_code == 200 and "id_token" in right.json()


# -- accounts and roles --------------------------------------------------------------------------


def test_a_sign_in_follows_the_password_sign_ins_session_rules(client, app, provider):
    with client.session_transaction() as session:
        session["planted"] = "from before sign-in"
    response = sso_sign_in(client, "hana", next_path="/network/")
    assert response.status_code == 302 and response.headers["Location"] == "/network/"
    with client.session_transaction() as session:
        assert "planted" not in session, "the session is renewed"
        hana = get_user_by_name(engine_of(app), "hana")
        assert session["uid"] == hana.id and session["sv"] == hana.session_version
    entries = [e for e in list_audit(engine_of(app)) if e.action == "user.sign_in"]
    assert [(e.actor, e.target) for e in entries] == [("hana", f"user:{hana.id}")]
    client.post("/logout", data={"csrf_token": _csrf(client)})
    assert signed_in_as(client) is None


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "/\\evil.example"])
def test_next_is_followed_only_to_a_path_on_this_site(client, provider, target):
    response = sso_sign_in(client, "hana", next_path=target)
    assert response.status_code == 302 and response.headers["Location"] == "/hr/", "the role's home instead"


def test_an_unknown_account_is_refused_and_nothing_is_created(client, app, provider):
    response = sso_sign_in(client, "nobody")
    assert response.status_code == 403
    assert "There is no Trellis account" in response.get_data(as_text=True)
    assert get_user_by_name(engine_of(app), "nobody") is None
    assert signed_in_as(client) is None


def test_without_a_role_mapping_the_role_is_the_one_an_admin_set(client, app, provider):
    provider.users["hana"].claims["groups"] = ["trellis-admins"]
    assert sso_sign_in(client, "hana").status_code == 302
    assert signed_in_as(client) == "/hr/"
    assert get_user_by_name(engine_of(app), "hana").role == "hr"


def test_roles_follow_the_groups_claim_when_mapped(make_app, provider):
    app = make_app(**sso_config(provider, OIDC_ROLE_GROUPS=ROLE_GROUPS))
    provider.users["hana"].claims["groups"] = ["trellis-emergency", "other"]
    client = app.test_client()
    assert sso_sign_in(client, "hana").status_code == 302
    assert get_user_by_name(engine_of(app), "hana").role == "emergency"
    assert signed_in_as(client) == "/crisis/"
    assert any(e.action == "user.role" and e.actor == "single-sign-on" for e in list_audit(engine_of(app)))


def test_with_a_role_mapping_a_person_in_no_mapped_group_is_refused(make_app, provider):
    app = make_app(**sso_config(provider, OIDC_ROLE_GROUPS=ROLE_GROUPS))
    provider.users["hana"].claims["groups"] = ["finance"]
    response = sso_sign_in(app.test_client(), "hana")
    assert response.status_code == 403 and "not in any group" in response.get_data(as_text=True)
    assert get_user_by_name(engine_of(app), "hana").role == "hr"


def test_a_staff_role_is_never_given_to_an_account_without_a_person(make_app, provider):
    app = make_app(**sso_config(provider, OIDC_ROLE_GROUPS=ROLE_GROUPS))
    provider.users["hana"].claims["groups"] = ["trellis-staff"]
    response = sso_sign_in(app.test_client(), "hana")
    assert response.status_code == 403 and "linked to your staff record" in response.get_data(as_text=True)
    assert get_user_by_name(engine_of(app), "hana").role == "hr"
    # A linked staff account signs in to its own pages.
    alice = app.test_client()
    assert sso_sign_in(alice, "alice").status_code == 302
    assert signed_in_as(alice) == "/me/pathways"


def test_accounts_are_created_on_first_sign_in_only_when_switched_on_and_a_role_maps(make_app, provider):
    provider.add_user("newplanner", PROVIDER_PASSWORD, groups=["trellis-hr"])
    provider.add_user("newstaff", PROVIDER_PASSWORD, groups=["trellis-staff"])
    app = make_app(**sso_config(provider, OIDC_ROLE_GROUPS=ROLE_GROUPS, OIDC_CREATE_ACCOUNTS="on"))
    client = app.test_client()
    assert sso_sign_in(client, "newplanner").status_code == 302
    created = get_user_by_name(engine_of(app), "newplanner")
    assert created.role == "hr" and signed_in_as(client) == "/hr/"
    assert client.post("/logout", data={"csrf_token": _csrf(client)}).status_code == 302
    password = app.test_client()
    refused = password.post("/login", data={"csrf_token": _csrf(password), "username": "newplanner", "password": "!single-sign-on-only"})
    assert refused.status_code == 401, "an account made by single sign-on has no password"
    staff = sso_sign_in(app.test_client(), "newstaff")
    assert staff.status_code == 403 and get_user_by_name(engine_of(app), "newstaff") is None


def test_matching_on_email_needs_a_verified_email(make_app, provider):
    app = make_app(**sso_config(provider, OIDC_MATCH_CLAIM="email"))
    create_account(engine_of(app), "hana@example.org", ACCOUNTS["hana"].password, "hr", actor="tests")
    provider.users["hana"].claims["email_verified"] = False
    refused = sso_sign_in(app.test_client(), "hana")
    assert refused.status_code == 403 and "not verified" in refused.get_data(as_text=True)
    provider.users["hana"].claims["email_verified"] = True
    client = app.test_client()
    assert sso_sign_in(client, "hana").status_code == 302
    with client.session_transaction() as session:
        assert session["uid"] == get_user_by_name(engine_of(app), "hana@example.org").id


def test_failed_callbacks_are_throttled_per_client_address(make_app, provider):
    app = make_app(**sso_config(provider, LOGIN_MAX_FAILURES_PER_ADDRESS=2))
    client = app.test_client()
    for _ in range(2):
        assert client.get("/login/sso/callback?code=x&state=forged").status_code == 400
    path = callback_path(provider_login(client.get("/login/sso").headers["Location"], "hana"))
    assert client.get(path).status_code == 429
    assert provider.token_requests == [] and signed_in_as(client) is None


# -- local passwords off, and configuration --------------------------------------------------------


def test_with_local_passwords_off_the_page_offers_only_single_sign_on_and_post_login_is_refused(make_app, provider):
    app = make_app(**sso_config(provider, LOCAL_PASSWORDS="off", WTF_CSRF_ENABLED=False))
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    assert "Sign in with Test IdP" in html and 'name="password"' not in html
    refused = client.post("/login", data={"username": "hana", "password": ACCOUNTS["hana"].password})
    assert refused.status_code == 403 and "switched off" in refused.get_data(as_text=True)
    assert signed_in_as(client) is None
    assert sso_sign_in(client, "hana").status_code == 302 and signed_in_as(client) == "/hr/"


def test_without_an_issuer_there_is_no_single_sign_on(make_app):
    app = make_app()
    client = app.test_client()
    assert "Sign in with" not in client.get("/login").get_data(as_text=True)
    assert client.get("/login/sso").status_code == 404
    assert client.get("/login/sso/callback?code=x&state=y").status_code == 404


@pytest.mark.parametrize("config, named", [
    ({"LOCAL_PASSWORDS": "off"}, "TRELLIS_LOCAL_PASSWORDS"),
    ({"LOCAL_PASSWORDS": "maybe"}, "TRELLIS_LOCAL_PASSWORDS"),
    ({"OIDC_ISSUER": "http://idp.example.org"}, "TRELLIS_OIDC_ISSUER"),
    ({"OIDC_ISSUER": "https://idp.example.org"}, "TRELLIS_OIDC_CLIENT_ID"),
    ({"OIDC_ISSUER": "https://idp.example.org", "OIDC_CLIENT_ID": "t"}, "TRELLIS_OIDC_CLIENT_SECRET"),
    ({"OIDC_ISSUER": "https://idp.example.org", "OIDC_CLIENT_ID": "t", "OIDC_CLIENT_SECRET": "s",
      "OIDC_ROLE_GROUPS": "boss=trellis-bosses"}, "TRELLIS_OIDC_ROLE_GROUPS"),
], ids=["passwords off without sso", "not on or off", "plain http issuer", "no client id", "no secret", "unknown role"])
def test_bad_settings_stop_the_app_naming_the_setting(database_url, config, named):
    with pytest.raises(RuntimeError, match=named):
        create_app({"TESTING": True, "SECRET_KEY": "k" * 40, "DATABASE_URL": database_url, **config})


def test_settings_come_from_the_environment(database_url, provider, monkeypatch):
    monkeypatch.setenv("TRELLIS_OIDC_ISSUER", provider.issuer)
    monkeypatch.setenv("TRELLIS_OIDC_CLIENT_ID", provider.client.client_id)
    monkeypatch.setenv("TRELLIS_OIDC_CLIENT_SECRET", provider.client.client_secret)
    monkeypatch.setenv("TRELLIS_OIDC_PROVIDER_NAME", "Northshire sign-in")
    monkeypatch.setenv("TRELLIS_LOCAL_PASSWORDS", "off")
    app = create_app({"TESTING": True, "SECRET_KEY": "k" * 40, "DATABASE_URL": database_url})
    try:
        html = app.test_client().get("/login").get_data(as_text=True)
        assert "Sign in with Northshire sign-in" in html and 'name="password"' not in html
    finally:
        app.extensions["trellis_engine"].dispose()


def _csrf(client) -> str:
    from helpers import csrf_from

    for path in ("/login", "/"):
        html = client.get(path, follow_redirects=True).get_data(as_text=True)
        if 'name="csrf_token"' in html:
            return csrf_from(html)
    raise AssertionError("no CSRF token on the client's pages")



@pytest.mark.parametrize("passwords", ["on", "off"])
def test_the_sign_in_page_with_single_sign_on_meets_wcag_aa(make_app, provider, browser, passwords):
    from helpers import AXE, axe_violations  # the project's one axe-core runner

    assert AXE.exists(), f"{AXE} is missing: run scripts/install-assets.sh"
    app = make_app(**sso_config(provider, LOCAL_PASSWORDS=passwords))
    for base in serve_in_thread(app):
        # axe is injected as an inline script, which the app's Content-Security-Policy rightly forbids.
        context = browser.new_context(locale="en-GB", bypass_csp=True)
        try:
            page = context.new_page()
            page.goto(f"{base}/login")
            assert page.get_by_role("link", name="Sign in with Test IdP").count() == 1
            assert page.get_by_label("Password").count() == (1 if passwords == "on" else 0)
            assert axe_violations(page) == []
        finally:
            context.close()
