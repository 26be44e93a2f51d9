"""The rules of crisis redeployment, one function each, in the words an emergency planner uses.

Contract: `docs/scenario-format.md`, section "Crisis redeployment". These functions decide who may
be moved, how many each team may release and who may cover which demand. The solver, the
explanations and the tests all read these same functions, so a rule lives in one place. The
normal team's release allowance and the critical-skill rule are shared with the matching plan
(`planner.staffing`); `team_release_limit` adds what a team's crisis status changes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np

from planner.domain import Demand, Person, Policy, Team, TeamStatus
from planner.eligibility import region_key
from planner.staffing import critical_skill_may_leave, release_allowance

#: Team release when a team is paused: every available person may go, so no limit applies.
UNLIMITED = None


def plan_date_of(policy: Policy, plan_date: date | None = None) -> date:
    """The date of the plan: the one asked for, else the policy's `plan_date`, else today."""
    if plan_date is not None:
        return plan_date
    if policy.plan_date is not None:
        return policy.plan_date
    return date.today()


def rest_counts_from(last_redeployed: date | None, redeployment_ends: Iterable[date]) -> date | None:
    """Rest counts from the END of a redeployment: the day it counts from is the last day of the
    latest redeployment on record (or the scenario's `last_redeployed`, when later)."""
    days = [d for d in (last_redeployed, *redeployment_ends) if d is not None]
    return max(days) if days else None


def is_resting(person: Person, plan_date: date, rest_days: int) -> bool:
    """A person whose latest redeployment ended (`last_redeployed`, its last day) fewer than
    `rest_days` days before the plan date is still resting (wellbeing): they are not moved
    again. A redeployment still running on the plan date (last day after it) also counts as
    recent. With `rest_days` 0 nobody rests."""
    if person.last_redeployed is None or rest_days <= 0:
        return False
    return (plan_date - person.last_redeployed).days < rest_days


def team_releases_anyone(team: Team) -> bool:
    """Critical teams release nobody; paused and normal teams may release people."""
    return team.status != TeamStatus.critical


def team_release_limit(team: Team, headcount: int) -> int | None:
    """How many of a team's people may be redeployed at once: a paused team releases all its
    available staff (no limit), a critical team nobody, a normal team its release allowance
    (floor(max_release_share x headcount), keeping `min_staff`)."""
    if team.status == TeamStatus.paused:
        return UNLIMITED
    if team.status == TeamStatus.critical:
        return 0
    return release_allowance(team, headcount)



def holds_skill(person: Person, skill: str, level: int) -> bool:
    """A person holds a skill at a level when their level in it is that level or above."""
    return person.skills.get(skill, 0) >= level


def critical_skills_apply(team: Team) -> bool:
    """Only normal teams must keep their critical skills while releasing people: a paused team
    releases everyone available, a critical team releases nobody."""
    return team.status == TeamStatus.normal


def may_cover(person: Person, demand: Demand) -> bool:
    """A person may cover a demand unit when they hold the demanded skill at the demanded level or
    above and the demand is not in their own team (demand counts additional people)."""
    return person.team_id != demand.team_id and holds_skill(person, demand.skill, demand.level)


def redeployed_within_region(from_team: Team, to_team: Team) -> bool:
    """In a crisis, people are redeployed only to teams of their own region, when both teams name
    a region: nobody is sent across the country. A team that names no region may send people to,
    and receive people from, a team of any region."""
    home, host = region_key(from_team.region), region_key(to_team.region)
    return not home or not host or home == host


def within_region_mask(from_region: np.ndarray | int, to_region: np.ndarray | int) -> np.ndarray:
    """`redeployed_within_region` on region codes (one code per region name, 0 = no region named)."""
    from_region, to_region = np.asarray(from_region), np.asarray(to_region)
    return (from_region == 0) | (to_region == 0) | (from_region == to_region)


def may_stay_on(person_team_status: TeamStatus, available: bool) -> bool:
    """Re-plan: a person redeployed in the previous plan may stay where they are while resting
    (staying is not a new move), as long as they are still available and their home team is not
    now critical (a critical team calls its people back)."""
    return available and person_team_status != TeamStatus.critical


__all__ = [
    "UNLIMITED", "plan_date_of", "is_resting", "team_releases_anyone", "team_release_limit", "holds_skill",
    "critical_skill_may_leave", "critical_skills_apply", "may_cover", "region_key", "redeployed_within_region",
    "within_region_mask", "may_stay_on",
]
