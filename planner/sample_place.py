"""Riverbrook: the fictional place every generated scenario is set in.

Four employers share one borough: Riverbrook Borough Council, Riverbrook and Eastfold NHS
Foundation Trust, Eastfold Constabulary and the voluntary-sector partner Riverbrook Community
Action. The facts about the place (organisations, professions, the skill taxonomy, the kinds of
team, titles, names) are data files in `planner/catalogue/`; this module reads them once into
typed, immutable values, and `planner.generate` turns them into people.

Everything in the catalogue is invented. Names are common UK first names and surnames combined
at random, so no generated person is a real one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


def _catalogue(name: str) -> Any:
    """One file of the catalogue (`planner/catalogue/<name>.json`), parsed."""
    return json.loads(resources.files("planner.catalogue").joinpath(f"{name}.json").read_text(encoding="utf-8"))


# ---------------------------------------------------------------------------------------------
# Organisations and their grade scales (organisations.json)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Organisation:
    key: str
    name: str
    code: str
    grade_min: int
    grade_max: int
    grade_note: str


ORGANISATIONS: dict[str, Organisation] = {
    entry["key"]: Organisation(**entry) for entry in _catalogue("organisations")
}

# ---------------------------------------------------------------------------------------------
# Skill taxonomy (skills.json): (skill_id, name, category)
# ---------------------------------------------------------------------------------------------

_skills = _catalogue("skills")

SKILLS: tuple[tuple[str, str, str], ...] = tuple(
    (entry["skill_id"], entry["name"], entry["category"]) for entry in _skills["skills"]
)

SKILL_IDS: tuple[str, ...] = tuple(s[0] for s in SKILLS)

# Skills that only a handful of people hold, whatever the size of the place.
RARE_SKILLS: tuple[str, ...] = tuple(_skills["rare_skills"])

# Skills anyone may hold whatever their profession: (skill, share of people, typical level).
# people-management and coaching grow with grade (see planner.generate).
CROSS_CUTTING_SKILLS: tuple[tuple[str, float, float], ...] = tuple(
    (entry["skill_id"], entry["share"], entry["typical_level"]) for entry in _skills["cross_cutting_skills"]
)

# Skills opportunities of any host can develop (cross-profession growth).
DEVELOPMENT_SKILLS: tuple[str, ...] = tuple(_skills["development_skills"])

# ---------------------------------------------------------------------------------------------
# Professions (professions.json): grade range (on the shared 1-12 scale, clipped to the
# employer's own scale), the skills people in it usually hold (skill, share of people who hold
# it, typical level), and the job titles opportunities in it carry.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Profession:
    key: str
    grade_low: int
    grade_high: int
    skills: tuple[tuple[str, float, float], ...]
    titles: tuple[str, ...]
    must_practise_share: float = 0.0  # share of the profession keeping registration by practice


_professions = _catalogue("professions")

PROFESSIONS: dict[str, Profession] = {
    entry["key"]: Profession(
        key=entry["key"], grade_low=entry["grade_low"], grade_high=entry["grade_high"],
        skills=tuple((s["skill_id"], s["share"], s["typical_level"]) for s in entry["skills"]),
        titles=tuple(entry["titles"]), must_practise_share=entry["must_practise_share"],
    )
    for entry in _professions["professions"]
}

# Permanent posts (role profiles) a profession promotes into: the title of the post whose top
# grade is each grade above the bottom of the profession's range, from grade_low + 1 upwards
# (on the shared scale: NHS bands 5, 6, 7 are grades 5, 6, 7 and 8a-8d are 8-11; police ranks
# 3 constable, 4 sergeant, 5 inspector).
LADDER_TITLES: dict[str, tuple[str, ...]] = {
    profession: tuple(titles) for profession, titles in _professions["ladder_titles"].items()
}

# ---------------------------------------------------------------------------------------------
# Kinds of team (teams.json)
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamKind:
    key: str
    name: str
    organisation: str
    service: str
    mix: tuple[tuple[str, float], ...]  # (profession, share of the team)
    critical: tuple[tuple[str, int], ...]  # (skill, level) the team must keep
    crisis_status: str = "normal"  # status in a crisis: normal, paused or critical
    local: bool = False  # one team per locality
    size: tuple[int, int] = (12, 30)
    weight: float = 1.0  # how common the kind is in a large place


_teams = _catalogue("teams")

TEAM_KINDS: dict[str, TeamKind] = {
    entry["key"]: TeamKind(
        key=entry["key"], name=entry["name"], organisation=entry["organisation"], service=entry["service"],
        mix=tuple((m["profession"], m["share"]) for m in entry["mix"]),
        critical=tuple((c["skill_id"], c["level"]) for c in entry["critical"]),
        crisis_status=entry["crisis_status"], local=entry["local"], size=tuple(entry["size"]),
        weight=entry["weight"],
    )
    for entry in _teams["team_kinds"]
}

# The teams of the bundled sample, in order: every organisation and service appears once before
# the generator starts repeating kinds for larger places.
CORE_TEAM_SEQUENCE: tuple[str, ...] = tuple(_teams["core_team_sequence"])

LOCALITIES: tuple[str, ...] = tuple(_teams["localities"])

# ---------------------------------------------------------------------------------------------
# Opportunities (opportunities.json)
# ---------------------------------------------------------------------------------------------

_opportunities = _catalogue("opportunities")

# (kind, share of opportunities)
OPPORTUNITY_KINDS: tuple[tuple[str, float], ...] = tuple(
    (entry["kind"], entry["share"]) for entry in _opportunities["opportunity_kinds"]
)

PROJECT_NAMES: tuple[str, ...] = tuple(_opportunities["project_names"])

# Part-time opportunities that use what social workers and planners already know, so people who
# must keep practising can take them beside their practice: (title, required, developed).
PRACTICE_FRIENDLY: tuple[tuple[str, dict[str, int], dict[str, int]], ...] = tuple(
    (entry["title"], entry["required_skills"], entry["development_skills"])
    for entry in _opportunities["practice_friendly"]
)

# ---------------------------------------------------------------------------------------------
# Names (names.json): common UK first names and surnames by heritage, mixed at random
# ---------------------------------------------------------------------------------------------

NAME_GROUPS: tuple[tuple[float, tuple[str, ...], tuple[str, ...]], ...] = tuple(
    (entry["share"], tuple(entry["first_names"]), tuple(entry["surnames"])) for entry in _catalogue("names")
)
