"""What happened that the people concerned should hear about: one function per event.

Today each writes the event's audit row (by id; never a name or the person's reason), inside the
transaction that recorded it, so the record and its audit row commit together. They are also
the one place to tell people: when the in-app inbox lands, its `notify(...)` call goes into the
function of the event (e.g. HR hears of a declined placement in `placement_answered`).
"""

from __future__ import annotations

from sqlalchemy import Connection

from planner.store._common import person_target, write_audit
from planner.store.consent import Answer, OptOut, Release


def placement_answered(connection: Connection, answer: Answer) -> None:
    """A member of staff accepted or declined a placement proposed for them."""
    write_audit(connection, answer.answered_by, f"placement.answer.{answer.answer}", person_target(answer.person_id),
                f"plan={answer.plan_id} opportunity={answer.opportunity_id} reason_given={'yes' if answer.reason else 'no'}")


def release_decided(connection: Connection, release: Release) -> None:
    """A line manager released one of their people for a placement, or refused to."""
    write_audit(connection, release.decided_by, f"placement.release.{release.decision}",
                person_target(release.person_id), f"plan={release.plan_id} opportunity={release.opportunity_id}")


def crisis_opt_out_given(connection: Connection, opt_out: OptOut, actor: str) -> None:
    """A member of staff opted out of crisis redeployment (wellbeing)."""
    write_audit(connection, actor, "crisis.opt_out", person_target(opt_out.person_id), f"opt_out={opt_out.id}")


def crisis_opt_out_withdrawn(connection: Connection, opt_out: OptOut, actor: str) -> None:
    """A member of staff withdrew their crisis opt-out: they may be redeployed again."""
    write_audit(connection, actor, "crisis.opt_out.withdraw", person_target(opt_out.person_id), f"opt_out={opt_out.id}")


def opportunity_posted(connection: Connection, opportunity_id: str, host_team_id: str, actor: str) -> None:
    """A host manager posted a new opportunity for their team."""
    write_audit(connection, actor, "opportunity.post", f"opportunity:{opportunity_id}", f"team={host_team_id}")


def opportunity_edited(connection: Connection, opportunity_id: str, host_team_id: str, actor: str) -> None:
    """A host manager changed one of their team's opportunities."""
    write_audit(connection, actor, "opportunity.edit", f"opportunity:{opportunity_id}", f"team={host_team_id}")
