"""API tokens: how a connected system (the HR system, a reporting tool) signs in to `/api/v1`.

A token is `trl_` followed by 43 random URL-safe characters (256 bits from `secrets`). It is shown
once, when it is made; the store keeps only its sha256 hash. A fast hash is right here, unlike
for passwords: a token is random and long, so there is nothing to guess from its hash, and a
slow hash would only make every API request slow. Each token has a role like an account; a
staff token is linked to the one person it may read. Revoking keeps the row (so the audit trail
still says which token did what) and refuses the token from then on.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from planner.store._common import NotFound, as_utc, utc_now, write_audit
from planner.store.engine import write_transaction
from planner.store.tables import TOKEN_ROLES, api_tokens

TOKEN_PREFIX = "trl_"
TOKEN_BYTES = 32
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# `last_used_at` is written at most this often per token, so reads do not each cost a write.
LAST_USED_EVERY = timedelta(minutes=1)


class TokenNameTaken(ValueError):
    """Another token (live or revoked) already has this name."""


@dataclass(frozen=True)
class ApiToken:
    """A token as the store describes it (never the token or its hash)."""

    id: int
    name: str
    role: str
    person_id: str | None
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None

    @property
    def actor(self) -> str:
        """How the audit trail names what this token did."""
        return f"token:{self.name}"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


@dataclass(frozen=True)
class IssuedToken:
    """A token just made: `secret` is shown to the person once and never again."""

    token: ApiToken
    secret: str


def token_hash(secret: str) -> str:
    """The sha256 of a presented token, as stored."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _token_from_row(row) -> ApiToken:
    return ApiToken(id=row.id, name=row.name, role=row.role, person_id=row.person_id,
                    created_at=as_utc(row.created_at), created_by=row.created_by,
                    last_used_at=as_utc(row.last_used_at), revoked_at=as_utc(row.revoked_at))


def check_token_request(name: str, role: str, person_id: str | None) -> None:
    """A token's name is 1-100 letters, digits, dots, dashes or underscores (it appears in the
    audit trail as `token:NAME`); its role is one of the account roles; a staff token reads one
    person's data, so it must name that person. Raises ValueError in plain words."""
    if not NAME_PATTERN.match(name or ""):
        raise ValueError(f"the token name {name!r} is not allowed: use 1-100 letters, digits, '.', '-' or '_', "
                         "starting with a letter or digit")
    if role not in TOKEN_ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(TOKEN_ROLES)}")
    if role == "staff" and not person_id:
        raise ValueError("a staff token reads one person's data: name that person with --person")
    if person_id is not None and not person_id.strip():
        raise ValueError("the person id cannot be blank")


def issue_token(engine: Engine, name: str, role: str, *, person_id: str | None = None,
                actor: str) -> IssuedToken:
    """Make a new token; raises TokenNameTaken or ValueError (see `check_token_request`)."""
    check_token_request(name, role, person_id)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    try:
        with write_transaction(engine) as connection:
            token_id = connection.execute(insert(api_tokens).values(
                name=name, token_hash=token_hash(secret), role=role, person_id=person_id,
                created_at=utc_now(), created_by=actor,
            ).returning(api_tokens.c.id)).scalar_one()
            write_audit(connection, actor, "token.create", f"token:{name}", f"role={role}")
    except IntegrityError as error:
        raise TokenNameTaken(f"a token named {name!r} already exists (revoked tokens keep their name); "
                             "choose another name") from error
    return IssuedToken(get_token(engine, name, by_id=token_id), secret)


def get_token(engine: Engine, name: str, *, by_id: int | None = None) -> ApiToken | None:
    """The token with this name (or id), or None."""
    where = api_tokens.c.id == by_id if by_id is not None else api_tokens.c.name == name
    with engine.connect() as connection:
        row = connection.execute(select(api_tokens).where(where)).first()
    return None if row is None else _token_from_row(row)


def list_tokens(engine: Engine) -> list[ApiToken]:
    """Every token, live and revoked, oldest first."""
    with engine.connect() as connection:
        return [_token_from_row(row) for row in connection.execute(select(api_tokens).order_by(api_tokens.c.id))]


def revoke_token(engine: Engine, name: str, *, actor: str) -> ApiToken:
    """Refuse the token from now on (audited). Revoking a revoked token changes nothing.
    Raises NotFound for an unknown name."""
    with write_transaction(engine) as connection:
        row = connection.execute(select(api_tokens).where(api_tokens.c.name == name)).first()
        if row is None:
            raise NotFound(f"no token named {name!r}")
        if row.revoked_at is None:
            connection.execute(update(api_tokens).where(api_tokens.c.id == row.id).values(revoked_at=utc_now()))
            write_audit(connection, actor, "token.revoke", f"token:{name}")
    return get_token(engine, name)


def authenticate_token(engine: Engine, presented: str) -> ApiToken | None:
    """The live token matching `presented`, or None (unknown, malformed or revoked).

    The lookup is by hash, so the database never compares the secret itself, and the stored hash
    is compared again in constant time. Records when the token was last used (at most once a
    minute)."""
    if not presented.startswith(TOKEN_PREFIX) or len(presented) > 200:
        return None
    digest = token_hash(presented)
    with engine.connect() as connection:
        row = connection.execute(select(api_tokens).where(api_tokens.c.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest) or row.revoked_at is not None:
        return None
    token = _token_from_row(row)
    now = utc_now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        with write_transaction(engine) as connection:
            connection.execute(update(api_tokens).where(api_tokens.c.id == token.id).values(last_used_at=now))
    return token
