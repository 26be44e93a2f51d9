"""Single sign-on with the organisation's identity provider (OpenID Connect).

The client is authlib's Flask integration, registered only when `TRELLIS_OIDC_ISSUER` is set:
discovery from `<issuer>/.well-known/openid-configuration`, the authorisation code flow with
PKCE (S256), and a `state` and a `nonce` kept in the session. authlib checks the ID token's
signature (the provider's published keys), `exp` and `nonce`; this module also requires its
`iss` to be the configured issuer and its `aud` to hold our client id, and refuses a sign-in
that brings no ID token at all.

Who the person is, and what they may do, follows from the token's claims by the rules below
(`account_for_claims`): the account is the one whose name equals the configured claim; the role
comes from the groups claim when a mapping is configured, else it is whatever an admin set.
The routes (`web.auth`) then start the session exactly as a password sign-in does.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app
from joserfc.errors import JoseError

from planner.store import record_audit
from planner.store.users import User, UsernameTaken, create_user, get_user_by_name, record_successful_login, set_role
from web.security import ROLES, CurrentUser

log = logging.getLogger("trellis.web.oidc")

CLIENT_NAME = "trellis_sso"
AUDIT_ACTOR = "single-sign-on"
# Stored as the password hash of accounts made by single sign-on: no Argon2 hash looks like it,
# so no password ever matches it.
NO_PASSWORD = "!single-sign-on-only"
SETTINGS = {
    "OIDC_ISSUER": None, "OIDC_CLIENT_ID": None, "OIDC_CLIENT_SECRET": None,
    "OIDC_MATCH_CLAIM": "preferred_username", "OIDC_GROUPS_CLAIM": "groups", "OIDC_ROLE_GROUPS": "",
    "OIDC_CREATE_ACCOUNTS": "off", "OIDC_PROVIDER_NAME": "your organisation's sign-in", "LOCAL_PASSWORDS": "on",
}
SWITCH_WORDS = {"on": True, "true": True, "yes": True, "1": True, "off": False, "false": False, "no": False, "0": False}

PROTOCOL_FAILED = "Single sign-on did not complete. Start again from the sign-in page."
PROVIDER_UNREACHABLE = "The identity provider cannot be reached just now. Try again in a few minutes."


class SignInRefused(Exception):
    """Single sign-on cannot sign this person in; `message` says why, in plain words, and
    `reason` is a short code for the log (never a claim value)."""

    def __init__(self, message: str, reason: str, status: int = 403):
        super().__init__(message)
        self.message, self.reason, self.status = message, reason, status


@dataclass(frozen=True)
class OidcSettings:
    issuer: str
    client_id: str
    client_secret: str
    match_claim: str
    groups_claim: str
    role_groups: tuple[tuple[str, str], ...]
    create_accounts: bool
    provider_name: str


# ---------------------------------------------------------------------------------------------
# Settings
# ---------------------------------------------------------------------------------------------


def switch(value: Any, name: str) -> bool:
    """An on/off setting: on, off, true, false, yes, no, 1 or 0."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word not in SWITCH_WORDS:
        raise RuntimeError(f"TRELLIS_{name} must be on or off, not {value!r}")
    return SWITCH_WORDS[word]


def parse_role_groups(raw: str) -> tuple[tuple[str, str], ...]:
    """`TRELLIS_OIDC_ROLE_GROUPS`: `role=group` pairs separated by commas, e.g.
    `hr=trellis-hr,admin=trellis-admins`. Every role must be a Trellis role."""
    pairs = []
    for item in (part.strip() for part in (raw or "").split(",")):
        if not item:
            continue
        role, _, group = item.partition("=")
        role, group = role.strip(), group.strip()
        if role not in ROLES or not group:
            raise RuntimeError(f"TRELLIS_OIDC_ROLE_GROUPS: {item!r} is not role=group with a role among {', '.join(ROLES)}")
        pairs.append((role, group))
    return tuple(pairs)


def issuer_problem(issuer: str) -> str | None:
    """The issuer is an https URL; plain http only for a provider on this machine (loopback),
    since the provider's keys and tokens would otherwise travel unprotected."""
    parts = urlsplit(issuer)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname:
        host = parts.hostname
        try:
            if host == "localhost" or ipaddress.ip_address(host).is_loopback:
                return None
        except ValueError:
            pass
    return f"TRELLIS_OIDC_ISSUER must be an https URL (plain http only on loopback), not {issuer!r}"


def read_settings(app: Flask) -> OidcSettings | None:
    """The single sign-on settings (None when no issuer is set). Each comes from the app's
    configuration, else from the environment (`TRELLIS_<name>`); a missing or bad one stops the
    app at start with a message naming it."""
    for key, default in SETTINGS.items():
        if app.config.get(key) is None:
            app.config[key] = os.environ.get(f"TRELLIS_{key}", default)
    app.config["LOCAL_PASSWORDS"] = switch(app.config["LOCAL_PASSWORDS"], "LOCAL_PASSWORDS")
    issuer = (app.config["OIDC_ISSUER"] or "").strip().rstrip("/")
    if not issuer:
        if not app.config["LOCAL_PASSWORDS"]:
            raise RuntimeError("TRELLIS_LOCAL_PASSWORDS=off needs single sign-on: set TRELLIS_OIDC_ISSUER too")
        return None
    problem = issuer_problem(issuer)
    if problem:
        raise RuntimeError(problem)
    for key in ("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_MATCH_CLAIM", "OIDC_GROUPS_CLAIM"):
        if not str(app.config[key] or "").strip():
            raise RuntimeError(f"TRELLIS_{key} must be set when TRELLIS_OIDC_ISSUER is")
    return OidcSettings(
        issuer=issuer, client_id=app.config["OIDC_CLIENT_ID"].strip(), client_secret=app.config["OIDC_CLIENT_SECRET"],
        match_claim=app.config["OIDC_MATCH_CLAIM"].strip(), groups_claim=app.config["OIDC_GROUPS_CLAIM"].strip(),
        role_groups=parse_role_groups(app.config["OIDC_ROLE_GROUPS"]),
        create_accounts=switch(app.config["OIDC_CREATE_ACCOUNTS"], "OIDC_CREATE_ACCOUNTS"),
        provider_name=str(app.config["OIDC_PROVIDER_NAME"]).strip() or SETTINGS["OIDC_PROVIDER_NAME"],
    )


def init_oidc(app: Flask) -> None:
    """Register the OpenID Connect client when an issuer is configured (else nothing)."""
    settings = read_settings(app)
    if settings is None:
        return
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME, client_id=settings.client_id, client_secret=settings.client_secret,
        server_metadata_url=f"{settings.issuer}/.well-known/openid-configuration",
        client_kwargs={"scope": "openid profile email", "code_challenge_method": "S256", "timeout": 10},
    )
    app.extensions["trellis_oidc"] = (settings, oauth.create_client(CLIENT_NAME))


def oidc_settings() -> OidcSettings | None:
    """The current app's single sign-on settings, or None when it is not configured."""
    registered = current_app.extensions.get("trellis_oidc")
    return registered[0] if registered else None


def local_passwords_allowed() -> bool:
    return bool(current_app.config.get("LOCAL_PASSWORDS", True))


# ---------------------------------------------------------------------------------------------
# The protocol (authlib does the work)
# ---------------------------------------------------------------------------------------------


def authorisation_redirect(redirect_uri: str):
    """Send the browser to the provider, with a fresh state, nonce and PKCE challenge."""
    _settings, client = current_app.extensions["trellis_oidc"]
    try:
        return client.authorize_redirect(redirect_uri)
    except (requests.RequestException, ValueError, KeyError) as error:  # discovery failed
        raise SignInRefused(PROVIDER_UNREACHABLE, f"discovery failed:{type(error).__name__}", status=502) from None


def verified_claims() -> dict[str, Any]:
    """The ID token's claims, once the callback's state matched the session's, the code was
    exchanged with its PKCE verifier, and the token's signature, issuer, audience, expiry and
    nonce were checked. Raises SignInRefused otherwise."""
    settings, client = current_app.extensions["trellis_oidc"]
    try:
        metadata = client.load_server_metadata()
        if str(metadata.get("issuer", "")).rstrip("/") != settings.issuer:
            raise SignInRefused(PROTOCOL_FAILED, "discovery issuer differs from TRELLIS_OIDC_ISSUER")
        token = client.authorize_access_token(claims_options={
            "iss": {"essential": True, "value": metadata["issuer"]},
            "aud": {"essential": True, "value": settings.client_id},
            "exp": {"essential": True},
        })
    except SignInRefused:
        raise
    except OAuthError as error:
        raise SignInRefused(PROTOCOL_FAILED, f"oauth:{error.error}", status=400) from None
    except JoseError as error:
        raise SignInRefused(PROTOCOL_FAILED, f"id token:{error.error}", status=400) from None
    except ValueError as error:  # a provider answering something that is not the protocol
        raise SignInRefused(PROTOCOL_FAILED, f"provider answer unreadable:{type(error).__name__}", status=502) from None
    except requests.RequestException as error:
        raise SignInRefused(PROTOCOL_FAILED, f"provider unreachable:{type(error).__name__}", status=502) from None
    claims = token.get("userinfo")
    if not claims:
        raise SignInRefused(PROTOCOL_FAILED, "no id token", status=400)
    return dict(claims)


# ---------------------------------------------------------------------------------------------
# Rules: from claims to an account and a role
# ---------------------------------------------------------------------------------------------


def matched_name(claims: dict[str, Any], settings: OidcSettings) -> str:
    """The account is the one whose name equals the configured claim (`TRELLIS_OIDC_MATCH_CLAIM`).
    An email address is only trusted once the provider says it verified it."""
    value = claims.get(settings.match_claim)
    if not isinstance(value, str) or not value.strip():
        raise SignInRefused(f"{settings.provider_name} did not say who you are ({settings.match_claim}). "
                            "Ask your Trellis admin.", "match claim missing")
    if settings.match_claim == "email" and claims.get("email_verified") is not True:
        raise SignInRefused(f"Your email address is not verified at {settings.provider_name}, so Trellis "
                            "cannot use it to find your account.", "email not verified")
    return value.strip()


def role_from_groups(claims: dict[str, Any], settings: OidcSettings) -> str | None:
    """With a role mapping configured, the role is the first `role=group` pair whose group the
    person is in (None when in none of them); without one, None (an admin sets the role)."""
    groups = claims.get(settings.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    held = {g for g in groups if isinstance(g, str)}
    return next((role for role, group in settings.role_groups if group in held), None)


def account_for_claims(db, claims: dict[str, Any], settings: OidcSettings,
                       name_problem: Callable[[str], str | None]) -> tuple[CurrentUser, int]:
    """The Trellis account these claims sign in to, with its session version. The rules:

    - the account's name equals the match claim; unknown names are refused, unless accounts
      may be created on first sign-in, the groups give a role and the name is a valid account
      name (`name_problem`);
    - with a role mapping, a person in none of the mapped groups is refused, and an account
      whose groups now give another role gets it (audited; its other sessions end);
    - a staff account must be linked to a person: a staff role is never given to, or created
      as, an account without one (an admin links it first);
    - a locked account stays locked."""
    username = matched_name(claims, settings)
    role = role_from_groups(claims, settings)
    if settings.role_groups and role is None:
        raise SignInRefused(f"Your account at {settings.provider_name} is not in any group that gives access "
                            "to Trellis. Ask your Trellis admin.", "no mapped group")
    user = get_user_by_name(db, username)
    if user is None:
        user = _create_on_first_sign_in(db, username, role, settings, name_problem)
    if user.is_locked():
        raise SignInRefused("This account is locked for now after repeated failed sign-ins. Try again later.",
                            "account locked", status=429)
    if role is not None and role != user.role:
        user = _take_role_from_groups(db, user, role)
    user = record_successful_login(db, user.id)
    return CurrentUser(id=user.id, username=user.username, role=user.role, person_id=user.person_id), user.session_version


def _create_on_first_sign_in(db, username: str, role: str | None, settings: OidcSettings,
                             name_problem: Callable[[str], str | None]) -> User:
    if not settings.create_accounts or role is None:
        raise SignInRefused(f"There is no Trellis account for your {settings.provider_name} account. "
                            "Ask your Trellis admin to add one.", "unknown account")
    if name_problem(username):
        raise SignInRefused(f"Your {settings.provider_name} account name cannot be a Trellis account name. "
                            "Ask your Trellis admin to add your account.", "unusable account name")
    if role == "staff":
        raise SignInRefused("Your Trellis account has to be linked to your staff record before you can sign in. "
                            "Ask your Trellis admin.", "staff without person")
    try:
        return create_user(db, username, NO_PASSWORD, role, actor=AUDIT_ACTOR)
    except UsernameTaken:  # made a moment ago by a sign-in racing this one
        return get_user_by_name(db, username)


def _take_role_from_groups(db, user: User, role: str) -> User:
    if role == "staff" and not user.person_id:
        raise SignInRefused("Your Trellis account has to be linked to your staff record before you can sign in. "
                            "Ask your Trellis admin.", "staff without person")
    return set_role(db, user.id, role, actor=AUDIT_ACTOR)


def record_sign_in(db, user: CurrentUser) -> None:
    """Each single sign-on leaves an audit row (the account by id, how it signed in)."""
    record_audit(db, user.username, "user.sign_in", f"user:{user.id}", "via=single sign-on")
