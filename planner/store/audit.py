"""The audit trail: who did what to which record, and when.

Rows name people and records by id (`person:P0001`, `plan:3`, `user:7`), never by name, and
`detail` carries counts or field names, never personal values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select

from planner.store._common import as_utc, in_transaction, write_audit
from planner.store.tables import audit_log


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str | None
    detail: str

    def as_dict(self) -> dict:
        return {"id": self.id, "at": self.at.isoformat(), "actor": self.actor, "action": self.action,
                "target": self.target, "detail": self.detail}


def audit_entry_from_row(row) -> AuditEntry:
    return AuditEntry(id=row.id, at=as_utc(row.at), actor=row.actor, action=row.action,
                      target=row.target, detail=row.detail)


def record_audit(bind: Engine | Connection, actor: str, action: str, target: str | None = None,
                 detail: str = "") -> None:
    """Append a row to the audit trail. Pass a Connection to write it inside your own
    transaction (so the audit row and the change commit together)."""
    with in_transaction(bind) as connection:
        write_audit(connection, actor, action, target, detail)


def list_audit(engine: Engine, *, actor: str | None = None, action: str | None = None,
               target: str | None = None, limit: int = 200, offset: int = 0) -> list[AuditEntry]:
    """Audit rows, newest first, optionally only those by `actor`, of `action` or about `target`."""
    query = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    if actor is not None:
        query = query.where(audit_log.c.actor == actor)
    if action is not None:
        query = query.where(audit_log.c.action == action)
    if target is not None:
        query = query.where(audit_log.c.target == target)
    with engine.connect() as connection:
        return [audit_entry_from_row(row) for row in connection.execute(query)]


def audit_since_last(engine: Engine, marker: str, actions: tuple[str, ...]) -> list[AuditEntry]:
    """Rows of `actions` written after the newest row of action `marker` (all of them when there
    is none), oldest first: e.g. the people edited in the app since the last import."""
    with engine.connect() as connection:
        last = connection.execute(select(func.max(audit_log.c.id)).where(audit_log.c.action == marker)).scalar()
        query = select(audit_log).where(audit_log.c.action.in_(actions)).order_by(audit_log.c.id)
        if last is not None:
            query = query.where(audit_log.c.id > last)
        return [audit_entry_from_row(row) for row in connection.execute(query)]
