"""A small but real OpenID Connect provider for the tests, built from authlib's server parts.

- `AuthorizationServer` (authlib's Flask integration of `authlib.oauth2.rfc6749`) with the
  authorisation code grant, extended by `OpenIDCode` (ID tokens, nonce required and never
  reused) and `CodeChallenge` (PKCE: a challenge is required on every authorisation request, S256
  only, and the token endpoint checks the verifier).
- ID tokens signed RS256 with an RSA key generated when the provider starts (joserfc), published
  at `/jwks`; a discovery document at `/.well-known/openid-configuration`.
- A login form (account name and password) at `/authorize`, so a browser signs in by typing.
- `override_claims`: claims the provider signs over the proper ones, to play a provider that
  issues a bad token (another audience or issuer, a stale nonce, an unverified email);
  `signing_key`: the key tokens are signed with (another one than the published key makes a
  forged token).

It runs on loopback in a thread (`serve`), over plain HTTP, as the tests' Trellis does.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import grants
from authlib.oauth2.rfc6749.errors import InvalidRequestError
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from flask import Flask, jsonify, request
from helpers import start_serving
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server


@dataclass
class ProviderUser:
    """An account at the identity provider: its password and the claims it releases."""

    sub: str
    password: str
    claims: dict[str, Any]


@dataclass
class Client:
    client_id: str
    client_secret: str
    redirect_uris: list[str]

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0] if self.redirect_uris else None

    def get_allowed_scope(self, scope):
        allowed = {"openid", "profile", "email", "groups"}
        return " ".join(s for s in (scope or "").split() if s in allowed)

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class AuthorizationCode:
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: ProviderUser
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return None


class PKCERequired(CodeChallenge):
    """PKCE for every client, confidential ones too, and only with S256."""

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("Only the S256 'code_challenge_method' is accepted")
        super().validate_code_challenge(grant, redirect_uri)


class OIDCProvider:
    """The provider's state and its Flask app. `issuer` is its URL once `serve` has started it."""

    def __init__(self, client_id: str = "trellis", client_secret: str | None = None):
        self.client = Client(client_id, client_secret or secrets.token_urlsafe(24), [])
        self.users: dict[str, ProviderUser] = {}
        self.codes: dict[str, AuthorizationCode] = {}
        self.used_nonces: set[str] = set()
        self.override_claims: dict[str, Any] = {}
        self.token_requests: list[dict[str, str]] = []
        self.key = RSAKey.generate_key(2048, parameters={"kid": secrets.token_hex(8), "use": "sig", "alg": "RS256"},
                                       private=True)
        # What the ID tokens are signed with: the published key, unless a test swaps in another.
        self.signing_key = self.key
        self.issuer = ""
        self.app = self._build_app()

    # -- accounts and clients ------------------------------------------------------------------

    def add_user(self, username: str, password: str, **claims: Any) -> ProviderUser:
        """An account at the provider; `preferred_username` defaults to `username`."""
        user = ProviderUser(sub=f"sub-{secrets.token_hex(6)}", password=password,
                            claims={"preferred_username": username, **claims})
        self.users[username] = user
        return user

    def allow_redirect(self, uri: str) -> None:
        self.client.redirect_uris.append(uri)

    # -- the app -------------------------------------------------------------------------------

    def _build_app(self) -> Flask:
        provider = self
        app = Flask("test-oidc-provider")
        app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 600}

        class CodeGrant(grants.AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

            def save_authorization_code(self, code, req):
                data = req.payload.data
                provider.codes[code] = AuthorizationCode(
                    code=code, client_id=req.client.client_id, redirect_uri=req.payload.redirect_uri,
                    scope=req.payload.scope, user=req.user, nonce=data.get("nonce"),
                    code_challenge=data.get("code_challenge"), code_challenge_method=data.get("code_challenge_method"))
                if data.get("nonce"):
                    provider.used_nonces.add(data["nonce"])

            def query_authorization_code(self, code, client):
                item = provider.codes.get(code)
                return item if item is not None and item.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.user

        class IDTokens(OpenIDCode):
            def exists_nonce(self, nonce, req):
                return nonce in provider.used_nonces

            def resolve_client_private_key(self, client):
                return provider.signing_key

            def get_client_algorithm(self, client):
                return "RS256"

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": provider.key.kid}

            def get_client_claims(self, client):
                return {"iss": provider.issuer, "aud": [client.client_id]}

            def generate_user_info(self, user, scope):
                info = UserInfo(sub=user.sub, **user.claims)
                info.update(provider.override_claims)  # last, so a test can make the token bad
                return info

        server = AuthorizationServer(app, query_client=self._query_client, save_token=lambda token, req: None)
        server.register_grant(CodeGrant, [IDTokens(require_nonce=True), PKCERequired(required=True)])

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({
                "issuer": provider.issuer,
                "authorization_endpoint": f"{provider.issuer}/authorize",
                "token_endpoint": f"{provider.issuer}/token",
                "jwks_uri": f"{provider.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
                "scopes_supported": ["openid", "profile", "email", "groups"],
            })

        @app.get("/favicon.ico")
        def favicon():
            return "", 204  # so the browser's automatic request is no console error

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [provider.key.as_dict(private=False)]})

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            try:
                grant = server.get_consent_grant(end_user=None)
            except Exception as error:  # an invalid request: say so, as a provider would
                return f"<p id='provider-error'>{escape(str(error))}</p>", 400
            if request.method == "GET":
                return _login_form(request.query_string.decode())
            user = provider.users.get(request.form.get("username", ""))
            if user is None or not secrets.compare_digest(user.password, request.form.get("password", "")):
                return _login_form(request.query_string.decode(), error="Wrong user name or password"), 401
            return server.create_authorization_response(grant_user=user, grant=grant)

        @app.post("/token")
        def token():
            provider.token_requests.append(request.form.to_dict())
            return server.create_token_response()

        return app

    def _query_client(self, client_id):
        return self.client if client_id == self.client.client_id else None


def _login_form(query: str, error: str = "") -> str:
    message = f"<p role='alert'>{escape(error)}</p>" if error else ""
    return f"""<!doctype html><html lang="en"><head><title>Test identity provider</title></head><body>
<h1>Test identity provider</h1>{message}
<form method="post" action="/authorize?{escape(query)}">
<label for="p-username">User name</label><input id="p-username" name="username">
<label for="p-password">Password</label><input id="p-password" name="password" type="password">
<button type="submit">Continue</button></form></body></html>"""


def serve(provider: OIDCProvider):
    """Serve the provider on a free loopback port in a thread; sets and yields its issuer URL."""
    server = make_server("127.0.0.1", 0, provider.app, threaded=True)
    provider.issuer = f"http://127.0.0.1:{server.server_port}"
    thread = start_serving(server)
    yield provider.issuer
    server.shutdown()
    thread.join(timeout=5)
