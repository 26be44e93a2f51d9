"""Outgoing webhooks: signed POSTs of events to the URLs an organisation configures.

Events are `plan.approved` and `redeployment.committed`. Each event is one JSON body with the
event's name, a fresh id, a UTC timestamp and `data` holding ids and counts only (never names
or other personal data), POSTed to every URL in `TRELLIS_WEBHOOK_URLS` with a
`Trellis-Signature: t=<unix time>,v1=<hex>` header: HMAC-SHA256, keyed with
`TRELLIS_WEBHOOK_SECRET`, over `<t>.` followed by the raw body (as Stripe signs), so a receiver
can check both who sent it and that it is fresh.

Delivery runs in a background thread, retried with growing waits (`TRELLIS_WEBHOOK_RETRY_DELAYS`,
default 1, 4 and 16 seconds); every attempt is recorded in `webhook_deliveries`, which admins see.
A webhook never holds back or undoes the decision it reports: `emit` is called after the
decision has committed and never raises.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import requests
from sqlalchemy import Engine

from planner.store.webhooks import record_attempt, record_pending_deliveries

log = logging.getLogger("trellis.webhooks")

EVENTS = ("plan.approved", "redeployment.committed")
SIGNATURE_HEADER = "Trellis-Signature"
DEFAULT_RETRY_DELAYS_S = (1.0, 4.0, 16.0)
DEFAULT_TIMEOUT_S = 10.0


class WebhookSettingsError(ValueError):
    """A webhook setting cannot be used; the message names it."""


@dataclass(frozen=True)
class WebhookSettings:
    urls: tuple[str, ...] = ()
    secret: str = ""
    retry_delays_s: tuple[float, ...] = DEFAULT_RETRY_DELAYS_S
    timeout_s: float = DEFAULT_TIMEOUT_S

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> WebhookSettings:
        """Read `TRELLIS_WEBHOOK_URLS` (comma-separated), `TRELLIS_WEBHOOK_SECRET`,
        `TRELLIS_WEBHOOK_RETRY_DELAYS` (seconds, comma-separated) and `TRELLIS_WEBHOOK_TIMEOUT_S`."""
        environ = os.environ if environ is None else environ
        urls = tuple(u.strip() for u in environ.get("TRELLIS_WEBHOOK_URLS", "").split(",") if u.strip())
        for url in urls:
            problem = webhook_url_problem(url)
            if problem:
                raise WebhookSettingsError(f"TRELLIS_WEBHOOK_URLS: {problem}")
        secret = environ.get("TRELLIS_WEBHOOK_SECRET", "")
        if urls and len(secret) < 16:
            raise WebhookSettingsError("TRELLIS_WEBHOOK_SECRET must be set (16 characters or more) when "
                                       "TRELLIS_WEBHOOK_URLS is")
        delays = _numbers(environ.get("TRELLIS_WEBHOOK_RETRY_DELAYS"), "TRELLIS_WEBHOOK_RETRY_DELAYS",
                          DEFAULT_RETRY_DELAYS_S)
        timeout = _numbers(environ.get("TRELLIS_WEBHOOK_TIMEOUT_S"), "TRELLIS_WEBHOOK_TIMEOUT_S", (DEFAULT_TIMEOUT_S,))
        return cls(urls=urls, secret=secret, retry_delays_s=delays, timeout_s=timeout[0])


def _numbers(raw: str | None, name: str, default: tuple[float, ...]) -> tuple[float, ...]:
    if raw is None or not raw.strip():
        return default
    try:
        values = tuple(float(part) for part in raw.split(",") if part.strip())
    except ValueError:
        raise WebhookSettingsError(f"{name} must be numbers of seconds separated by commas, not {raw!r}") from None
    if any(not 0 <= value <= 3600 for value in values):
        raise WebhookSettingsError(f"{name}: each value must be from 0 to 3600 seconds")
    return values


def webhook_url_problem(url: str) -> str | None:
    """Webhook URLs are absolute http or https URLs (https in production; plain http is for
    receivers on the same machine or network)."""
    if not (url.startswith("https://") or url.startswith("http://")) or len(url) > 2000 or " " in url:
        return f"{url[:80]!r} is not an http(s) URL"
    return None


def only_ids_and_counts(data: Mapping[str, object]) -> None:
    """An event carries ids and counts only: every value is a whole number (an id or a count) or,
    under a key ending in `_id`, a short text id; nothing about a person at all."""
    for key, value in data.items():
        if "person" in key or "name" in key:
            raise ValueError(f"webhook data may not carry {key!r}: events carry no personal data")
        if isinstance(value, bool) or not (isinstance(value, int) or (key.endswith("_id") and isinstance(value, str)
                                                                      and len(value) <= 200)):
            raise ValueError(f"webhook data {key!r} must be an id or a count")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The `Trellis-Signature` header value: `t=<timestamp>,v1=<HMAC-SHA256 of "<t>." + body>`."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def event_body(event: str, data: Mapping[str, object], now: datetime | None = None) -> tuple[str, bytes]:
    """The event's id and its JSON body: event, id, timestamp (UTC, ISO 8601) and data."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}; events are {', '.join(EVENTS)}")
    only_ids_and_counts(data)
    event_id = uuid.uuid4().hex
    moment = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    body = json.dumps({"event": event, "id": event_id, "timestamp": moment, "data": dict(data)},
                      separators=(",", ":"), sort_keys=True).encode("utf-8")
    return event_id, body


@dataclass
class Dispatch:
    """The deliveries of one event, under way in a background thread."""

    event_id: str
    delivery_ids: list[int]
    thread: threading.Thread | None = field(default=None, repr=False)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every attempt is over; True when it is."""
        if self.thread is None:
            return True
        self.thread.join(timeout)
        return not self.thread.is_alive()


def emit(engine: Engine, event: str, payload: Mapping[str, object],
         settings: WebhookSettings | None = None) -> Dispatch | None:
    """Send `event` with `payload` (ids and counts) to every configured URL, in the background.

    Called after the change it reports has committed. Never raises: a bad setting or a store
    error is logged and the event is dropped, since the decision itself must stand."""
    try:
        settings = settings or WebhookSettings.from_environment()
        if not settings.urls:
            return None
        event_id, body = event_body(event, payload)
        delivery_ids = record_pending_deliveries(engine, event, event_id, list(settings.urls))
    except Exception as error:  # noqa: BLE001 - the approval has committed; report, never undo it
        log.error("webhook event %s not sent: %s", event, type(error).__name__ if not isinstance(error, ValueError) else error)
        return None
    thread = threading.Thread(target=_deliver_all, name=f"webhooks-{event_id[:8]}",
                              args=(engine, settings, body, list(zip(delivery_ids, settings.urls))))
    thread.start()
    return Dispatch(event_id=event_id, delivery_ids=delivery_ids, thread=thread)


def _deliver_all(engine: Engine, settings: WebhookSettings, body: bytes, targets: list[tuple[int, str]]) -> None:
    with requests.Session() as http:
        for delivery_id, url in targets:
            deliver_with_retries(engine, http, settings, body, delivery_id, url)


def deliver_with_retries(engine: Engine, http: requests.Session, settings: WebhookSettings, body: bytes,
                         delivery_id: int, url: str) -> bool:
    """Deliver once, then retry after each of `retry_delays_s` until a 2xx answer; each
    attempt is signed afresh (a new timestamp) and recorded. Returns whether it was delivered."""
    waits = (0.0, *settings.retry_delays_s)
    for number, wait in enumerate(waits, start=1):
        time.sleep(wait)
        status, error = _attempt(http, settings, body, url)
        delivered = status is not None and 200 <= status < 300
        final = delivered or number == len(waits)
        try:
            record_attempt(engine, delivery_id, status_code=status, error=error, delivered=delivered, final=final)
        except Exception as store_error:  # noqa: BLE001 - keep delivering; the log says why the row lags
            log.error("webhook delivery %s: attempt not recorded (%s)", delivery_id, type(store_error).__name__)
        if delivered:
            return True
    log.warning("webhook delivery %s failed after %s attempts", delivery_id, len(waits))
    return False


def _attempt(http: requests.Session, settings: WebhookSettings, body: bytes, url: str) -> tuple[int | None, str | None]:
    """One signed POST; returns the HTTP status (None when there was no answer) and an error."""
    headers = {"Content-Type": "application/json", "User-Agent": "Trellis-Webhooks/1",
               SIGNATURE_HEADER: signature(settings.secret, int(time.time()), body)}
    try:
        response = http.post(url, data=body, headers=headers, timeout=settings.timeout_s, allow_redirects=False)
    except requests.RequestException as error:
        return None, f"{type(error).__name__}: no answer from the receiver"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"
