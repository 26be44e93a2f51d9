"""The delivery log of outgoing webhooks: one row per event and URL, updated after each attempt.

Rows hold the event's name and id, the URL, the last HTTP status and error, and counts; never
the payload itself (it carries only ids and counts anyway, see docs/webhooks.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, insert, select, update

from planner.store._common import as_utc, utc_now
from planner.store.engine import write_transaction
from planner.store.tables import webhook_deliveries

MAX_ERROR_LENGTH = 500


@dataclass(frozen=True)
class WebhookDelivery:
    id: int
    event: str
    event_id: str
    url: str
    state: str
    status_code: int | None
    attempts: int
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


def _delivery_from_row(row) -> WebhookDelivery:
    return WebhookDelivery(id=row.id, event=row.event, event_id=row.event_id, url=row.url, state=row.state,
                           status_code=row.status_code, attempts=row.attempts, last_error=row.last_error,
                           created_at=as_utc(row.created_at), delivered_at=as_utc(row.delivered_at))


def record_pending_deliveries(engine: Engine, event: str, event_id: str, urls: list[str]) -> list[int]:
    """One pending row per URL the event is sent to; returns their ids in the order of `urls`."""
    now = utc_now()
    ids = []
    with write_transaction(engine) as connection:
        for url in urls:
            ids.append(connection.execute(insert(webhook_deliveries).values(
                event=event, event_id=event_id, url=url, state="pending", attempts=0, created_at=now,
            ).returning(webhook_deliveries.c.id)).scalar_one())
    return ids


def record_attempt(engine: Engine, delivery_id: int, *, status_code: int | None, error: str | None,
                   delivered: bool, final: bool) -> None:
    """Count one attempt: delivered (a 2xx answer), failed for good (`final`), or still pending."""
    state = "delivered" if delivered else ("failed" if final else "pending")
    with write_transaction(engine) as connection:
        connection.execute(update(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id).values(
            attempts=webhook_deliveries.c.attempts + 1, status_code=status_code, state=state,
            last_error=None if delivered else (error or "")[:MAX_ERROR_LENGTH],
            delivered_at=utc_now() if delivered else None,
        ))


def list_deliveries(engine: Engine, limit: int = 100, offset: int = 0) -> list[WebhookDelivery]:
    """Deliveries, newest first."""
    query = (select(webhook_deliveries).order_by(webhook_deliveries.c.id.desc()).limit(limit).offset(offset))
    with engine.connect() as connection:
        return [_delivery_from_row(row) for row in connection.execute(query)]


def get_delivery(engine: Engine, delivery_id: int) -> WebhookDelivery | None:
    with engine.connect() as connection:
        row = connection.execute(select(webhook_deliveries).where(webhook_deliveries.c.id == delivery_id)).first()
    return None if row is None else _delivery_from_row(row)
