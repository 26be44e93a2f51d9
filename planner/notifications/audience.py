"""Who is told about what, and what each message may say.

The rule every message obeys: **a message carries only what its recipient may see.** A member of
staff is told about their own proposals, releases, redeployments and approved placements, in
words about them alone; HR, emergency planners and admins, who see everyone's records in
Trellis, are told names where their work needs them; messages about a whole plan carry totals,
never names, and link to the page where names are shown to those allowed to see them.

Each event has one function that builds its messages (`plan_approved_messages`,
`redeployment_messages`, `proposal_messages`, `answer_messages`, `release_messages`). Each
message declares whose personal details its text carries, and `deliver` refuses (AudienceError)
to store any message whose recipient may not see all of them, so a mistake in a message's wording
fails loudly in the tests instead of reaching an inbox or a mailbox.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, select

from planner.store._common import in_transaction
from planner.store.notifications import notify
from planner.store.tables import users

# Roles whose work needs every person's record (kept equal to web.security.ROLES_SEEING_EVERYONE;
# a test checks the two agree).
ROLES_SEEING_EVERYONE = frozenset({"hr", "emergency", "admin"})
# Who plans which kind of plan, and so is told when one is approved.
PLANNERS_OF = {"matching": ("hr",), "redeploy": ("emergency",)}
# Where those planners see the plan with its names.
PLAN_PAGES = {"matching": "/hr/plans/{plan_id}", "redeploy": "/crisis/"}
STAFF_LINK = "/me/record"
INBOX_LINK = "/inbox"


class AudienceError(ValueError):
    """A message would carry personal details its recipient may not see."""


@dataclass(frozen=True)
class Recipient:
    """An account a message can go to: its id, role and the person it is linked to."""

    user_id: int
    role: str
    person_id: str | None


@dataclass(frozen=True)
class Message:
    """One message to one account. `carries_details_of`: the people whose personal details
    (name, placement, answer, redeployment) the subject or body mentions."""

    recipient: Recipient
    kind: str
    subject: str
    body: str
    link: str
    about_person_id: str | None = None
    carries_details_of: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Placement:
    """A person's approved placement, as their own message describes it."""

    person_id: str
    opportunity_title: str
    host_team: str


@dataclass(frozen=True)
class Redeployment:
    """A person's redeployment in a crisis, as their own message describes it."""

    person_id: str
    to_team: str
    skill: str | None = None


# ---------------------------------------------------------------------------------------------
# The rule
# ---------------------------------------------------------------------------------------------


def may_see_details_of(recipient: Recipient, person_id: str) -> bool:
    """A member of staff may be told only about themselves; HR, emergency planners and admins,
    who see everyone's records in Trellis, may be told about anyone."""
    if recipient.role in ROLES_SEEING_EVERYONE:
        return True
    return recipient.person_id is not None and recipient.person_id == person_id


def message_respects_audience(message: Message) -> bool:
    """A message carries only what its recipient may see: every person whose details it
    mentions is one the recipient may be told about."""
    return all(may_see_details_of(message.recipient, person_id) for person_id in message.carries_details_of)


def deliver(bind: Engine | Connection, messages: Iterable[Message]) -> list[int]:
    """Store the messages in their recipients' inboxes (emailed too when SMTP is set), all or
    none; returns the new ids. Raises AudienceError, storing nothing, if any message would tell
    its recipient about someone they may not see."""
    messages = list(messages)
    for message in messages:
        if not message_respects_audience(message):
            raise AudienceError(f"a {message.kind!r} message to account {message.recipient.user_id} "
                                "would carry details of someone its recipient may not see")
    ids: list[int] = []
    with in_transaction(bind) as connection:
        for message in messages:
            ids += notify(connection, [message.recipient.user_id], message.kind, message.subject,
                          message.body, message.link, about_person_id=message.about_person_id)
    return ids


# ---------------------------------------------------------------------------------------------
# Audiences
# ---------------------------------------------------------------------------------------------


def _recipients(bind: Engine | Connection, where) -> list[Recipient]:
    query = select(users.c.id, users.c.role, users.c.person_id).where(where).order_by(users.c.id)
    if isinstance(bind, Connection):
        rows = bind.execute(query).all()
    else:
        with bind.connect() as connection:
            rows = connection.execute(query).all()
    return [Recipient(user_id=row.id, role=row.role, person_id=row.person_id) for row in rows]


def person_concerned(bind: Engine | Connection, person_id: str) -> list[Recipient]:
    """The member of staff an event is about: every account linked to them."""
    return _recipients(bind, users.c.person_id == person_id)


def holders_of(bind: Engine | Connection, roles: Iterable[str]) -> list[Recipient]:
    """Every account holding one of these roles (e.g. HR users, emergency planners)."""
    return _recipients(bind, users.c.role.in_(list(roles)))


# ---------------------------------------------------------------------------------------------
# Events
# ---------------------------------------------------------------------------------------------


def plan_approved_messages(bind: Engine | Connection, *, plan_id: int, plan_kind: str, version: int,
                           placements: Iterable[Placement] = ()) -> list[Message]:
    """When a plan is approved, each person placed by it is told their own placement, and the
    planners of that kind of plan (HR; emergency planners for a redeployment) are told the
    totals, with a link to the plan for the names."""
    placements = list(placements)
    messages = []
    for placement in placements:
        for recipient in person_concerned(bind, placement.person_id):
            messages.append(Message(
                recipient=recipient, kind="plan_approved", about_person_id=placement.person_id,
                carries_details_of=frozenset({placement.person_id}),
                subject="Your placement has been approved",
                body=(f"Your placement on \"{placement.opportunity_title}\" with {placement.host_team} "
                      "has been approved. Your manager and HR will be in touch about dates."),
                link=STAFF_LINK))
    label = "redeployment plan" if plan_kind == "redeploy" else "matching plan"
    link = PLAN_PAGES.get(plan_kind, "/hr/plans/{plan_id}").format(plan_id=plan_id)
    for recipient in holders_of(bind, PLANNERS_OF.get(plan_kind, ("hr",))):
        messages.append(Message(
            recipient=recipient, kind="plan_approved",
            subject=f"{label.capitalize()} version {version} approved",
            body=(f"Version {version} of the {label} was approved with {len(placements)} "
                  f"placement{'s' if len(placements) != 1 else ''}. Open the plan to see who goes where."),
            link=link))
    return messages


def redeployment_messages(bind: Engine | Connection, moves: Iterable[Redeployment]) -> list[Message]:
    """In a crisis, each person redeployed is told where they are needed (and for which skill);
    emergency planners are told how many people were redeployed, with a link to the console."""
    moves = list(moves)
    messages = []
    for move in moves:
        skill = f" for {move.skill}" if move.skill else ""
        for recipient in person_concerned(bind, move.person_id):
            messages.append(Message(
                recipient=recipient, kind="redeployment", about_person_id=move.person_id,
                carries_details_of=frozenset({move.person_id}),
                subject="You have been redeployed",
                body=(f"You have been redeployed to {move.to_team}{skill} during the current emergency. "
                      "If you cannot go, or need rest after a recent redeployment, tell your manager."),
                link=STAFF_LINK))
    if moves:
        for recipient in holders_of(bind, ("emergency",)):
            messages.append(Message(
                recipient=recipient, kind="redeployment",
                subject=f"{len(moves)} redeployment{'s' if len(moves) != 1 else ''} recorded",
                body=f"{len(moves)} people were redeployed. Open the crisis console to see who goes where.",
                link="/crisis/"))
    return messages


def proposal_messages(bind: Engine | Connection, *, person_id: str, opportunity_title: str,
                      link: str = STAFF_LINK) -> list[Message]:
    """A placement proposed to a member of staff is told to them alone, for them to accept or
    decline."""
    return [Message(recipient=recipient, kind="proposal", about_person_id=person_id,
                    carries_details_of=frozenset({person_id}),
                    subject="A placement is proposed to you",
                    body=f"You are proposed for \"{opportunity_title}\". Accept or decline it in Trellis.",
                    link=link)
            for recipient in person_concerned(bind, person_id)]


def answer_messages(bind: Engine | Connection, *, person_id: str, person_name: str, opportunity_title: str,
                    accepted: bool, link: str) -> list[Message]:
    """A member of staff's answer to a proposal goes to HR, who plan it, with their name."""
    answer = "accepted" if accepted else "declined"
    return [Message(recipient=recipient, kind="answer", about_person_id=person_id,
                    carries_details_of=frozenset({person_id}),
                    subject=f"{person_name} {answer} a proposal",
                    body=f"{person_name} {answer} the proposed placement on \"{opportunity_title}\".",
                    link=link)
            for recipient in holders_of(bind, ("hr",))]


def release_messages(bind: Engine | Connection, *, person_id: str, person_name: str, opportunity_title: str,
                     released: bool, reason: str = "", link: str) -> list[Message]:
    """A line manager's release (or refusal to release) someone for a move is told to the person
    concerned and to HR (with the person's name); the manager's reason goes to both."""
    outcome = "released" if released else "not released"
    why = f" Reason given: {reason}" if reason and not released else ""
    messages = [Message(recipient=recipient, kind="release", about_person_id=person_id,
                        carries_details_of=frozenset({person_id}),
                        subject=f"Your manager has {'released' if released else 'not released'} you",
                        body=f"Your manager has {outcome} you for \"{opportunity_title}\".{why}",
                        link=STAFF_LINK)
                for recipient in person_concerned(bind, person_id)]
    messages += [Message(recipient=recipient, kind="release", about_person_id=person_id,
                         carries_details_of=frozenset({person_id}),
                         subject=f"{person_name} {outcome} for a move",
                         body=f"{person_name} was {outcome} by their manager for \"{opportunity_title}\".{why}",
                         link=link)
                 for recipient in holders_of(bind, ("hr",))]
    return messages
