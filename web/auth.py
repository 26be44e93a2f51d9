"""Accounts and signing in.

Passwords are hashed with Argon2id (argon2-cffi). Signing in gives the same message for an
unknown account and a wrong password, renews the session, and is throttled after repeated
failures, per account name and per client address. Signing out moves the account's
`session_version` on, so a copy of the old cookie is refused afterwards.

Single sign-on (`web.oidc`, when `TRELLIS_OIDC_ISSUER` is set) ends the same way: the session
is renewed with the account's session version, an audit row is written, failed callbacks are
throttled per client address, and `next` is followed only to a path on this site. With
`TRELLIS_LOCAL_PASSWORDS=off`, password sign-in is refused and the page offers single sign-on only.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import defaultdict, deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from pydantic import ConfigDict, Field

from planner.passwords import MAX_PASSWORD_LENGTH, password_problem
from planner.store import NotFound, get_person
from planner.store.managers import set_manager_teams
from planner.store.scenario import stored_team_ids
from planner.store.users import (
    UsernameTaken,
    bump_session_version,
    create_user,
    delete_user,
    get_user,
    get_user_by_name,
    list_users,
    record_failed_login,
    record_successful_login,
    set_password_hash,
    set_role,
)
from web.data_access import engine
from web.oidc import (
    SignInRefused,
    account_for_claims,
    authorisation_redirect,
    local_passwords_allowed,
    oidc_settings,
    record_sign_in,
    verified_claims,
)
from web.security import (
    ROLES,
    CurrentUser,
    FormModel,
    FormRejected,
    current_user,
    login_required,
    parse_form,
    same_site_path,
    start_session,
)

log = logging.getLogger("trellis.web.auth")

bp = Blueprint("auth", __name__)

NAV: list[tuple[str, str, tuple[str, ...]]] = []

USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,149}$")
LOGIN_FAILED_MESSAGE = "That account name and password do not match."
LOGIN_THROTTLED_MESSAGE = "Too many failed attempts. Wait a few minutes, then try again."
PASSWORDS_OFF_MESSAGE = "Password sign-in is switched off here. Use single sign-on."

_hasher = PasswordHasher()
# Verified against when the account does not exist, so both failures take the same time.
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


class AccountError(ValueError):
    """An account cannot be created or changed as asked; the message says why."""


# ---------------------------------------------------------------------------------------------
# Rules on accounts
# ---------------------------------------------------------------------------------------------


def username_problem(username: str) -> str | None:
    """Account names are 1-150 letters, digits and . _ @ + - (starting with a letter or digit)."""
    if not USERNAME_PATTERN.match(username):
        return "an account name has 1-150 letters, digits or . _ @ + - and starts with a letter or digit"
    return None


def role_problem(role: str, person_id: str | None) -> str | None:
    """Roles are staff, hr, emergency, admin and manager; a staff account is linked to exactly one person."""
    if role not in ROLES:
        return f"unknown role {role!r}; roles are {', '.join(ROLES)}"
    if role == "staff" and not person_id:
        return "a staff account must be linked to a person (--person ID)"
    return None


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# ---------------------------------------------------------------------------------------------
# Accounts in the store
# ---------------------------------------------------------------------------------------------


def person_link_problem(db, person_id: str | None) -> str | None:
    """An account can only be linked to a person who is in the stored scenario."""
    if person_id and get_person(db, person_id) is None:
        return f"no person {person_id!r} in the stored scenario; import it first or check the id"
    return None


def manager_teams_problem(db, role: str, team_ids: tuple[str, ...]) -> str | None:
    """A line manager manages at least one team, and every team named is in the stored
    scenario; other roles manage no team."""
    if role != "manager":
        return "only a manager account manages teams" if team_ids else None
    if not team_ids:
        return "a manager account manages at least one team (--team TEAM)"
    known = stored_team_ids(db)
    unknown = [t for t in team_ids if t not in known]
    if unknown:
        return f"no team {', '.join(map(repr, unknown))} in the stored scenario; check the team id"
    return None


def create_account(db, username: str, password: str, role: str, person_id: str | None = None, actor: str = "cli",
                   teams: tuple[str, ...] = ()) -> int:
    """Add an account (raises AccountError naming the rule it breaks); returns its id. A
    manager account is given its teams (`teams`, checked by `manager_teams_problem`)."""
    teams = tuple(dict.fromkeys(t.strip() for t in teams if t.strip()))
    for problem in (username_problem(username), password_problem(password, username), role_problem(role, person_id),
                    manager_teams_problem(db, role, teams)):
        if problem:
            raise AccountError(problem)
    try:
        user = create_user(db, username, hash_password(password), role, person_id=person_id or None, actor=actor)
    except UsernameTaken as error:
        raise AccountError(f"an account named {username!r} already exists") from error
    if teams:
        set_manager_teams(db, user.id, teams, actor=actor)
    return user.id


def change_manager_teams(db, user_id: int, teams: tuple[str, ...], actor: str) -> tuple[str, ...]:
    """Give a manager account another set of teams (checked like a new account's); raises
    AccountError, or NotFound for an unknown account."""
    user = get_user(db, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    teams = tuple(dict.fromkeys(t.strip() for t in teams if t.strip()))
    problem = manager_teams_problem(db, user.role, teams)
    if problem:
        raise AccountError(problem.replace(" (--team TEAM)", ""))
    changed = set_manager_teams(db, user_id, teams, actor=actor)
    bump_session_version(db, user_id)  # the new teams apply at once, as a new role does
    return changed


def change_account_role(db, user_id: int, role: str, actor: str):
    """Give an account another role (its sessions end). A staff account must already be linked
    to a person: without one, its own pages would have nobody to show. Raises AccountError, or
    NotFound for an unknown account."""
    user = get_user(db, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    problem = role_problem(role, user.person_id)
    if problem:
        raise AccountError(problem.replace(" (--person ID)", "; link it to a person first"))
    try:
        return set_role(db, user_id, role, actor=actor)
    except ValueError as error:  # the store's own check, should the link vanish in between
        raise AccountError(str(error)) from error


def list_accounts(db) -> list:
    """Every account (the store's `User`; views and the CLI never show its hash)."""
    return list_users(db)


def remove_account(db, username: str, actor: str = "cli") -> None:
    """Remove an account by name; its sessions die with it."""
    user = get_user_by_name(db, username)
    if user is None:
        raise AccountError(f"no account named {username!r}")
    delete_user(db, user.id, actor=actor)


# ---------------------------------------------------------------------------------------------
# Throttling failed sign-ins
# ---------------------------------------------------------------------------------------------


class LoginThrottle:
    """After too many failed sign-ins within `window_s`, for one account name (5) or from one
    client address (50: people behind one proxy share it), further attempts are refused until
    the window has passed. Kept in memory,
    so it treats unknown and known account names alike and costs no database write."""

    def __init__(self) -> None:
        self._failures: dict[str, deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float, window_s: float) -> deque:
        times = self._failures[key]
        while times and now - times[0] > window_s:
            times.popleft()
        return times

    def blocked(self, limits: dict[str, int], window_s: float) -> bool:
        """Is any key (with its own limit) at its limit of failures within the window?"""
        now = time.monotonic()
        with self._lock:
            return any(len(self._recent(k, now, window_s)) >= limit for k, limit in limits.items())

    def failed(self, keys: list[str]) -> None:
        now = time.monotonic()
        with self._lock:
            for key in keys:
                self._failures[key].append(now)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)


def _throttle() -> LoginThrottle:
    return current_app.extensions.setdefault("trellis_login_throttle", LoginThrottle())


# ---------------------------------------------------------------------------------------------
# Views
# ---------------------------------------------------------------------------------------------


class LoginForm(FormModel):
    # Passwords are taken exactly as typed (spaces included); only the name is trimmed.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    username: str = Field(default="", max_length=150)
    password: str = Field(default="", max_length=MAX_PASSWORD_LENGTH)
    # Any length is accepted here (the body is bounded by MAX_CONTENT_LENGTH): a `next` that is
    # not a short path on this site just sends the account home (`same_site_path`).
    next: str = ""


# The page each role lands on, first one registered wins (web part 2 registers the consoles).
ROLE_HOME_ENDPOINTS = {
    "staff": ("staff.my_pathways",),
    "hr": ("hr.index", "staff.marketplace"),
    "emergency": ("crisis.index", "staff.marketplace"),
    "admin": ("admin.index", "staff.marketplace"),
    "manager": ("manager.index", "staff.marketplace"),
}


def home_for(user: CurrentUser) -> str:
    for endpoint in ROLE_HOME_ENDPOINTS.get(user.role, ()):
        if endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("auth.home")


@bp.get("/")
def home():
    user = current_user()
    if user is None:
        return redirect(url_for("auth.login"))
    target = home_for(user)
    if target != url_for("auth.home"):
        return redirect(target)
    return render_template("auth/home.html")


def _login_page(status: int = 200, **context):
    """The sign-in page: the password form (unless switched off) and single sign-on (if set up)."""
    settings = oidc_settings()
    return render_template("auth/login.html", passwords=local_passwords_allowed(),
                           sso_name=settings.provider_name if settings else None, **context), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method in ("GET", "HEAD"):
        return _login_page(next=request.args.get("next", ""))
    if not local_passwords_allowed():
        log.warning("password sign-in refused: local passwords are off")
        return _login_page(403, error=PASSWORDS_OFF_MESSAGE, next="")
    try:
        form = parse_form(LoginForm)
    except FormRejected:
        return _login_page(400, error=LOGIN_FAILED_MESSAGE, next="")
    form = form.model_copy(update={"username": form.username.strip()})
    cfg = current_app.config
    limits = {f"name:{form.username.lower()}": cfg["LOGIN_MAX_FAILURES"],
              f"addr:{request.remote_addr}": cfg["LOGIN_MAX_FAILURES_PER_ADDRESS"]}
    keys = list(limits)
    throttle = _throttle()
    if throttle.blocked(limits, cfg["LOGIN_WINDOW_S"]):
        log.warning("sign-in throttled")
        return _login_page(429, error=LOGIN_THROTTLED_MESSAGE, username=form.username, next=form.next)
    account = _verify(form.username, form.password)
    if account == "locked":
        throttle.failed(keys)
        log.warning("sign-in refused: account locked")
        return _login_page(429, error=LOGIN_THROTTLED_MESSAGE, username=form.username, next=form.next)
    if account is None:
        throttle.failed(keys)
        log.info("sign-in failed")
        return _login_page(401, error=LOGIN_FAILED_MESSAGE, username=form.username, next=form.next)
    throttle.succeeded(keys[:1])  # the name's count only: a success elsewhere must not reset the address's
    user, version = account
    start_session(user, version)
    log.info("signed in: account=%s role=%s", user.id, user.role)
    return redirect(same_site_path(form.next) or home_for(user))


def _verify(username: str, password: str) -> tuple[CurrentUser, int] | str | None:
    """The account and its session version when the password matches; "locked" when the account
    is locked after repeated failures; None otherwise (after the same amount of work)."""
    db = engine()
    user = get_user_by_name(db, username)
    stored = user.password_hash if user is not None else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
        matched = user is not None
    except (VerificationError, InvalidHashError):
        matched = False
    if user is not None and user.is_locked():
        return "locked"
    if not matched:
        if user is not None:
            record_failed_login(db, user.id, lock_after=current_app.config["LOGIN_MAX_FAILURES"])
        return None
    record_successful_login(db, user.id)
    if _hasher.check_needs_rehash(stored):
        user = set_password_hash(db, user.id, hash_password(password), actor=f"user:{user.id}")
    return CurrentUser(id=user.id, username=user.username, role=user.role, person_id=user.person_id), user.session_version


# ---------------------------------------------------------------------------------------------
# Single sign-on (OpenID Connect)
# ---------------------------------------------------------------------------------------------


@bp.get("/login/sso")
def sso_start():
    """Send the browser to the identity provider; where to go afterwards (`next`, a path on this
    site only) waits in the session."""
    if oidc_settings() is None:
        abort(404)
    session["sso_next"] = same_site_path(request.args.get("next", "")) or ""
    try:
        return authorisation_redirect(url_for("auth.sso_callback", _external=True))
    except SignInRefused as refused:
        log.warning("single sign-on not started: %s", refused.reason)
        return _login_page(refused.status, error=refused.message, next="")


@bp.get("/login/sso/callback")
def sso_callback():
    """The provider sends the browser back here: check everything (`web.oidc.verified_claims`),
    find the account (`account_for_claims`), then start the session as a password sign-in does.
    Failed callbacks count against the client address, as failed passwords do."""
    settings = oidc_settings()
    if settings is None:
        abort(404)
    limits = {f"sso-addr:{request.remote_addr}": current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]}
    throttle = _throttle()
    if throttle.blocked(limits, current_app.config["LOGIN_WINDOW_S"]):
        log.warning("single sign-on throttled")
        return _login_page(429, error=LOGIN_THROTTLED_MESSAGE, next="")
    next_path = same_site_path(session.pop("sso_next", "") or "")
    try:
        claims = verified_claims()
        user, version = account_for_claims(engine(), claims, settings, username_problem)
    except SignInRefused as refused:
        throttle.failed(list(limits))
        log.info("single sign-on refused: %s", refused.reason)
        return _login_page(refused.status, error=refused.message, next="")
    start_session(user, version)
    record_sign_in(engine(), user)
    log.info("signed in by single sign-on: account=%s role=%s", user.id, user.role)
    return redirect(next_path or home_for(user))


class EmptyForm(FormModel):
    """A form that carries nothing but its CSRF token."""


@bp.post("/logout")
@login_required
def logout():
    parse_form(EmptyForm)
    user = current_user()
    bump_session_version(engine(), user.id)
    session.clear()
    log.info("signed out: account=%s", user.id)
    flash("You have signed out.", "info")
    return redirect(url_for("auth.login"))
