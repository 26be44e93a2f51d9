"""The rules a pathway follows, step by step (module docstring of `planner.pathways`, rules 1-6):
what a step changes (skills, grade, team) and which profession an opportunity practises.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from planner.domain import (
    Opportunity,
    OpportunityKind,
    Scenario,
)

# ---------------------------------------------------------------------------------------------
# The rules a pathway follows (shared by search and explanation)
# ---------------------------------------------------------------------------------------------


def role_grade_after(opportunity: Opportunity, grade: int) -> int:
    """A `role` sets the person's grade to the role's grade_max when given; nothing else does."""
    if opportunity.kind == OpportunityKind.role and opportunity.grade_max is not None:
        return max(grade, opportunity.grade_max)
    return grade


def team_after(opportunity: Opportunity, team_id: str) -> str:
    """A `role` moves the person into the host team; other kinds keep them in their home team."""
    return opportunity.host_team_id if opportunity.kind == OpportunityKind.role else team_id


def skills_after(opportunity: Opportunity, skills: Mapping[str, int]) -> dict[str, int]:
    """Completing an opportunity raises each development skill to at least the level it names."""
    result = dict(skills)
    for skill, level in opportunity.development_skills.items():
        result[skill] = max(result.get(skill, 0), level)
    return result


def apply_step(
    opportunity: Opportunity, skills: Mapping[str, int], grade: int, team_id: str
) -> tuple[dict[str, int], int, str]:
    """The person's (skills, grade, team) after completing `opportunity`."""
    return (
        skills_after(opportunity, skills),
        role_grade_after(opportunity, grade),
        team_after(opportunity, team_id),
    )


def dominant_professions(scenario: Scenario) -> dict[str, str]:
    """Each team's most common profession among its people (ties: alphabetical first)."""
    counts: dict[str, Counter] = {t.team_id: Counter() for t in scenario.teams}
    for p in scenario.people:
        counts[p.team_id][p.profession] += 1
    return {
        team: (min(c.items(), key=lambda kv: (-kv[1], kv[0]))[0] if c else "")
        for team, c in counts.items()
    }


def opportunity_profession(opportunity: Opportunity, team_professions: Mapping[str, str]) -> str:
    """The profession an opportunity practises: its own column, else its host team's main one."""
    return opportunity.profession or team_professions.get(opportunity.host_team_id, "")


def aspirations_share(start: Mapping[str, int], now: Mapping[str, int], goals: Mapping[str, int]) -> float:
    """Share of the distance from `start` to `goals` covered by `now` (1.0 if nothing was left,
    0.0 if there are no goals)."""
    if not goals:
        return 0.0
    gap = sum(g - min(start.get(s, 0), g) for s, g in goals.items())
    if gap == 0:
        return 1.0
    closed = sum(min(now.get(s, 0), g) - min(start.get(s, 0), g) for s, g in goals.items())
    return max(0.0, min(1.0, closed / gap))
