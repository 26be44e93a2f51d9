"""One call per event that exists today, for the code where the event happens:

- a plan approved (HR's approval, or any service approving a plan):
  `notify_plan_approved(engine, approved_plan)`;
- a crisis redeployment saved: `notify_redeployment(engine, stored_plan)`.

Each reads the stored plan's result, describes each person's own move in words (opportunity
titles, team and skill names read from the stored scenario, never ids where a name exists), and
delivers the messages under the audience rule of `planner.notifications.audience`. Pass the
connection of an open transaction instead of the engine to store the messages with the change
itself (both or neither).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, select

from planner.notifications.audience import (
    Placement,
    Redeployment,
    deliver,
    plan_approved_messages,
    redeployment_messages,
)
from planner.store.tables import opportunities, skills, teams


def _rows(bind: Engine | Connection, query) -> list:
    if isinstance(bind, Connection):
        return bind.execute(query).all()
    with bind.connect() as connection:
        return connection.execute(query).all()


def placements_in_plan(bind: Engine | Connection, result: dict[str, Any]) -> list[Placement]:
    """Every placement of a matching plan, with the opportunity's title and host team's name."""
    items = (result or {}).get("placements", [])
    wanted = {item["opportunity_id"] for item in items}
    described = {row.opportunity_id: (row.title, row.name) for row in _rows(bind, (
        select(opportunities.c.opportunity_id, opportunities.c.title, teams.c.name)
        .join(teams, teams.c.team_id == opportunities.c.host_team_id)
        .where(opportunities.c.opportunity_id.in_(wanted))))} if wanted else {}
    return [Placement(person_id=item["person_id"],
                      opportunity_title=described.get(item["opportunity_id"], (item["opportunity_id"], ""))[0],
                      host_team=described.get(item["opportunity_id"], ("", "the host team"))[1])
            for item in items]


def people_to_tell_of_redeployment(result: dict[str, Any]) -> set[str] | None:
    """On a re-plan, only the people newly redeployed or sent to another team are told (those
    kept where they were already know); on a first redeployment (None) everyone moved is."""
    changes = (result or {}).get("changes")
    if not changes:
        return None
    return set(changes.get("moved", [])) | set(changes.get("reassigned", []))


def redeployments_in_plan(bind: Engine | Connection, result: dict[str, Any]) -> list[Redeployment]:
    """The moves of a redeployment plan that people must be told about, with team and skill names."""
    to_tell = people_to_tell_of_redeployment(result)
    items = [item for item in (result or {}).get("assignments", [])
             if to_tell is None or item["person_id"] in to_tell]
    if not items:
        return []
    team_names = dict(_rows(bind, select(teams.c.team_id, teams.c.name)
                            .where(teams.c.team_id.in_({i["to_team_id"] for i in items}))))
    skill_names = dict(_rows(bind, select(skills.c.skill_id, skills.c.name)
                             .where(skills.c.skill_id.in_({i.get("skill") for i in items if i.get("skill")}))))
    return [Redeployment(person_id=item["person_id"], to_team=team_names.get(item["to_team_id"], "another team"),
                         skill=skill_names.get(item.get("skill"), item.get("skill")))
            for item in items]


def notify_plan_approved(bind: Engine | Connection, approved_plan) -> list[int]:
    """Tell the people placed by an approved plan, and its planners, that it was approved."""
    placements = placements_in_plan(bind, approved_plan.result) if approved_plan.kind == "matching" else []
    return deliver(bind, plan_approved_messages(bind, plan_id=approved_plan.id, plan_kind=approved_plan.kind,
                                                version=approved_plan.version, placements=placements))


def notify_redeployment(bind: Engine | Connection, stored_plan) -> list[int]:
    """Tell each person a saved redeployment moves where they are needed, and emergency planners
    how many were moved."""
    return deliver(bind, redeployment_messages(bind, redeployments_in_plan(bind, stored_plan.result)))
