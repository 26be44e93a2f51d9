"""Outgoing webhooks against REAL HTTP receivers started on loopback by each test: an approved
plan is POSTed, signed (HMAC-SHA256, checked here independently of the sender's code), retried
with backoff when the receiver fails, recorded when it is down, and never holds back the
approval; admins (only) see the delivery log."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from helpers import saved_plan, start_serving

from planner.services.decisions import accept_every_undecided, approve_matching_plan
from planner.services.webhooks import (
    WebhookSettings,
    WebhookSettingsError,
    emit,
    event_body,
    only_ids_and_counts,
)
from planner.store import get_plan, list_audit
from planner.store.webhooks import get_delivery, list_deliveries, record_attempt, record_pending_deliveries

SECRET = "a-test-secret-of-32-characters!!"
PAIRS = [("P001", "O-HUB"), ("P009", "O-DASH"), ("P013", "O-TEST")]


class Receiver:
    """A real HTTP server on loopback answering each POST with the next status of `statuses`
    (the last one repeats), keeping every request's headers and raw body."""

    def __init__(self, statuses=(200,)):
        self.statuses = list(statuses)
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses[min(len(receiver.requests), len(receiver.statuses)) - 1]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/trellis"
        self.thread = start_serving(self.server)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
    made = []

    def make(statuses=(200,)):
        made.append(Receiver(statuses))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def closed_port_url() -> str:
    """A loopback URL nobody listens on (the port was free a moment ago)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/down"


def configure(monkeypatch, *urls, delays="0.05,0.2,0.4"):
    monkeypatch.setenv("TRELLIS_WEBHOOK_URLS", ",".join(urls))
    monkeypatch.setenv("TRELLIS_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TRELLIS_WEBHOOK_RETRY_DELAYS", delays)
    monkeypatch.setenv("TRELLIS_WEBHOOK_TIMEOUT_S", "2")


def approved_plan(store):
    stored = saved_plan(store, PAIRS)
    accept_every_undecided(store, stored, "hr1")
    return approve_matching_plan(store, stored.id, "hr1")


def settled(store, timeout=15.0):
    """Every delivery once none is pending any more."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = list_deliveries(store)
        if rows and all(row.state != "pending" for row in rows):
            return rows
        time.sleep(0.05)
    raise AssertionError(f"deliveries still pending: {list_deliveries(store)}")


def verify(headers: dict, body: bytes, secret: str = SECRET, tolerance_s: int = 300) -> bool:
    """What a receiver does (docs/webhooks.md), written here independently of the sender."""
    parts = dict(item.split("=", 1) for item in headers["Trellis-Signature"].split(","))
    expected = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts["v1"]) and abs(time.time() - int(parts["t"])) <= tolerance_s


def test_an_approved_plan_is_posted_to_the_receiver_signed_with_ids_and_counts_only(store, monkeypatch, receiver_factory):
    receiver = receiver_factory()
    configure(monkeypatch, receiver.url)
    approved = approved_plan(store)
    [row] = settled(store)
    assert (row.event, row.url, row.state, row.status_code, row.attempts, row.last_error) == (
        "plan.approved", receiver.url, "delivered", 200, 1, None)
    assert row.delivered_at is not None
    [(headers, body)] = receiver.requests
    assert verify(headers, body)
    assert not verify(headers, body.replace(b'"placements":3', b'"placements":4')), "a changed body must fail"
    assert not verify(headers, body, secret="another-secret-of-32-characters!")
    sent = json.loads(body)
    assert set(sent) == {"event", "id", "timestamp", "data"}
    assert sent["event"] == "plan.approved" and sent["id"] == row.event_id
    assert sent["data"] == {"plan_id": approved.id, "version": approved.version, "placements": 3}
    assert headers["Content-Type"] == "application/json"
    for person_id, _ in PAIRS:
        assert person_id.encode() not in body


def test_a_receiver_that_fails_twice_then_succeeds_gets_the_event_on_the_third_attempt(store, monkeypatch, receiver_factory):
    receiver = receiver_factory(statuses=(500, 503, 200))
    configure(monkeypatch, receiver.url)
    approved_plan(store)
    [row] = settled(store)
    assert (row.state, row.status_code, row.attempts, row.last_error) == ("delivered", 200, 3, None)
    assert len(receiver.requests) == 3
    bodies = {body for _, body in receiver.requests}
    assert len(bodies) == 1, "each retry carries the same event"
    assert all(verify(headers, body) for headers, body in receiver.requests)


def test_retries_wait_longer_each_time(store, monkeypatch, receiver_factory):
    receiver = receiver_factory(statuses=(500, 500, 200))
    configure(monkeypatch, receiver.url, delays="0.1,0.5")
    started = time.monotonic()
    approved_plan(store)
    [row] = settled(store)
    assert row.attempts == 3 and row.state == "delivered"
    assert time.monotonic() - started >= 0.6


def test_a_receiver_that_is_down_is_recorded_as_failed_and_the_approval_stands(store, monkeypatch, receiver_factory):
    down = closed_port_url()
    working = receiver_factory()
    configure(monkeypatch, down, working.url)
    approved = approved_plan(store)
    assert get_plan(store, approved.id).status == "approved"
    rows = {row.url: row for row in settled(store)}
    assert rows[down].state == "failed" and rows[down].attempts == 4 and rows[down].status_code is None
    assert "no answer" in rows[down].last_error and rows[down].delivered_at is None
    assert rows[working.url].state == "delivered", "one receiver down does not stop the others"
    assert [e for e in list_audit(store) if e.action == "plan.approve"]


def test_a_receiver_answering_an_error_every_time_fails_with_its_last_status(store, monkeypatch, receiver_factory):
    receiver = receiver_factory(statuses=(404,))
    configure(monkeypatch, receiver.url, delays="0.01,0.01")
    approved_plan(store)
    [row] = settled(store)
    assert (row.state, row.status_code, row.attempts, row.last_error) == ("failed", 404, 3, "HTTP 404")


def test_without_a_secret_nothing_is_sent_and_the_approval_stands(store, monkeypatch, receiver_factory):
    receiver = receiver_factory()
    monkeypatch.setenv("TRELLIS_WEBHOOK_URLS", receiver.url)
    monkeypatch.delenv("TRELLIS_WEBHOOK_SECRET", raising=False)
    approved = approved_plan(store)
    assert get_plan(store, approved.id).status == "approved"
    assert list_deliveries(store) == [] and receiver.requests == []


def test_without_urls_no_event_is_recorded(store, monkeypatch):
    monkeypatch.delenv("TRELLIS_WEBHOOK_URLS", raising=False)
    approved_plan(store)
    assert list_deliveries(store) == []


def test_the_redeployment_event_is_sent_through_the_same_emit(store, receiver_factory):
    receiver = receiver_factory()
    settings = WebhookSettings(urls=(receiver.url,), secret=SECRET, retry_delays_s=(0.01,))
    dispatch = emit(store, "redeployment.committed", {"plan_id": 7, "version": 2, "redeployments": 5}, settings)
    assert dispatch.wait(10)
    assert get_delivery(store, dispatch.delivery_ids[0]).state == "delivered"
    assert json.loads(receiver.requests[0][1])["data"] == {"plan_id": 7, "version": 2, "redeployments": 5}


@pytest.mark.parametrize("data", [
    {"person_id": "P001"}, {"people": ["P001"]}, {"name": "Alice"}, {"plan": "Alice's move"},
    {"approved_by_name": "hr1"}, {"flag": True}, {"note_id": "x" * 201},
], ids=["person id", "list of people", "name", "free text", "name in key", "boolean", "overlong id"])
def test_events_carry_ids_and_counts_only(data):
    with pytest.raises(ValueError):
        only_ids_and_counts(data)


def test_unknown_events_are_refused_and_emit_never_raises(store, receiver_factory):
    receiver = receiver_factory()
    with pytest.raises(ValueError, match="unknown webhook event"):
        event_body("plan.deleted", {"plan_id": 1})
    settings = WebhookSettings(urls=(receiver.url,), secret=SECRET)
    assert emit(store, "plan.deleted", {"plan_id": 1}, settings) is None
    assert emit(store, "plan.approved", {"person_id": "P001"}, settings) is None
    assert list_deliveries(store) == [] and receiver.requests == []


def test_bad_webhook_settings_are_refused_naming_the_setting():
    with pytest.raises(WebhookSettingsError, match="TRELLIS_WEBHOOK_URLS"):
        WebhookSettings.from_environment({"TRELLIS_WEBHOOK_URLS": "ftp://example.org", "TRELLIS_WEBHOOK_SECRET": SECRET})
    with pytest.raises(WebhookSettingsError, match="TRELLIS_WEBHOOK_SECRET"):
        WebhookSettings.from_environment({"TRELLIS_WEBHOOK_URLS": "https://example.org/h", "TRELLIS_WEBHOOK_SECRET": "short"})
    with pytest.raises(WebhookSettingsError, match="TRELLIS_WEBHOOK_RETRY_DELAYS"):
        WebhookSettings.from_environment({"TRELLIS_WEBHOOK_RETRY_DELAYS": "1,soon"})


# -- the admin page ----------------------------------------------------------------------------


def test_admins_see_the_delivery_log(loaded_app, as_role, store_engine):
    [first, second] = record_pending_deliveries(store_engine, "plan.approved", "e" * 32,
                                                ["https://hr.example.org/hook", "https://bi.example.org/hook"])
    record_attempt(store_engine, first, status_code=200, error=None, delivered=True, final=True)
    record_attempt(store_engine, second, status_code=502, error="HTTP 502", delivered=False, final=True)
    page = as_role("admin").get("/admin/webhooks")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "https://hr.example.org/hook" in html and "https://bi.example.org/hook" in html
    assert "HTTP 502" in html and "delivered" in html and "failed" in html
    assert 'href="/admin/webhooks"' in html, "the page is in the admin's navigation"


def test_the_webhooks_page_meets_wcag_aa(browser, live_server, app, accounts):
    from helpers import AXE, axe_violations  # the project's one axe-core runner

    assert AXE.exists(), f"{AXE} is missing: run scripts/install-assets.sh"
    engine = app.extensions["trellis_engine"]
    [delivered, failed] = record_pending_deliveries(engine, "plan.approved", "f" * 32,
                                                    ["https://hr.example.org/hook", "http://127.0.0.1:9/down"])
    record_attempt(engine, delivered, status_code=204, error=None, delivered=True, final=True)
    record_attempt(engine, failed, status_code=None, error="ConnectionError: no answer from the receiver",
                   delivered=False, final=True)
    context = browser.new_context(locale="en-GB", bypass_csp=True)  # axe is an inline script
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.get_by_label("Account name").fill("ada")
        page.get_by_label("Password").fill(accounts["ada"].password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="Webhooks").click()
        assert page.locator("#webhook-deliveries tbody tr").count() == 2
        assert axe_violations(page) == []
    finally:
        context.close()
