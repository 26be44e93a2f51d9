"""Notifications by email, against a real SMTP server (aiosmtpd) the tests start on loopback:
what arrives, to whom, and what happens when the server refuses or is not there."""

from __future__ import annotations

import email
import email.policy
import logging
import secrets
import smtplib
import socket
import time
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from planner import store
from planner.notifications import audience
from planner.notifications.audience import Placement
from planner.notifications.outbox import (
    MAX_EMAIL_ATTEMPTS,
    NO_ADDRESS,
    EmailOutbox,
    SmtpSettings,
    SmtpSettingsError,
    email_error_text,
    is_permanent_failure,
    retry_delay,
)
from planner.store import notifications as inbox_store
from planner.store.tables import notifications
from planner.store.users import set_email
from tests.conftest import small_scenario
from web import create_app

NAMES = [p.name for p in small_scenario().people]


# ---------------------------------------------------------------------------------------------
# A real SMTP server on loopback
# ---------------------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """What the SMTP server received (envelopes and parsed messages), and how it answers."""

    received: list = field(default_factory=list)
    refuse_rcpt: str | None = None     # e.g. "550 5.1.1 <x> mailbox unavailable"
    refuse_data: str | None = None     # e.g. "451 4.3.0 try again later"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse_data:
            return self.refuse_data
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def wait_for(self, count: int, timeout_s: float = 10.0) -> list:
        deadline = time.monotonic() + timeout_s
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """An aiosmtpd server on a free loopback port; yields (mailbox, port)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield mailbox, controller.port
    controller.stop()


@pytest.fixture
def engine(database_url):
    engine = store.make_engine(database_url)
    yield engine
    engine.dispose()


def user(engine, name):
    return store.get_user_by_name(engine, name)


def row_of(engine, notification_id):
    with engine.connect() as connection:
        return connection.execute(notifications.select().where(notifications.c.id == notification_id)).one()


def settings_for(port: int, **extra) -> SmtpSettings:
    return SmtpSettings.from_url(f"smtp://127.0.0.1:{port}?from=trellis@example.org&site=https://trellis.example.org"
                                 + "".join(f"&{k}={v}" for k, v in extra.items()))


# ---------------------------------------------------------------------------------------------
# What arrives
# ---------------------------------------------------------------------------------------------


def test_each_notification_arrives_as_an_email_to_its_recipient_alone_carrying_only_their_message(engine, smtp_server):
    mailbox, port = smtp_server
    alice, bilal, hana = user(engine, "alice"), user(engine, "bilal"), user(engine, "hana")
    set_email(engine, alice.id, "alice@example.org", actor="tests")
    set_email(engine, bilal.id, "bilal@example.org", actor="tests")
    set_email(engine, hana.id, "hana@example.org", actor="tests")
    audience.deliver(engine, audience.plan_approved_messages(engine, plan_id=4, plan_kind="matching", version=2,
                                                             placements=[Placement("P1", "Data analysis secondment", "Data Team"),
                                                                         Placement("P2", "GIS mapping project", "Mapping Unit")]))
    report = EmailOutbox(engine, settings_for(port)).send_due()
    assert (report.sent, report.failed) == (3, 0)
    by_recipient = {tuple(rcpts): (sender, message) for sender, rcpts, message in mailbox.wait_for(3)}
    assert set(by_recipient) == {("alice@example.org",), ("bilal@example.org",), ("hana@example.org",)}
    sender, to_alice = by_recipient[("alice@example.org",)]
    assert sender == "trellis@example.org" and to_alice["To"] == "alice@example.org"
    assert to_alice["Cc"] is None and to_alice["Bcc"] is None
    assert to_alice["Subject"] == "Trellis: Your placement has been approved"
    body = to_alice.get_content()
    assert "Data analysis secondment" in body and "https://trellis.example.org/me/record" in body
    whole = to_alice.as_string()
    assert not any(word in whole for name in NAMES for word in name.split()), "no one's name, not even hers"
    assert "GIS" not in whole and "bilal" not in whole and "hana" not in whole and "P1" not in whole
    _sender, to_hana = by_recipient[("hana@example.org",)]
    assert "2 placements" in to_hana.get_content() and "https://trellis.example.org/hr/plans/4" in to_hana.get_content()
    assert not any(word in to_hana.as_string() for name in NAMES for word in name.split())
    with engine.connect() as connection:
        rows = connection.execute(notifications.select()).all()
    assert all(r.emailed_at is not None and r.email_error is None and r.email_attempts == 1 for r in rows)
    assert EmailOutbox(engine, settings_for(port)).send_due().sent == 0  # never twice


def test_an_account_without_an_address_gets_the_inbox_copy_only(engine, smtp_server):
    mailbox, port = smtp_server
    alice = user(engine, "alice")
    [nid] = inbox_store.notify(engine, [alice.id], "proposal", "A placement is proposed to you", "x", "/me/record")
    assert EmailOutbox(engine, settings_for(port)).send_due().skipped == 1
    row = row_of(engine, nid)
    assert (row.email_error, row.emailed_at, row.email_attempts) == (NO_ADDRESS, None, MAX_EMAIL_ATTEMPTS)
    assert mailbox.received == [] and inbox_store.unread_count(engine, alice.id) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_credentials_in_the_url_are_used_to_sign_in_to_the_server(engine):
    mailbox = Mailbox()
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.login == b"mailer" and auth_data.password == b"p@ss word")

    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_required=True, auth_require_tls=False)
    controller.start()
    try:
        alice = user(engine, "alice")
        set_email(engine, alice.id, "alice@example.org", actor="tests")
        inbox_store.notify(engine, [alice.id], "proposal", "Hello", "x", "/me/record")
        settings = SmtpSettings.from_url(f"smtp://mailer:p%40ss%20word@127.0.0.1:{controller.port}?from=t@example.org")
        assert EmailOutbox(engine, settings).send_due().sent == 1
        assert seen == [(b"mailer", b"p@ss word")] and len(mailbox.wait_for(1)) == 1
    finally:
        controller.stop()


# ---------------------------------------------------------------------------------------------
# When the server refuses or is away
# ---------------------------------------------------------------------------------------------


def test_a_refused_email_is_recorded_without_the_servers_words_and_the_inbox_is_unaffected(engine, smtp_server, caplog):
    mailbox, port = smtp_server
    mailbox.refuse_rcpt = "550 5.1.1 <alice@example.org> Alice Ashby: mailbox unavailable"
    alice = user(engine, "alice")
    set_email(engine, alice.id, "alice@example.org", actor="tests")
    [nid] = inbox_store.notify(engine, [alice.id], "proposal", "A placement is proposed to you", "x", "/me/record")
    caplog.set_level(logging.DEBUG)
    report = EmailOutbox(engine, settings_for(port), retry_base_s=0).send_due()
    assert (report.sent, report.failed) == (0, 1)
    row = row_of(engine, nid)
    assert row.email_error == "SMTPRecipientsRefused 550" and row.emailed_at is None
    assert row.email_attempts == MAX_EMAIL_ATTEMPTS  # a 5xx refusal is final: not retried
    [message] = inbox_store.inbox(engine, alice.id)[0]
    assert message.subject == "A placement is proposed to you" and message.unread
    # Only Trellis's own records: the test server (aiosmtpd) logs its whole conversation.
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("trellis"))
    assert "alice" not in logged.lower() and "Ashby" not in logged and "550" in logged


def test_a_temporary_refusal_is_retried_with_growing_waits_then_given_up(engine, smtp_server):
    mailbox, port = smtp_server
    mailbox.refuse_data = "451 4.3.0 try again later"
    alice = user(engine, "alice")
    set_email(engine, alice.id, "alice@example.org", actor="tests")
    [nid] = inbox_store.notify(engine, [alice.id], "proposal", "Hello", "x", "/me/record")
    slow = EmailOutbox(engine, settings_for(port), retry_base_s=3600)
    assert slow.send_due().failed == 1
    first = row_of(engine, nid)
    assert (first.email_attempts, first.email_error) == (1, "SMTPDataError 451")
    assert slow.send_due().failed == 0  # the next attempt waits an hour
    assert 3500 < (first.email_next_attempt_at - first.created_at).total_seconds() < 3700
    with engine.begin() as connection:  # an hour passes
        connection.execute(notifications.update().values(email_next_attempt_at=first.created_at))
    eager = EmailOutbox(engine, settings_for(port), retry_base_s=0)
    for _attempt in range(MAX_EMAIL_ATTEMPTS + 2):
        eager.send_due()
    last = row_of(engine, nid)
    assert last.email_attempts == MAX_EMAIL_ATTEMPTS and last.emailed_at is None
    mailbox.refuse_data = None
    assert eager.send_due().sent == 0 and mailbox.received == []  # given up: no more tries


def test_after_a_temporary_failure_the_email_is_sent_on_a_later_attempt(engine, smtp_server):
    mailbox, port = smtp_server
    mailbox.refuse_data = "421 4.7.0 busy"
    alice = user(engine, "alice")
    set_email(engine, alice.id, "alice@example.org", actor="tests")
    [nid] = inbox_store.notify(engine, [alice.id], "proposal", "Hello", "x", "/me/record")
    outbox = EmailOutbox(engine, settings_for(port), retry_base_s=0)
    assert outbox.send_due().failed == 1
    mailbox.refuse_data = None
    assert outbox.send_due().sent == 1
    row = row_of(engine, nid)
    assert (row.email_attempts, row.email_error) == (2, None) and row.emailed_at is not None


def test_an_unreachable_server_is_recorded_and_retried(engine):
    alice = user(engine, "alice")
    set_email(engine, alice.id, "alice@example.org", actor="tests")
    [nid] = inbox_store.notify(engine, [alice.id], "proposal", "Hello", "x", "/me/record")
    report = EmailOutbox(engine, settings_for(free_port(), timeout=2)).send_due()
    assert report.failed == 1
    row = row_of(engine, nid)
    assert row.email_error == "ConnectionRefusedError" and row.email_attempts == 1
    assert row.email_next_attempt_at is not None and inbox_store.unread_count(engine, alice.id) == 1


# ---------------------------------------------------------------------------------------------
# Rules of sending, alone
# ---------------------------------------------------------------------------------------------


def test_waits_between_attempts_grow_five_fold():
    assert [retry_delay(n, 60).total_seconds() for n in (1, 2, 3)] == [60, 300, 1500]


def test_only_5xx_refusals_are_final():
    assert is_permanent_failure(smtplib.SMTPRecipientsRefused({"a@x.org": (550, b"no")}))
    assert not is_permanent_failure(smtplib.SMTPRecipientsRefused({"a@x.org": (450, b"later")}))
    assert is_permanent_failure(smtplib.SMTPDataError(554, b"rejected"))
    assert not is_permanent_failure(smtplib.SMTPDataError(451, b"later"))
    assert not is_permanent_failure(ConnectionRefusedError())
    assert not is_permanent_failure(TimeoutError())


def test_the_recorded_error_never_carries_the_servers_text():
    error = smtplib.SMTPRecipientsRefused({"alice@example.org": (550, b"alice@example.org unknown")})
    assert email_error_text(error) == "SMTPRecipientsRefused 550"
    assert email_error_text(smtplib.SMTPSenderRefused(553, b"Alice Ashby", "x@y.org")) == "SMTPSenderRefused 553"


@pytest.mark.parametrize("url, problem", [
    ("http://mail.example.org", "smtp:// or smtps://"),
    ("smtp://", "no host"),
    ("smtp://mail.example.org:notaport", "not a URL"),
    ("smtp://mail.example.org?tls=1", "unknown options"),
    ("smtp://mail.example.org?from=nobody", "from= must be one email address"),
    ("smtp://mail.example.org?site=javascript:alert(1)", "site="),
    ("smtp://mail.example.org?timeout=soon", "timeout="),
])
def test_a_malformed_smtp_url_is_refused_with_the_reason_and_never_the_password(url, problem):
    with pytest.raises(SmtpSettingsError, match=problem) as refused:
        SmtpSettings.from_url(url.replace("//", "//user:s3cret-pw@", 1) if "://" in url and url != "smtp://" else url)
    assert "s3cret-pw" not in str(refused.value)


def test_smtp_url_options_are_read():
    settings = SmtpSettings.from_url("smtps://me%40x.org:pw@mail.example.org?from=t@x.org&site=https://t.x.org/")
    assert (settings.host, settings.port, settings.use_ssl, settings.username, settings.password,
            settings.sender, settings.site_url) == ("mail.example.org", 465, True, "me@x.org", "pw", "t@x.org", "https://t.x.org")
    assert SmtpSettings.from_url("smtp://m.example.org:587?starttls=1").starttls
    assert "pw" not in repr(settings).replace("password", "")


# ---------------------------------------------------------------------------------------------
# In the running app: sent from a background thread, never in the request
# ---------------------------------------------------------------------------------------------


def test_the_web_app_emails_new_notifications_from_a_background_thread(database_url, smtp_server):
    mailbox, port = smtp_server
    app = create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": database_url,
                      "SMTP_URL": f"smtp://127.0.0.1:{port}?from=trellis@example.org"})
    outbox = app.extensions["trellis_outbox"]
    try:
        engine = app.extensions["trellis_engine"]
        bilal = user(engine, "bilal")
        set_email(engine, bilal.id, "bilal@example.org", actor="tests")
        started = time.monotonic()
        audience.deliver(engine, audience.proposal_messages(engine, person_id="P2", opportunity_title="GIS mapping project"))
        assert time.monotonic() - started < 1.0  # storing does not wait for the mail server
        [(_sender, rcpts, message)] = mailbox.wait_for(1)
        assert rcpts == ["bilal@example.org"] and "GIS mapping project" in message.get_content()
    finally:
        outbox.stop()
        app.extensions["trellis_engine"].dispose()


def test_a_malformed_smtp_url_stops_the_app_from_starting(database_url, monkeypatch):
    monkeypatch.setenv("TRELLIS_SMTP_URL", "smtp://mailer:s3cret-pw@mail.example.org?tls=1")
    with pytest.raises(SmtpSettingsError, match="unknown options") as refused:
        create_app({"TESTING": True, "SECRET_KEY": secrets.token_hex(32), "DATABASE_URL": database_url})
    assert "s3cret-pw" not in str(refused.value)
