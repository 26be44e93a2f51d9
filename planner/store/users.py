"""User accounts: who may sign in, with which role, linked to which person.

The store keeps only a password *hash* (hashing and checking are the web app's job), counts
failed sign-ins for throttling, and carries a `session_version` that the web app writes into
each session: bumping it signs the user out everywhere (logout, password change)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from planner.store._common import NotFound, as_utc, utc_now, write_audit
from planner.store.engine import write_transaction
from planner.store.tables import ROLES, users

LOCK_AFTER_FAILURES = 5
LOCK_FOR = timedelta(minutes=15)


class UsernameTaken(ValueError):
    """Another account already uses this username."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    password_hash: str
    role: str
    person_id: str | None
    created_at: datetime
    failed_logins: int
    locked_until: datetime | None
    session_version: int
    email: str | None = None

    def is_locked(self, now: datetime | None = None) -> bool:
        """Locked after too many failed sign-ins, until `locked_until` has passed."""
        return self.locked_until is not None and self.locked_until > (now or utc_now())

    def public_dict(self) -> dict:
        """The account as its owner may see it (no password hash)."""
        return {"id": self.id, "username": self.username, "role": self.role,
                "person_id": self.person_id, "created_at": self.created_at.isoformat(),
                "email": self.email, "failed_logins": self.failed_logins,
                "locked_until": self.locked_until.isoformat() if self.locked_until else None}


def _user_from_row(row) -> User:
    return User(id=row.id, username=row.username, password_hash=row.password_hash, role=row.role,
                person_id=row.person_id, created_at=as_utc(row.created_at),
                failed_logins=row.failed_logins, locked_until=as_utc(row.locked_until),
                session_version=row.session_version, email=row.email)


class StaffNeedsPerson(ValueError):
    """A staff account must be linked to a person (its pages show that person's data); the
    store refuses to make a staff account of an unlinked one, or to unlink a staff account.
    (Creating one is checked by `web.auth.create_account`, which every front end uses.)"""


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")




def create_user(engine: Engine, username: str, password_hash: str, role: str, *,
                person_id: str | None = None, email: str | None = None, actor: str) -> User:
    """Create an account; raises UsernameTaken or ValueError (unknown role, empty username,
    malformed email address)."""
    _check_role(role)
    if not username or not username.strip():
        raise ValueError("a username cannot be empty")
    _check_email(email)
    try:
        with write_transaction(engine) as connection:
            user_id = connection.execute(insert(users).values(
                username=username, password_hash=password_hash, role=role, person_id=person_id,
                email=email or None, created_at=utc_now(), failed_logins=0, session_version=1,
            ).returning(users.c.id)).scalar_one()
            write_audit(connection, actor, "user.create", f"user:{user_id}", f"role={role}")
    except IntegrityError as error:
        raise UsernameTaken(f"the username {username!r} is already taken") from error
    return get_user(engine, user_id)


def get_user(engine: Engine, user_id: int) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.id == user_id)).first()
    return None if row is None else _user_from_row(row)


def get_user_by_name(engine: Engine, username: str) -> User | None:
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.username == username)).first()
    return None if row is None else _user_from_row(row)


def users_for_person(engine: Engine, person_id: str) -> list[User]:
    """Accounts linked to a person."""
    with engine.connect() as connection:
        rows = connection.execute(select(users).where(users.c.person_id == person_id).order_by(users.c.id))
        return [_user_from_row(row) for row in rows]


def list_users(engine: Engine, role: str | None = None) -> list[User]:
    """Every account (optionally of one role), by username."""
    query = select(users).order_by(users.c.username)
    if role is not None:
        query = query.where(users.c.role == role)
    with engine.connect() as connection:
        return [_user_from_row(row) for row in connection.execute(query)]


def _change(engine: Engine, user_id: int, actor: str | None, action: str, detail: str = "",
            only_if=None, refusal: Exception | None = None, **values) -> User:
    """Update one account and audit it in one transaction. `only_if` (a condition on the row)
    makes the update conditional, checked atomically; when the account exists but fails it,
    `refusal` is raised."""
    with write_transaction(engine) as connection:
        query = update(users).where(users.c.id == user_id)
        done = connection.execute((query if only_if is None else query.where(only_if)).values(**values))
        if done.rowcount == 0:
            exists = connection.execute(select(users.c.id).where(users.c.id == user_id)).first()
            if exists is not None and refusal is not None:
                raise refusal
            raise NotFound(f"no user {user_id}")
        if actor is not None:
            write_audit(connection, actor, action, f"user:{user_id}", detail)
    return get_user(engine, user_id)


def set_password_hash(engine: Engine, user_id: int, password_hash: str, *, actor: str) -> User:
    """Replace the password hash; clears the lock and signs the user out everywhere."""
    return _change(engine, user_id, actor, "user.password", password_hash=password_hash,
                   failed_logins=0, locked_until=None, session_version=users.c.session_version + 1)


def set_role(engine: Engine, user_id: int, role: str, *, actor: str) -> User:
    """Change an account's role; signs the user out everywhere so the new role applies at once."""
    _check_role(role)
    linked = users.c.person_id.is_not(None) if role == "staff" else None
    return _change(engine, user_id, actor, "user.role", f"role={role}", only_if=linked,
                   refusal=StaffNeedsPerson("a staff account must be linked to a person; link one first"),
                   role=role, session_version=users.c.session_version + 1)


def link_person(engine: Engine, user_id: int, person_id: str | None, *, actor: str) -> User:
    """Link an account to the person whose data it may see (None unlinks, except a staff
    account's: it must stay linked)."""
    not_staff = users.c.role != "staff" if not person_id else None
    return _change(engine, user_id, actor, "user.link", "", only_if=not_staff,
                   refusal=StaffNeedsPerson("a staff account must stay linked to a person"),
                   person_id=person_id)


def email_address_problem(address: str) -> str | None:
    """An account's email address is optional; when given it is one plain address
    (name@domain, at most 254 characters, no spaces or line breaks), so a message can only ever
    go to that one mailbox."""
    if len(address) > 254:
        return "an email address has at most 254 characters"
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain.strip(".") or any(c.isspace() for c in address) \
            or any(c in address for c in ',;<>()[]"\\'):
        return f"{address!r} is not an email address (name@domain, nothing else)"
    return None


def _check_email(address: str | None) -> None:
    problem = email_address_problem(address) if address else None
    if problem:
        raise ValueError(problem)


def set_email(engine: Engine, user_id: int, email: str | None, *, actor: str) -> User:
    """Set (or with None/"" remove) the address an account's notifications are emailed to;
    audited without the address."""
    _check_email(email)
    return _change(engine, user_id, actor, "user.email", "set" if email else "removed", email=email or None)


def bump_session_version(engine: Engine, user_id: int) -> int:
    """Invalidate every existing session of this user (logout everywhere); returns the new
    version the web app must find in a session for it to stay valid."""
    return _change(engine, user_id, None, "", session_version=users.c.session_version + 1).session_version


def record_failed_login(engine: Engine, user_id: int, *, lock_after: int = LOCK_AFTER_FAILURES,
                        lock_for: timedelta = LOCK_FOR) -> User:
    """Count a failed sign-in; after `lock_after` in a row the account is locked for `lock_for`."""
    with write_transaction(engine) as connection:
        failures = connection.execute(
            update(users).where(users.c.id == user_id)
            .values(failed_logins=users.c.failed_logins + 1)
            .returning(users.c.failed_logins)).scalar()
        if failures is None:
            raise NotFound(f"no user {user_id}")
        if failures >= lock_after:
            connection.execute(update(users).where(users.c.id == user_id).values(
                locked_until=utc_now() + lock_for, failed_logins=0))
            write_audit(connection, "system", "user.locked", f"user:{user_id}",
                        f"after {failures} failed sign-ins")
    return get_user(engine, user_id)


def record_successful_login(engine: Engine, user_id: int) -> User:
    """A successful sign-in clears the failure count and any expired lock."""
    return _change(engine, user_id, None, "", failed_logins=0, locked_until=None)


def delete_user(engine: Engine, user_id: int, *, actor: str) -> bool:
    """Remove an account; returns False when there was none."""
    with write_transaction(engine) as connection:
        gone = connection.execute(delete(users).where(users.c.id == user_id)).rowcount
        if gone:
            write_audit(connection, actor, "user.delete", f"user:{user_id}")
    return bool(gone)
