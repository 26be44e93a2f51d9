"""One call per event that exists today, for the code where the event happens:

- a plan approved (HR's approval, or any service approving a plan):
  `notify_plan_approved(engine, stored_plan, scenario)`;
- a crisis redeployment saved: `notify_redeployment(engine, stored_plan, scenario)`.

Each reads the stored plan's result, describes each person's own move in words from the scenario
(titles and team names, never ids), and delivers the messages under the audience rule of
`planner.notifications.audience`. Pass the connection of an open transaction instead of the engine
to store the messages with the change itself (both or neither).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine

from planner.domain import Scenario
from planner.notifications.audience import (
    Placement,
    Redeployment,
    deliver,
    plan_approved_messages,
    redeployment_messages,
)


def placements_in_plan(result: dict[str, Any], scenario: Scenario | None) -> list[Placement]:
    """Every placement of a matching plan, with the opportunity's title and host team's name."""
    opportunities = scenario.opportunity_by_id if scenario else {}
    teams = scenario.team_by_id if scenario else {}
    placements = []
    for item in (result or {}).get("placements", []):
        opportunity = opportunities.get(item["opportunity_id"])
        host = teams.get(opportunity.host_team_id) if opportunity else None
        placements.append(Placement(person_id=item["person_id"],
                                    opportunity_title=opportunity.title if opportunity else item["opportunity_id"],
                                    host_team=host.name if host else "the host team"))
    return placements


def people_to_tell_of_redeployment(result: dict[str, Any]) -> set[str] | None:
    """On a re-plan, only the people newly redeployed or sent to another team are told (those
    kept where they were already know); on a first redeployment (None) everyone moved is."""
    changes = (result or {}).get("changes")
    if not changes:
        return None
    return set(changes.get("moved", [])) | set(changes.get("reassigned", []))


def redeployments_in_plan(result: dict[str, Any], scenario: Scenario | None) -> list[Redeployment]:
    """The moves of a redeployment plan that people must be told about, with team and skill names."""
    teams = scenario.team_by_id if scenario else {}
    skills = {s.skill_id: s.name for s in scenario.skills} if scenario else {}
    to_tell = people_to_tell_of_redeployment(result)
    moves = []
    for item in (result or {}).get("assignments", []):
        if to_tell is not None and item["person_id"] not in to_tell:
            continue
        team = teams.get(item["to_team_id"])
        moves.append(Redeployment(person_id=item["person_id"], to_team=team.name if team else "another team",
                                  skill=skills.get(item.get("skill"), item.get("skill"))))
    return moves


def notify_plan_approved(bind: Engine | Connection, stored_plan, scenario: Scenario | None) -> list[int]:
    """Tell the people placed by an approved plan, and its planners, that it was approved."""
    placements = placements_in_plan(stored_plan.result, scenario) if stored_plan.kind == "matching" else []
    return deliver(bind, plan_approved_messages(bind, plan_id=stored_plan.id, plan_kind=stored_plan.kind,
                                                version=stored_plan.version, placements=placements))


def notify_redeployment(bind: Engine | Connection, stored_plan, scenario: Scenario | None) -> list[int]:
    """Tell each person a saved redeployment moves where they are needed, and emergency planners
    how many were moved."""
    return deliver(bind, redeployment_messages(bind, redeployments_in_plan(stored_plan.result, scenario)))
