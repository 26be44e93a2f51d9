"""The `/api/v1` blueprint and what every API route shares: Bearer-token sign-in, the per-token
rate limit, role rules, JSON errors, the audit of reads, and the OpenAPI description (SpecTree,
from the same pydantic models the domain uses).

Security rules, in the order a request meets them (each one promise of docs/SECURITY.md):
- `token_required`: the API reads only `Authorization: Bearer <token>`; a session cookie grants
  nothing here (so the API needs no CSRF token, and a forged cross-site request carries none).
  No token, a malformed one, an unknown or revoked one: 401 with `WWW-Authenticate: Bearer`.
- `rate_limited`: each token may make `API_RATE_LIMIT` requests (default 120 a minute); past
  that 429 with `Retry-After`. A client address that sent `API_FAILURES_PER_ADDRESS` wrong
  tokens (default 60 a minute) is held back the same way, even with a right one.
- `role_allowed`: each route names the roles it serves (`api_roles`); any other role gets 403.
  A person's own data goes through `web.security.get_person_for`, as in the web pages, so a
  staff token reads only the person it is linked to.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from flask import Blueprint, Response, abort, current_app, g, jsonify, request, url_for
from limits import parse as parse_rate
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from spectree import SecurityScheme, SecuritySchemeData, SpecTree
from werkzeug.exceptions import HTTPException

from planner.domain import Problem
from planner.store.api_tokens import ApiToken, authenticate_token
from planner.store.audit import record_audit
from web.data_access import current_scenario, engine
from web.security import ERROR_TITLES, ROLES, CurrentUser, csrf

log = logging.getLogger("trellis.web.api")

API_PREFIX = "/api/v1"
DEFAULT_RATE_LIMIT = "120/minute"
# Failed token checks one client address may make before it is held back (like sign-in
# throttling): guessing a 256-bit token is hopeless, but each guess costs a database lookup.
DEFAULT_FAILURE_LIMIT = "60/minute"

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
# The API never reads the session cookie, so a cross-site request cannot act as a signed-in
# person: CSRF tokens protect forms, which the API has none of.
csrf.exempt(bp)

spec = SpecTree(
    "flask",
    mode="strict",  # only routes described with `spec.validate` (the API's), not the web pages
    title="Trellis API",
    version="1",
    description="People, teams, opportunities, scenario import, plans and pathways for connected "
                "systems. Every route needs `Authorization: Bearer <token>` (`trellis tokens add`).",
    path="api/v1/docs",
    annotations=False,
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(type="http", scheme="bearer",
                                                                        description="an API token from `trellis tokens add`"))],
    security={"bearer": []},
)

# Routes anyone may read: the API's own description.
PUBLIC_ENDPOINTS = frozenset({"api.openapi_document", "api.docs_page"})

F = TypeVar("F", bound=Callable[..., Any])


# ---------------------------------------------------------------------------------------------
# Route declarations
# ---------------------------------------------------------------------------------------------


def api_roles(*roles: str) -> Callable[[F], F]:
    """Declare which roles a route serves; checked before the route runs (403 for the others).
    Kept on the view as `api_roles` so tests can walk every route and its roles."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles {sorted(unknown)}; roles are {ROLES}")

    def decorate(view: F) -> F:
        view.api_roles = frozenset(roles)  # type: ignore[attr-defined]
        return view

    return decorate


def describe(*, tags: tuple[str, ...], **documentation: Any) -> Callable[[F], F]:
    """Describe a route in the OpenAPI document. Inputs are parsed by the route itself (so bad
    input is answered in the import's problems format, never in a library's own)."""
    return spec.validate(tags=list(tags), skip_validation=True, **documentation)


# ---------------------------------------------------------------------------------------------
# Errors as JSON
# ---------------------------------------------------------------------------------------------


class ProblemOut(BaseModel):
    """One thing wrong with the input: where (file, row, column) and what to do about it."""

    file: str
    row: int | None = None
    column: str | None = None
    value: str | None = None
    message: str
    suggestion: str | None = None
    severity: str = "error"


class ProblemsOut(BaseModel):
    problems: list[ProblemOut]


class ErrorOut(BaseModel):
    status: int
    error: str
    detail: str | None = None


API_ERROR_TITLES = ERROR_TITLES | {
    401: "A valid API token is needed",
    403: "This token may not use this route",
    404: "Not found",
    422: "The input has problems",
    503: "Every solve slot is busy",
}


def api_error(status: int, detail: str | None = None, headers: dict[str, str] | None = None) -> Response:
    response = jsonify({"status": status, "error": API_ERROR_TITLES.get(status, "Error"), "detail": detail})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def problems_response(problems: list[Problem], status: int = 422) -> Response:
    """Input refused: every problem with its file, row, column, message and suggestion."""
    response = jsonify({"problems": [p.model_dump(mode="json") for p in problems]})
    response.status_code = status
    return response


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    detail = error.description if status in (400, 404, 409, 413, 429) else None
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return api_error(status, detail, headers)


@bp.errorhandler(Exception)
def _unexpected_error(error: Exception):
    # The exception type only: its text may quote personal data.
    log.error("unhandled API error on %s: %s", request.endpoint, type(error).__name__)
    return api_error(500)


# ---------------------------------------------------------------------------------------------
# Sign-in, rate limit and roles, before every API route
# ---------------------------------------------------------------------------------------------


def current_token() -> ApiToken:
    return g.api_token


def actor() -> str:
    """Who the audit trail says acted: `token:NAME`."""
    return current_token().actor


def _presented_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _limiter() -> tuple[MovingWindowRateLimiter, Any, Any]:
    """The app's limiter (memory of this process), the rate per token and the failures allowed
    per client address; read from the configuration on first use."""
    app = current_app._get_current_object()
    state = app.extensions.get("trellis_api_limiter")
    if state is None:
        per_token = parse_rate(str(app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)))
        failures = parse_rate(str(app.config.get("API_FAILURES_PER_ADDRESS", DEFAULT_FAILURE_LIMIT)))
        state = app.extensions.setdefault("trellis_api_limiter",
                                          (MovingWindowRateLimiter(MemoryStorage()), per_token, failures))
    return state


def _retry_after(limiter: MovingWindowRateLimiter, rate, *identifiers: str) -> str:
    reset_at, _remaining = limiter.get_window_stats(rate, *identifiers)
    return str(max(1, math.ceil(reset_at - time.time())))


def _refuse(status: int, reason: str, detail: str, headers: dict[str, str] | None = None) -> Response:
    """Log a refusal (route and reason, never the token or any content) and answer it."""
    token = g.get("api_token")
    log.warning("API refused: status=%s token=%s endpoint=%s reason=%s",
                status, token.name if token else "-", request.endpoint, reason)
    return api_error(status, detail, headers)


def token_required() -> ApiToken | Response:
    """Only a live API token, sent as `Authorization: Bearer`, signs a request in (401 otherwise).
    An address that sent too many wrong tokens is held back first, even with a right one (429)."""
    limiter, _per_token, failures = _limiter()
    address = request.remote_addr or "-"
    if not limiter.test(failures, "api-failures", address):
        retry_after = _retry_after(limiter, failures, "api-failures", address)
        return _refuse(429, "too many failed tokens from this address",
                       f"Too many requests with a wrong token; try again in {retry_after} s.",
                       {"Retry-After": retry_after})
    presented = _presented_token()
    token = authenticate_token(engine(), presented) if presented else None
    if token is None:
        limiter.hit(failures, "api-failures", address)
        return _refuse(401, "no valid token", "Send a valid API token as `Authorization: Bearer <token>`.",
                       {"WWW-Authenticate": 'Bearer realm="trellis"'})
    return token


def rate_limited(token: ApiToken) -> Response | None:
    """Each token makes at most `API_RATE_LIMIT` requests (default 120 a minute); past that it is
    told when to come back (429 with `Retry-After`)."""
    limiter, per_token, _failures = _limiter()
    if limiter.hit(per_token, "api-token", str(token.id)):
        return None
    retry_after = _retry_after(limiter, per_token, "api-token", str(token.id))
    return _refuse(429, "rate limit", f"This token made more than {per_token} requests; try again in "
                   f"{retry_after} s.", {"Retry-After": retry_after})


def role_allowed(token: ApiToken) -> Response | None:
    """A token may use only the routes that serve its role (`api_roles`); 403 otherwise."""
    view = current_app.view_functions.get(request.endpoint)
    if token.role in getattr(view, "api_roles", frozenset()):
        return None
    return _refuse(403, "role", f"A {token.role} token may not use this route.")


@bp.before_request
def _sign_in_and_check():
    """Every API route but the API's description: `token_required`, `rate_limited`,
    `role_allowed`, in that order. The session cookie's account, if any, is set aside."""
    g.user = None
    g.api_token = None
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    token = token_required()
    if isinstance(token, Response):
        return token
    g.api_token = token
    refused = rate_limited(token)
    if refused is not None:
        return refused
    # The token acts as an account of its role (and person), so the web's rules apply unchanged:
    # `web.security.get_person_for` lets a staff token see its own person only.
    g.user = CurrentUser(id=-token.id, username=token.actor, role=token.role, person_id=token.person_id)
    return role_allowed(token)


# ---------------------------------------------------------------------------------------------
# Inputs, paging, audit
# ---------------------------------------------------------------------------------------------


class QueryModel(BaseModel):
    """Base of query-string models: unknown parameters are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


Q = TypeVar("Q", bound=QueryModel)


def validation_problems(error: ValidationError, file: str) -> list[Problem]:
    return [Problem(file=file, column=".".join(str(p) for p in e["loc"]) or None, message=e["msg"])
            for e in error.errors()]


class InputRefused(Exception):
    """Input that cannot be used; answered with its problems (422)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s)")


@bp.errorhandler(InputRefused)
def _input_refused(error: InputRefused):
    return problems_response(error.problems)


def parse_query(model: type[Q]) -> Q:
    """The query string as `model`; raises InputRefused naming each bad parameter."""
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise InputRefused(validation_problems(error, "query")) from None


def json_body() -> Any:
    """The request's JSON document; raises InputRefused when it is not JSON."""
    data = request.get_json(silent=True)
    if data is None:
        raise InputRefused([Problem(file="request body", message="is not a JSON document",
                                    suggestion="send JSON with `Content-Type: application/json`")])
    return data


def scenario_or_404():
    """The stored scenario, or 404 when nothing has been imported yet."""
    scenario = current_scenario()
    if scenario is None:
        abort(404, description="No scenario has been imported yet.")
    return scenario


def audit_read(target: str, detail: str = "") -> None:
    """Reads of personal data through the API are audited like changes: which token, what."""
    record_audit(engine(), actor(), "api.read", target, detail)


MAX_PER_PAGE = 1000


class PageQuery(QueryModel):
    page: int = Field(default=1, ge=1, description="1 for the first page")
    per_page: int = Field(default=100, ge=1, le=MAX_PER_PAGE)


def page_of(items: Sequence, query: PageQuery, endpoint: str, dump: Callable[[Any], Any],
            **values: Any) -> dict[str, Any]:
    """One page of `items` (each passed through `dump`), the total, and the URL of the next page
    (null on the last)."""
    start = (query.page - 1) * query.per_page
    more = start + query.per_page < len(items)
    return {
        "items": [dump(item) for item in items[start:start + query.per_page]],
        "page": query.page, "per_page": query.per_page, "total": len(items),
        "next": url_for(endpoint, page=query.page + 1, per_page=query.per_page, **values) if more else None,
    }
