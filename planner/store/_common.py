"""Small pieces shared by the store's modules: time, errors, the audit writer."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, insert

from planner.store.engine import write_transaction
from planner.store.tables import audit_log


class NotFound(LookupError):
    """The record asked for is not in the store (a web view turns this into a 404)."""


def utc_now() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """Timestamps read back from SQLite have lost their zone; every stored time is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def person_target(person_id: str) -> str:
    """How the audit trail names a person: by id, never by name."""
    return f"person:{person_id}"


def write_audit(connection: Connection, actor: str, action: str, target: str | None = None,
                detail: str = "") -> None:
    """Append one row to the audit trail inside the caller's transaction."""
    connection.execute(
        insert(audit_log).values(at=utc_now(), actor=actor, action=action, target=target, detail=detail)
    )


def in_transaction(bind: Engine | Connection):
    """A writing transaction on an engine, or the caller's own connection (already in one)."""
    if isinstance(bind, Connection):
        return _Borrowed(bind)
    return write_transaction(bind)


class _Borrowed:
    def __init__(self, connection: Connection):
        self.connection = connection

    def __enter__(self) -> Connection:
        return self.connection

    def __exit__(self, *exc) -> None:
        return None
