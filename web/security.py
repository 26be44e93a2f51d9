"""Security of the web app, in one place.

- `get_person_for(user, person_id)` is the ONE choke point for a person's data: every view that
  shows or changes a person's record goes through it, and it refuses (403/404) anything the
  signed-in account may not see.
- `login_required` and `roles_required(...)` guard views.
- Configuration: secret key kept in `instance/`, secure session cookies, idle timeout, session
  renewal and a per-account `session_version` so a cookie replayed after logout is refused.
- Security headers on every response (error pages too), CSRF on every form (Flask-WTF), a
  generic error page, refusals logged without content, and inbound form models that forbid
  unexpected fields (no mass assignment).
- Values from the request: `same_site_path` is the one rule for redirecting to a value the
  request carried (no open redirect); `<int:...>` routes, `int_param` and form models refuse
  numbers the store cannot hold (404/400, never a 500).
- Every download (a response sent as an attachment) is audited; a person's full export goes
  only to them or an admin (`may_export_person`).

`web.auth` builds on this module; this module never imports `web.auth`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError, CSRFProtect
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from planner.store import record_audit
from planner.store._common import person_target
from planner.store.managers import teams_managed_by
from planner.store.users import get_user
from web.data_access import current_scenario, engine

log = logging.getLogger("trellis.web.security")

csrf = CSRFProtect()

ROLES = ("staff", "hr", "emergency", "admin", "manager")

# Keys that tutorials ship; the app refuses to run in production with any of them.
KNOWN_DEFAULT_SECRET_KEYS = frozenset({"", "dev", "development", "secret", "changeme", "change-me", "test"})
MIN_SECRET_KEY_LENGTH = 32
IDLE_TIMEOUT_S = 30 * 60

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}
# Sent only on responses that went out over https (directly or through a trusted proxy): a
# browser that saw it keeps to https for a year, so a later plain-http link cannot strip TLS.
STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains"

# Row ids are INTEGER columns, 32-bit signed on PostgreSQL; anything outside 1..LARGEST_ID names
# no row, and passing it to PostgreSQL would fail with an out-of-range error instead of 404.
LARGEST_ID = 2**31 - 1


# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------


class SessionCookieSecureOverHttps(SecureCookieSessionInterface):
    """Session cookies are marked Secure whenever the request came over https (or always, when
    SESSION_COOKIE_SECURE is set), so one deployment works behind TLS and on loopback.

    The app itself never reads `X-Forwarded-Proto`: behind a TLS-terminating proxy, waitress
    turns the proxy's header into the request's scheme only when the proxy's address is in
    `TRELLIS_TRUSTED_PROXY` (`web.serving`); from anyone else the header is removed."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


class StoreIdConverter(IntegerConverter):
    """`<int:...>` in a route takes only ids the store can hold (1 to 2**31-1); a longer number
    names no row, so the route answers 404 instead of overflowing the database driver."""

    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", LARGEST_ID)
        super().__init__(url_map, *args, **kwargs)


def instance_secret_key(instance_path: str) -> str:
    """The app's secret key: generated once with `secrets` and kept (mode 0600) in the instance
    folder, so it is never hard-coded and survives restarts."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then linked into place: two processes starting at once agree on one key.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".secret_key.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:  # mkstemp creates it mode 0600
                handle.write(secrets.token_hex(32))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text(encoding="utf-8").strip()


def configure(app: Flask, config: dict[str, Any]) -> None:
    """Apply defaults, then the environment, then `config`; wire CSRF, sessions, headers, errors."""
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=False,
        SESSION_COOKIE_NAME="trellis_session",
        IDLE_TIMEOUT_S=IDLE_TIMEOUT_S,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session, which times out itself
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,
        LOGIN_MAX_FAILURES=5,
        LOGIN_MAX_FAILURES_PER_ADDRESS=50,
        LOGIN_WINDOW_S=15 * 60,
        PRODUCTION=os.environ.get("TRELLIS_ENV", "").lower() == "production",
        DEBUG=os.environ.get("FLASK_DEBUG", "").lower() in ("1", "true", "yes", "on"),
        DATABASE_URL=os.environ.get("TRELLIS_DATABASE_URL"),
    )
    app.config.update(config)
    app.debug = bool(app.config["DEBUG"])
    # Before any blueprint adds its routes: rules bind their converters when they are added.
    app.url_map.converters["int"] = StoreIdConverter
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    app.session_interface = SessionCookieSecureOverHttps()
    csrf.init_app(app)
    app.before_request(_check_session)
    app.after_request(_add_security_headers)
    app.after_request(_audit_downloads)
    _register_error_pages(app)


def check_production_ready(app: Flask) -> None:
    """In production the app refuses to start with a default or short secret key, or debug on."""
    if not app.config.get("PRODUCTION"):
        return
    key = str(app.config.get("SECRET_KEY") or "")
    if key.lower() in KNOWN_DEFAULT_SECRET_KEYS or len(key) < MIN_SECRET_KEY_LENGTH:
        raise RuntimeError(
            "refusing to start in production with a default or short SECRET_KEY; remove it from "
            "the configuration so a random key is generated in the instance folder"
        )
    if app.debug or app.config.get("DEBUG"):
        raise RuntimeError("refusing to start in production with debug on; unset FLASK_DEBUG / DEBUG")


# ---------------------------------------------------------------------------------------------
# Signed-in account and sessions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in account, as views see it (never the password hash)."""

    id: int
    username: str
    role: str
    person_id: str | None
    teams: tuple[str, ...] = ()  # the teams a line manager manages (empty for other roles)


def current_user() -> CurrentUser | None:
    return g.get("user")


def start_session(user: CurrentUser, session_version: int) -> None:
    """Session renewed at login: everything from before (anonymous CSRF token included) is
    dropped, and the cookie carries the account's current session version."""
    session.clear()
    session.permanent = False
    session["uid"] = user.id
    session["sv"] = session_version
    session["seen"] = int(time.time())
    session["nonce"] = secrets.token_urlsafe(16)


def load_user_for_session(uid: int, session_version) -> CurrentUser | None:
    """The account of a session cookie, or None when it was removed or has logged out since."""
    user = get_user(engine(), uid)
    if user is None or user.session_version != session_version:
        return None
    teams = teams_managed_by(engine(), user.id) if user.role == "manager" else ()
    return CurrentUser(id=user.id, username=user.username, role=user.role, person_id=user.person_id, teams=teams)


def _check_session() -> None:
    """Load the account of the cookie; refuse it when the account has since logged out (its
    session version moved on), was removed, or sat idle longer than the idle timeout."""
    g.user = None
    uid = session.get("uid")
    if uid is None or request.endpoint == "static":
        return  # static files are the same for everyone: no account lookup, no cookie rewrite
    now = int(time.time())
    if now - int(session.get("seen", 0)) > current_app.config["IDLE_TIMEOUT_S"]:
        session.clear()
        minutes = current_app.config["IDLE_TIMEOUT_S"] // 60
        flash(f"You were signed out after {minutes} minutes of inactivity. Sign in again to continue.", "info")
        return
    user = load_user_for_session(uid, session.get("sv"))
    if user is None:
        log.info("session refused: stale or unknown account session")
        session.clear()
        return
    g.user = user
    # Rewriting the cookie on every request is what slides the idle window; once a minute is enough.
    if now - int(session.get("seen", 0)) >= 60:
        session["seen"] = now


# ---------------------------------------------------------------------------------------------
# Guards
# ---------------------------------------------------------------------------------------------

F = TypeVar("F", bound=Callable[..., Any])


def log_refusal(reason: str, status: int) -> None:
    """Record that a request was refused: who (account id), what route, why. Never the content."""
    user = current_user()
    log.warning(
        "access refused: status=%s account=%s role=%s endpoint=%s reason=%s",
        status, user.id if user else "-", user.role if user else "-", request.endpoint, reason,
    )


def login_required(view: F) -> F:
    """Views behind this need a signed-in account; others are sent to the login page."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any):
        if current_user() is None:
            return redirect(url_for("auth.login", next=request.path))
        return view(*args, **kwargs)

    # Kept on the view so tests can walk every route and the roles it serves.
    wrapped.allowed_roles = frozenset(ROLES)  # type: ignore[attr-defined]
    return wrapped  # type: ignore[return-value]


def roles_required(*roles: str) -> Callable[[F], F]:
    """Views behind this need a signed-in account holding one of `roles` (403 otherwise)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; roles are {ROLES}")

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any):
            user = current_user()
            if user is None:
                return redirect(url_for("auth.login", next=request.path))
            if user.role not in roles:
                log_refusal("role", 403)
                abort(403)
            return view(*args, **kwargs)

        # Kept on the view so tests can walk every route and the roles it serves.
        wrapped.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


# Roles that may read any person's record (HR plans people; emergency planners redeploy them;
# admins answer subject-access requests). Staff see only the person their account is linked to.
ROLES_SEEING_EVERYONE = frozenset({"hr", "emergency", "admin"})


def may_see_person(user: CurrentUser, person_id: str) -> bool:
    """A member of staff sees only their own record; a line manager also the people of the teams
    they manage; HR, emergency planners and admins see all."""
    if user.role in ROLES_SEEING_EVERYONE:
        return True
    if user.person_id is not None and user.person_id == person_id:
        return True
    return user.role == "manager" and manages_person(user, person_id)


def manages_person(user: CurrentUser, person_id: str) -> bool:
    """A line manager manages the people whose home team is one of their teams (in the stored
    scenario); an unknown id is simply not theirs, so ids cannot be probed."""
    scenario = current_scenario()
    person = scenario.person_by_id.get(person_id) if scenario is not None and user.teams else None
    return person is not None and person.team_id in user.teams


def get_person_for(user: CurrentUser | None, person_id: str):
    """The one way views reach a person's data. Returns the `Person` from the current scenario,
    or refuses: 403 when the account may not see that person, 404 when there is no such person.
    The refusal is decided before looking the person up, so staff cannot probe which ids exist."""
    if user is None:
        log_refusal("not signed in", 403)
        abort(403)
    if not may_see_person(user, person_id):
        log_refusal("another person's record", 403)
        abort(403)
    scenario = current_scenario()
    person = scenario.person_by_id.get(person_id) if scenario is not None else None
    if person is None:
        log_refusal("no such person", 404)
        abort(404)
    return person


def may_export_person(user: CurrentUser, person_id: str) -> bool:
    """A full copy of everything held about a person (a subject access export) goes only to that
    person or to an admin answering their request. HR and emergency planners read records to do
    their work; they do not take copies of them."""
    return user.role == "admin" or (user.person_id is not None and user.person_id == person_id)


# ---------------------------------------------------------------------------------------------
# Redirects and numbers taken from the request
# ---------------------------------------------------------------------------------------------

MAX_REDIRECT_PATH_LENGTH = 1000
# A path on this site: one slash, then neither a slash nor a backslash (browsers read `//x` and
# `/\x` as another host), then only visible ASCII (no spaces, tabs, CR/LF or other controls,
# which browsers strip, and which would break the Location header).
_SAME_SITE_PATH = re.compile(r"/(?![/\\])[!-~]*")
_DECIMAL_NUMBER = re.compile(r"[0-9]{1,19}")


def same_site_path(target: str) -> str | None:
    """Only a path on this site is followed after signing in or after a form (no open redirect):
    `target` when it is one, else None. The rule is checked on the value as sent and once more
    with its %-escapes decoded, so an encoded `//` or backslash is refused too."""
    if len(target) > MAX_REDIRECT_PATH_LENGTH or "\\" in target:
        return None
    for form in (target, unquote(target)):
        if not _SAME_SITE_PATH.fullmatch(form) or "\\" in form:
            return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def int_param(name: str, default: int | None = None) -> int | None:
    """A whole-number query parameter (a page, a plan id): absent or blank gives `default`;
    anything else that is not a number from 1 to LARGEST_ID is a bad request (400) naming it."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if not _DECIMAL_NUMBER.fullmatch(raw) or not 1 <= int(raw) <= LARGEST_ID:
        abort(400, description=f"The parameter {name!r} must be a whole number from 1 to {LARGEST_ID}.")
    return int(raw)


# ---------------------------------------------------------------------------------------------
# Inbound forms: parse at the edge, refuse unexpected fields
# ---------------------------------------------------------------------------------------------


class FormModel(BaseModel):
    """Base of inbound form models: unknown fields (e.g. `role=admin`) are refused, and so are
    `nan`, `inf` and `-inf` in a number field (each numeric field also carries its own range)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def numbers_fit_the_store(cls, value: Any) -> Any:
        """A number in a form (an id, a count) fits a store column; a longer one is refused
        as a bad form rather than overflowing the database driver."""
        if isinstance(value, int) and not isinstance(value, bool) and not -LARGEST_ID - 1 <= value <= LARGEST_ID:
            raise ValueError(f"the number must be between {-LARGEST_ID - 1} and {LARGEST_ID}")
        return value


M = TypeVar("M", bound=FormModel)

# Fields every form carries that are not data (the CSRF token is checked by CSRFProtect).
FORM_TRANSPORT_FIELDS = frozenset({"csrf_token"})


class FormRejected(Exception):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors))


def parse_form(model: type[M], form=None) -> M:
    """Parse a posted form into `model`. Fields posted more than once keep every value (for list
    fields) ; an unexpected field rejects the whole form (400) and the refusal is logged."""
    form = request.form if form is None else form
    data: dict[str, Any] = {}
    for key in form:
        if key in FORM_TRANSPORT_FIELDS:
            continue
        values = form.getlist(key)
        annotation = model.model_fields.get(key)
        is_list = annotation is not None and getattr(annotation.annotation, "__origin__", None) in (list, tuple)
        data[key] = values if is_list else values[-1]
    try:
        return model.model_validate(data)
    except ValidationError as error:
        extra = [".".join(map(str, e["loc"])) for e in error.errors() if e["type"] == "extra_forbidden"]
        if extra:
            log_refusal(f"unexpected form fields {sorted(extra)}", 400)
            abort(400, description="The form carried fields it should not have.")
        raise FormRejected([_plain_error(e) for e in error.errors()]) from None


def _plain_error(error: dict) -> str:
    where = ".".join(str(p) for p in error["loc"]) or "form"
    return f"{where}: {error['msg']}"


# ---------------------------------------------------------------------------------------------
# Headers and error pages
# ---------------------------------------------------------------------------------------------


def _add_security_headers(response):
    """Every response, error pages included, carries the security headers; pages for a signed-in
    account (personal data) are never cached."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if current_user() is not None or not request.path.startswith("/static/"):
        response.headers["Cache-Control"] = "no-store"
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", STRICT_TRANSPORT_SECURITY)
    return response


def _audit_downloads(response):
    """Every download (a response sent as an attachment: plan CSV and workbook, the crisis
    export, a person's data) leaves an audit row: who took it, of what, by which route. Done
    here, once, so an export route added later is audited without remembering to."""
    if response.status_code != 200 or not response.headers.get("Content-Disposition", "").startswith("attachment"):
        return response
    user = current_user()
    arguments = request.view_args or {}
    if "person_id" in arguments:
        action, target = "person.export", person_target(str(arguments["person_id"]))
    elif "plan_id" in arguments:
        action, target = "plan.export", f"plan:{arguments['plan_id']}"
    else:
        action, target = "export", None
    record_audit(engine(), user.username if user else "-", action, target, detail=f"route={request.endpoint}")
    return response


ERROR_TITLES = {
    400: "The request could not be understood",
    403: "You do not have access to this page",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "The upload is too large",
    429: "Too many attempts",
    500: "Something went wrong",
}


def _render_error(status: int, message: str | None = None):
    return render_template("error.html", status=status, title=ERROR_TITLES.get(status, "Error"), message=message), status


def _register_error_pages(app: Flask) -> None:
    """Generic error pages: no stack trace, no exception text, the same headers as any page."""

    @app.errorhandler(CSRFError)
    def csrf_failed(error: CSRFError):
        log_refusal("missing or invalid CSRF token", 400)
        return _render_error(400, "The form has expired or was not sent from this site. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        message = error.description if status in (400, 413, 429) else None
        return _render_error(status, message)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # The exception type only: its text may quote personal data.
        log.error("unhandled error on %s: %s", request.endpoint, type(error).__name__)
        return _render_error(500)
