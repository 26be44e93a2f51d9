"""Email for notifications, when `TRELLIS_SMTP_URL` is set.

Every stored notification whose recipient has an email address is also sent as a plain-text
email carrying exactly the inbox copy's subject, body and link (so the audience rule of
`planner.notifications.audience` holds for email too), to that one address and no other.

Sending never happens inside a web request: an `EmailOutbox` runs in a background thread, woken
when a notification is committed and every `poll_s` seconds (so messages stored by another
process, e.g. the command line, are sent too). Each message is claimed before sending, so two
processes never send it twice. A failure is recorded on the row (`email_error`: the kind of
failure and the SMTP reply code, never the server's text, which can quote the address) and retried
with growing waits; a permanent refusal (an SMTP 5xx reply) is not retried. Logs name
notifications by id only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import smtplib
import socket
import ssl
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import Engine, and_, or_, select, update

from planner.store._common import utc_now
from planner.store.engine import write_transaction
from planner.store.notifications import on_notified, stop_notifying
from planner.store.tables import notifications, users

log = logging.getLogger("trellis.notifications.outbox")

SMTP_URL_ENV = "TRELLIS_SMTP_URL"
MAX_EMAIL_ATTEMPTS = 4
RETRY_BASE_S = 60.0
POLL_S = 30.0
CLAIM_FOR = timedelta(minutes=5)
BATCH = 100
NO_ADDRESS = "the account has no email address"
TRUE_WORDS = ("1", "true", "yes", "on")


class SmtpSettingsError(ValueError):
    """`TRELLIS_SMTP_URL` cannot be understood (the message never repeats the password)."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: parsed from `smtp://user:pass@host:port?starttls=1&from=...&site=...`
    (`smtps://` for TLS from the start)."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    use_ssl: bool = False
    starttls: bool = False
    site_url: str | None = None
    timeout_s: float = 20.0

    def __repr__(self) -> str:
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, sender={self.sender!r}, "
                f"username={self.username!r}, password={'***' if self.password else None}, "
                f"use_ssl={self.use_ssl}, starttls={self.starttls}, site_url={self.site_url!r})")

    @classmethod
    def from_url(cls, url: str) -> SmtpSettings:
        """Parse the setting; raises SmtpSettingsError naming what is wrong."""
        try:
            parts = urlsplit(url.strip())
            port = parts.port
        except ValueError as error:
            raise SmtpSettingsError(f"{SMTP_URL_ENV} is not a URL: {type(error).__name__}") from None
        if parts.scheme not in ("smtp", "smtps"):
            raise SmtpSettingsError(f"{SMTP_URL_ENV} must start with smtp:// or smtps://")
        if not parts.hostname:
            raise SmtpSettingsError(f"{SMTP_URL_ENV} names no host (smtp://host:port)")
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        unknown = set(query) - {"starttls", "from", "site", "timeout"}
        if unknown:
            raise SmtpSettingsError(f"{SMTP_URL_ENV} has unknown options {sorted(unknown)}; "
                                    "use starttls, from, site, timeout")
        sender = query.get("from") or f"trellis@{socket.getfqdn()}"
        if "\n" in sender or "\r" in sender or "@" not in sender:
            raise SmtpSettingsError(f"{SMTP_URL_ENV}: from= must be one email address")
        site = query.get("site", "").rstrip("/") or None
        if site is not None and urlsplit(site).scheme not in ("http", "https"):
            raise SmtpSettingsError(f"{SMTP_URL_ENV}: site= must be the http(s) address of Trellis")
        try:
            timeout = float(query.get("timeout", 20))
        except ValueError:
            raise SmtpSettingsError(f"{SMTP_URL_ENV}: timeout= must be a number of seconds") from None
        use_ssl = parts.scheme == "smtps"
        return cls(host=parts.hostname, port=port or (465 if use_ssl else 25), sender=sender,
                   username=unquote(parts.username) if parts.username else None,
                   password=unquote(parts.password) if parts.password else None,
                   use_ssl=use_ssl, starttls=query.get("starttls", "").lower() in TRUE_WORDS,
                   site_url=site, timeout_s=timeout)


def smtp_settings_from_env(url: str | None = None) -> SmtpSettings | None:
    """The SMTP settings from `url`, else `TRELLIS_SMTP_URL`; None when email is off."""
    url = (url or os.environ.get(SMTP_URL_ENV, "")).strip()
    return SmtpSettings.from_url(url) if url else None


# ---------------------------------------------------------------------------------------------
# Rules of sending
# ---------------------------------------------------------------------------------------------


def retry_delay(failed_attempts: int, base_s: float = RETRY_BASE_S) -> timedelta:
    """After a failed attempt the next waits longer each time: 1, 5, then 25 minutes (by default)."""
    return timedelta(seconds=base_s * 5 ** max(0, failed_attempts - 1))


def is_permanent_failure(error: BaseException) -> bool:
    """A refusal the mail server says is final (an SMTP 5xx reply: unknown mailbox, rejected
    sender, policy) is not retried; anything else (timeouts, busy servers, 4xx) is."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _text in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def email_error_text(error: BaseException) -> str:
    """What is recorded and logged of a failed email: the kind of failure and the SMTP reply
    code, never the server's words (they can quote the recipient's address)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _text in error.recipients.values()})
        return f"{type(error).__name__} {'/'.join(map(str, codes))}"
    code = getattr(error, "smtp_code", None)
    return f"{type(error).__name__} {code}" if isinstance(code, int) else type(error).__name__


def compose_email(settings: SmtpSettings, to_address: str, subject: str, body: str, link: str) -> EmailMessage:
    """The email of one notification: to its recipient alone, with the inbox copy's subject,
    body and link and nothing else."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to_address
    message["Subject"] = f"Trellis: {subject}"
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    where = f"{settings.site_url}{link}" if settings.site_url else f"the page {link} in Trellis"
    message.set_content(
        f"{body}\n\nOpen: {where}\n\n"
        "This message is also in your Trellis inbox. You receive these emails because your "
        "account has an email address; ask an administrator to remove it to stop them.\n")
    return message


# ---------------------------------------------------------------------------------------------
# The outbox
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    failed: int = 0
    skipped: int = 0


class EmailOutbox:
    """Sends due notifications by email, in one pass (`send_due`) or from a background thread
    (`start`/`stop`)."""

    def __init__(self, engine: Engine, settings: SmtpSettings, *, retry_base_s: float = RETRY_BASE_S,
                 poll_s: float = POLL_S, max_attempts: int = MAX_EMAIL_ATTEMPTS):
        self.engine = engine
        self.settings = settings
        self.retry_base_s = retry_base_s
        self.poll_s = poll_s
        self.max_attempts = max_attempts
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pass_lock = threading.Lock()

    # -- one pass ------------------------------------------------------------------------------

    def _claim_due(self, now: datetime) -> list:
        """Claim up to BATCH due messages (not yet emailed, attempts left, wait over) for this
        pass: each claim moves its next attempt past the claim time, so no other outbox takes it."""
        due = and_(notifications.c.emailed_at.is_(None),
                   notifications.c.email_attempts < self.max_attempts,
                   or_(notifications.c.email_next_attempt_at.is_(None),
                       notifications.c.email_next_attempt_at <= now))
        claimed = []
        with write_transaction(self.engine) as connection:
            rows = connection.execute(
                select(notifications.c.id, notifications.c.subject, notifications.c.body,
                       notifications.c.link, notifications.c.email_attempts, users.c.email)
                .join(users, users.c.id == notifications.c.recipient_user_id)
                .where(due).order_by(notifications.c.id).limit(BATCH)).all()
            for row in rows:
                taken = connection.execute(update(notifications).where(notifications.c.id == row.id, due)
                                           .values(email_next_attempt_at=now + CLAIM_FOR)).rowcount
                if taken:
                    claimed.append(row)
        return claimed

    def _record(self, notification_id: int, attempts: int, *, error: str | None, permanent: bool = False) -> None:
        now = utc_now()
        if error is None:
            values = {"emailed_at": now, "email_error": None, "email_attempts": attempts,
                      "email_next_attempt_at": None}
        else:
            last = permanent or attempts >= self.max_attempts
            values = {"email_error": error, "email_attempts": self.max_attempts if last else attempts,
                      "email_next_attempt_at": None if last else now + retry_delay(attempts, self.retry_base_s)}
        with write_transaction(self.engine) as connection:
            connection.execute(update(notifications).where(notifications.c.id == notification_id).values(**values))

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        context = ssl.create_default_context()
        if s.use_ssl:
            server: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_s, context=context)
        else:
            server = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            if s.starttls:
                server.starttls(context=context)
        if s.username:
            server.login(s.username, s.password or "")
        return server

    def send_due(self) -> SendReport:
        """Send every message that is due now, over one SMTP connection; record each outcome.
        Never raises for a mail problem: it is recorded on the messages concerned."""
        with self._pass_lock:
            rows = self._claim_due(utc_now())
            sendable = []
            skipped = 0
            for row in rows:
                if row.email:
                    sendable.append(row)
                else:
                    self._record(row.id, row.email_attempts, error=NO_ADDRESS, permanent=True)
                    skipped += 1
            if not sendable:
                return SendReport(skipped=skipped)
            try:
                server = self._connect()
            except Exception as error:  # no connection: every message waits for the next attempt
                text = email_error_text(error)
                log.warning("email server unreachable for %d notification(s): %s", len(sendable), text)
                for row in sendable:
                    self._record(row.id, row.email_attempts + 1, error=text, permanent=is_permanent_failure(error))
                return SendReport(failed=len(sendable), skipped=skipped)
            sent = failed = 0
            try:
                for row in sendable:
                    attempts = row.email_attempts + 1
                    try:
                        server.send_message(compose_email(self.settings, row.email, row.subject, row.body, row.link))
                    except Exception as error:
                        text = email_error_text(error)
                        log.warning("email for notification %s failed (attempt %d): %s", row.id, attempts, text)
                        self._record(row.id, attempts, error=text, permanent=is_permanent_failure(error))
                        failed += 1
                        if isinstance(error, smtplib.SMTPServerDisconnected):
                            server = self._connect()
                    else:
                        self._record(row.id, attempts, error=None)
                        sent += 1
            except Exception as error:  # reconnecting failed: the rest keep their claim and wait
                log.warning("email pass stopped early: %s", email_error_text(error))
            finally:
                with contextlib.suppress(Exception):  # the server already went away; nothing to tidy
                    server.quit()
            return SendReport(sent=sent, failed=failed, skipped=skipped)

    # -- in the background --------------------------------------------------------------------

    def wake(self, _ids: list[int] | None = None) -> None:
        """Send soon (called after notifications are committed)."""
        self._wake.set()

    def start(self) -> EmailOutbox:
        if self._thread is None or not self._thread.is_alive():
            self._stopping.clear()
            on_notified(self.wake)
            self._thread = threading.Thread(target=self._run, name="trellis-email-outbox", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout_s: float = 10.0) -> None:
        stop_notifying(self.wake)
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self.send_due()
            except Exception as error:  # the store was unreachable: try again at the next wake
                log.warning("email outbox pass failed: %s", type(error).__name__)
            self._wake.wait(self.poll_s)
            self._wake.clear()
