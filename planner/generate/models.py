"""The drawn arrays as domain objects (teams, people, opportunities)."""

from __future__ import annotations

from datetime import date

import numpy as np
from pydantic import TypeAdapter

from planner import sample_place as place
from planner.domain import (
    CriticalSkill,
    Opportunity,
    Person,
    Team,
    TeamStatus,
)
from planner.generate.opportunities import OpportunityDraw
from planner.generate.people import PeopleDraw
from planner.generate.settings import PROFESSION_KEYS
from planner.generate.teams import TeamDraw

# ---------------------------------------------------------------------------------------------
# Domain objects
# ---------------------------------------------------------------------------------------------

# People and opportunities are validated as one list each, in one call into pydantic's core: a
# third faster than a model per row at a million people, and the same checks.
_PEOPLE = TypeAdapter(tuple[Person, ...])
_OPPORTUNITIES = TypeAdapter(tuple[Opportunity, ...])


def team_models(teams: TeamDraw, statuses: list[str]) -> tuple[Team, ...]:
    return tuple(
        Team(
            team_id=teams.ids[t],
            name=teams.names[t],
            organisation=teams.organisation_name(t),
            service=kind.service,
            max_release_share=float(teams.release_share[t]),
            min_staff=teams.min_staff[t],
            critical_skills=tuple(CriticalSkill(skill=s, level=lv, count=c) for s, lv, c in teams.critical[t]),
            status=TeamStatus(statuses[t]),
            region=teams.region_name(t),
        )
        for t, kind in enumerate(teams.kinds)
    )


def _sparse_rows(matrix: np.ndarray) -> list[dict[str, int]]:
    """Each row of a (people, skills) level matrix as {skill: level}, in catalogue order."""
    rows, cols = np.nonzero(matrix)
    values = matrix[rows, cols].tolist()
    names = [place.SKILL_IDS[c] for c in cols.tolist()]
    bounds = np.searchsorted(rows, np.arange(len(matrix) + 1)).tolist()
    return [dict(zip(names[bounds[i]:bounds[i + 1]], values[bounds[i]:bounds[i + 1]])) for i in range(len(matrix))]


def _person_ids(n: int) -> list[str]:
    width = max(5, len(str(n)))
    return [f"P{i + 1:0{width}d}" for i in range(n)]


def _opportunity_ids(n: int) -> list[str]:
    width = max(4, len(str(n)))
    return [f"OPP{i + 1:0{width}d}" for i in range(n)]


def person_models(staff: PeopleDraw, teams: TeamDraw, opps: OpportunityDraw,
                   last_redeployed: list[date | None]) -> tuple[Person, ...]:
    ids = _person_ids(staff.count)
    opp_ids = _opportunity_ids(opps.count)
    skills = _sparse_rows(staff.levels)
    goals = _sparse_rows(staff.aspirations)
    team_ids = [teams.ids[t] for t in staff.team.tolist()]
    professions = [PROFESSION_KEYS[p] for p in staff.profession.tolist()]
    grades = staff.grade.tolist()
    fte = staff.fte.tolist()
    practise = staff.must_practise.tolist()
    available = staff.available.tolist()
    return _PEOPLE.validate_python([
        dict(
            person_id=ids[i], name=staff.names[i], team_id=team_ids[i], grade=grades[i],
            profession=professions[i], fte=fte[i], skills=skills[i], aspirations=goals[i],
            preferences=tuple(opp_ids[o] for o in staff.preferences[i]), must_practise=practise[i],
            available=available[i], last_redeployed=last_redeployed[i],
        )
        for i in range(staff.count)
    ])


def _levels_of(skill_row: list[int], level_row: list[int]) -> dict[str, int]:
    return {place.SKILL_IDS[s]: lv for s, lv in zip(skill_row, level_row) if s >= 0}


def opportunity_models(opps: OpportunityDraw, teams: TeamDraw) -> tuple[Opportunity, ...]:
    ids = _opportunity_ids(opps.count)
    host, capacity, fte = opps.host.tolist(), opps.capacity.tolist(), opps.fte.tolist()
    req_s, req_l = opps.required_skill.tolist(), opps.required_level.tolist()
    dev_s, dev_l = opps.developed_skill.tolist(), opps.developed_level.tolist()
    g_min, g_max, prof = opps.grade_min.tolist(), opps.grade_max.tolist(), opps.profession.tolist()
    remote = opps.remote.tolist() if opps.remote is not None else [False] * opps.count
    return _OPPORTUNITIES.validate_python([
        dict(
            opportunity_id=ids[i], title=opps.title[i], kind=opps.kind[i],
            host_team_id=teams.ids[host[i]], capacity=capacity[i], fte=fte[i],
            required_skills=_levels_of(req_s[i], req_l[i]),
            development_skills=_levels_of(dev_s[i], dev_l[i]),
            grade_min=g_min[i] if g_min[i] >= 0 else None,
            grade_max=g_max[i] if g_max[i] >= 0 else None,
            profession=PROFESSION_KEYS[prof[i]] if prof[i] >= 0 else "",
            start=opps.start[i], end=opps.end[i], remote=remote[i],
        )
        for i in range(opps.count)
    ])
