"""Each account's inbox: messages about proposals, answers, releases, redeployments and plans.

`notify` stores one message per recipient account in the caller's transaction or its own;
sending the same message by email is the outbox's job (`planner.notifications.outbox`), which
reads the rows this module writes, so a failed email never loses or delays the inbox copy.
Who may receive what is decided above this module (`planner.notifications.audience`); this
module checks only that a message is well formed and that an account touches only its own
messages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, event, func, insert, select, update

from planner.store._common import NotFound, as_utc, in_transaction, utc_now
from planner.store.tables import notifications, users

# What a message can be about. A new kind of event is one more entry here (no migration).
NOTIFICATION_KINDS = ("proposal", "answer", "release", "redeployment", "plan_approved", "opportunity")
SUBJECT_MAX = 200
BODY_MAX = 4000
LINK_MAX = 500
PAGE_SIZE = 20

# Called with the new rows' ids after they are committed (the email outbox wakes up on it).
_after_commit: list[Callable[[list[int]], None]] = []


@dataclass(frozen=True)
class Notification:
    id: int
    recipient_user_id: int
    person_id: str | None
    kind: str
    subject: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None
    emailed_at: datetime | None
    email_error: str | None

    @property
    def unread(self) -> bool:
        return self.read_at is None

    def as_dict(self) -> dict:
        """The message as its recipient may see it (JSON-ready; used by subject-access exports)."""
        return {"id": self.id, "kind": self.kind, "subject": self.subject, "body": self.body,
                "link": self.link, "created_at": self.created_at.isoformat(),
                "read_at": self.read_at.isoformat() if self.read_at else None,
                "emailed_at": self.emailed_at.isoformat() if self.emailed_at else None}


def _from_row(row) -> Notification:
    return Notification(id=row.id, recipient_user_id=row.recipient_user_id, person_id=row.person_id,
                        kind=row.kind, subject=row.subject, body=row.body, link=row.link,
                        created_at=as_utc(row.created_at), read_at=as_utc(row.read_at),
                        emailed_at=as_utc(row.emailed_at), email_error=row.email_error)


def is_same_site_path(link: str) -> bool:
    """A message links only to a page of Trellis itself: a path starting with one "/", never
    another site (`//evil.example`, `https://...`, `/\\evil`), so a message cannot send anyone
    away from Trellis."""
    return (link.startswith("/") and not link.startswith("//") and "\\" not in link
            and not any(c.isspace() or ord(c) < 32 for c in link) and len(link) <= LINK_MAX)


def message_problem(kind: str, subject: str, body: str, link: str) -> str | None:
    """A message has a known kind, a one-line subject of at most 200 characters, a plain-text
    body of at most 4,000 and a same-site link."""
    if kind not in NOTIFICATION_KINDS:
        return f"unknown notification kind {kind!r}: use one of {', '.join(NOTIFICATION_KINDS)}"
    if not subject.strip() or len(subject) > SUBJECT_MAX or "\n" in subject or "\r" in subject:
        return f"a subject is one line of 1 to {SUBJECT_MAX} characters"
    if len(body) > BODY_MAX:
        return f"a body has at most {BODY_MAX} characters"
    if not is_same_site_path(link):
        return "a link is a path on this site, starting with a single '/'"
    return None


def notify(bind: Engine | Connection, recipient_ids: Iterable[int], kind: str, subject: str, body: str,
           link: str, *, about_person_id: str | None = None) -> list[int]:
    """Store one message for each recipient account (duplicates once); returns the new ids.

    Pass the connection of an open transaction to store the messages with the change they
    announce (both or neither); pass the engine to store them in a transaction of their own.
    `about_person_id` names the person the message is about, so their export and erasure reach
    it. Raises ValueError for a malformed message and NotFound for an unknown account."""
    problem = message_problem(kind, subject, body, link)
    if problem:
        raise ValueError(problem)
    recipients = sorted(set(recipient_ids))
    if not recipients:
        return []
    now = utc_now()
    with in_transaction(bind) as connection:
        known = set(connection.execute(select(users.c.id).where(users.c.id.in_(recipients))).scalars())
        if len(known) != len(recipients):
            raise NotFound(f"no account {sorted(set(recipients) - known)[0]}")
        ids = [connection.execute(insert(notifications).values(
            recipient_user_id=recipient, person_id=about_person_id, kind=kind, subject=subject,
            body=body, link=link, created_at=now, email_attempts=0,
        ).returning(notifications.c.id)).scalar_one() for recipient in recipients]
    if isinstance(bind, Engine):
        _announce(ids)
    else:
        # Announced once the caller's transaction commits; never for one that rolls back.
        event.listen(connection, "commit", lambda _conn: _announce(ids), once=True)
    return ids


def on_notified(listener: Callable[[list[int]], None]) -> None:
    """Call `listener(ids)` after new messages are committed (the outbox uses it to send at once)."""
    if listener not in _after_commit:
        _after_commit.append(listener)


def stop_notifying(listener: Callable[[list[int]], None]) -> None:
    if listener in _after_commit:
        _after_commit.remove(listener)


def _announce(ids: list[int]) -> None:
    for listener in list(_after_commit):
        # A listener's failure must never undo or fail the notification (the outbox polls anyway).
        with contextlib.suppress(Exception):
            listener(ids)


def inbox(engine: Engine, user_id: int, page: int = 1, page_size: int = PAGE_SIZE) -> tuple[list[Notification], bool]:
    """One page of an account's messages, newest first, and whether an older page exists."""
    page = max(1, page)
    query = (select(notifications).where(notifications.c.recipient_user_id == user_id)
             .order_by(notifications.c.created_at.desc(), notifications.c.id.desc())
             .limit(page_size + 1).offset((page - 1) * page_size))
    with engine.connect() as connection:
        rows = [_from_row(row) for row in connection.execute(query)]
    return rows[:page_size], len(rows) > page_size


def messages_for_accounts(bind: Engine | Connection, user_ids: Iterable[int]) -> list[Notification]:
    """Every message addressed to these accounts, oldest first (for a subject-access export)."""
    ids = list(user_ids)
    if not ids:
        return []
    query = select(notifications).where(notifications.c.recipient_user_id.in_(ids)).order_by(notifications.c.id)
    if isinstance(bind, Connection):
        return [_from_row(row) for row in bind.execute(query)]
    with bind.connect() as connection:
        return [_from_row(row) for row in connection.execute(query)]


def get_notification(engine: Engine, notification_id: int) -> Notification | None:
    with engine.connect() as connection:
        row = connection.execute(select(notifications).where(notifications.c.id == notification_id)).first()
    return None if row is None else _from_row(row)


def unread_count(engine: Engine, user_id: int) -> int:
    """How many of the account's messages are unread."""
    with engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(notifications)
            .where(notifications.c.recipient_user_id == user_id, notifications.c.read_at.is_(None))
        ).scalar_one()


def mark_read(engine: Engine, user_id: int, ids: Iterable[int]) -> int:
    """Mark some of an account's own messages read; returns how many were unread before.

    An account can mark only its own messages: if any id is not one of its messages (someone
    else's, or none at all) nothing changes and NotFound is raised, so the answer never tells
    whose a message is."""
    wanted = set(ids)
    if not wanted:
        return 0
    with in_transaction(engine) as connection:
        own = set(connection.execute(select(notifications.c.id).where(
            notifications.c.id.in_(wanted), notifications.c.recipient_user_id == user_id)).scalars())
        if own != wanted:
            raise NotFound("no such message in this inbox")
        return connection.execute(update(notifications).where(
            notifications.c.id.in_(own), notifications.c.read_at.is_(None)).values(read_at=utc_now())).rowcount


def mark_all_read(engine: Engine, user_id: int) -> int:
    """Mark every unread message of the account read; returns how many."""
    with in_transaction(engine) as connection:
        return connection.execute(update(notifications).where(
            notifications.c.recipient_user_id == user_id, notifications.c.read_at.is_(None))
            .values(read_at=utc_now())).rowcount
