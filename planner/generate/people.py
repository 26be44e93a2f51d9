"""People: profession, grade, skills, working time, practice time and names, drawn per team."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from planner import sample_place as place
from planner.generate.settings import (
    ORGANISATION_KEYS,
    PROFESSION_INDEX,
    PROFESSION_KEYS,
    SKILL_INDEX,
)
from planner.generate.teams import TeamDraw

# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------


@dataclass
class PeopleDraw:
    team: np.ndarray  # team index per person
    profession: np.ndarray  # profession index
    grade: np.ndarray
    grade_position: np.ndarray  # 0 = bottom of the profession's range, 1 = top
    fte: np.ndarray
    must_practise: np.ndarray
    available: np.ndarray
    levels: np.ndarray  # (people, skills) int8, 0 = not held
    names: list[str]
    aspirations: np.ndarray | None = None  # (people, skills) target level, 0 = none
    preferences: list[list[int]] | None = None

    @property
    def count(self) -> int:
        return len(self.team)


def draw_people(teams: TeamDraw, rng: np.random.Generator) -> PeopleDraw:
    """Staff for every team: professions from the team's mix, grades from a pyramid within the
    profession's range on the employer's scale, skills that follow profession and grade."""
    team = np.repeat(np.arange(teams.count), teams.sizes)
    kinds_present = list({k.key: k for k in teams.kinds}.values())
    kind_number = {k.key: i for i, k in enumerate(kinds_present)}
    kind_of_person = np.array([kind_number[k.key] for k in teams.kinds])[team]
    profession = np.empty(len(team), dtype=np.int16)
    r = rng.random(len(team))
    for number, kind in enumerate(kinds_present):
        who = np.flatnonzero(kind_of_person == number)
        mix_idx = np.array([PROFESSION_INDEX[p] for p, _ in kind.mix])
        mix_cum = np.cumsum([w for _, w in kind.mix])
        pick = np.minimum(np.searchsorted(mix_cum / mix_cum[-1], r[who], side="right"), len(mix_idx) - 1)
        profession[who] = mix_idx[pick]

    org_of_team = np.array([ORGANISATION_KEYS.index(k.organisation) for k in teams.kinds])
    org = org_of_team[team]
    grade, position = draw_grades(profession, org, rng)
    levels = draw_skills(profession, position, rng)
    fte = draw_working_time(profession, rng)
    must_practise = draw_must_practise(profession, rng)
    available = rng.random(len(team)) >= 0.04
    names = draw_names(len(team), rng)
    return PeopleDraw(team, profession, grade, position, fte, must_practise, available, levels, names)


def draw_grades(profession: np.ndarray, org: np.ndarray, rng: np.random.Generator):
    """Grades form a pyramid: many at the bottom of the profession's range, few at the top,
    clipped to the employer's own grade scale."""
    low_by_prof = np.array([place.PROFESSIONS[p].grade_low for p in PROFESSION_KEYS])
    high_by_prof = np.array([place.PROFESSIONS[p].grade_high for p in PROFESSION_KEYS])
    org_min = np.array([place.ORGANISATIONS[o].grade_min for o in ORGANISATION_KEYS])
    org_max = np.array([place.ORGANISATIONS[o].grade_max for o in ORGANISATION_KEYS])
    high = np.minimum(high_by_prof[profession], org_max[org])
    low = np.minimum(np.maximum(low_by_prof[profession], org_min[org]), high)
    span = high - low + 1
    grade = low + np.minimum(span - 1, (span * rng.beta(1.4, 2.4, size=len(profession))).astype(int))
    position = (grade - low) / np.maximum(1, high - low)
    return grade.astype(np.int16), position


def _level(base: float, position: np.ndarray, rng: np.random.Generator, spread: float = 0.6) -> np.ndarray:
    raw = base + 1.4 * (position - 0.4) + rng.normal(0.0, spread, size=len(position))
    return np.clip(np.rint(raw), 1, 5).astype(np.int8)


def draw_skills(profession: np.ndarray, position: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Each person holds their profession's usual skills (more senior, higher levels), a few
    cross-cutting skills, and people management the more senior they are."""
    n = len(profession)
    levels = np.zeros((n, len(place.SKILL_IDS)), dtype=np.int8)
    for p_idx, key in enumerate(PROFESSION_KEYS):
        who = np.flatnonzero(profession == p_idx)
        if len(who) == 0:
            continue
        for skill, share, base in place.PROFESSIONS[key].skills:
            holds = who[rng.random(len(who)) < share]
            levels[holds, SKILL_INDEX[skill]] = _level(base, position[holds], rng)
        first = SKILL_INDEX[place.PROFESSIONS[key].skills[0][0]]
        empty = who[levels[who].max(axis=1) == 0]
        levels[empty, first] = _level(place.PROFESSIONS[key].skills[0][2], position[empty], rng)

    for skill, share, base in place.CROSS_CUTTING_SKILLS:
        holds = np.flatnonzero(rng.random(n) < share)
        col = SKILL_INDEX[skill]
        levels[holds, col] = np.maximum(levels[holds, col], _level(base, np.full(len(holds), 0.4), rng, 0.8))

    manages = np.flatnonzero(rng.random(n) < 0.04 + 0.7 * position**2)
    col = SKILL_INDEX["people-management"]
    levels[manages, col] = _level(2.2, position[manages], rng)
    return levels


def draw_working_time(profession: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """About one in five works part time; more in care, nursing and advice work."""
    caring = np.isin(profession, [PROFESSION_INDEX[p] for p in
                                  ("social-care", "nursing", "healthcare-support", "advice-work", "business-support")])
    part_time = rng.random(len(profession)) < np.where(caring, 0.3, 0.17)
    hours = rng.choice([0.4, 0.5, 0.6, 0.7, 0.8, 0.9], size=len(profession), p=[0.08, 0.2, 0.22, 0.12, 0.3, 0.08])
    return np.where(part_time, hours, 1.0)


def draw_must_practise(profession: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Most social workers and many planners must keep 40-60% of their time in practice to keep
    their professional registration."""
    share = np.array([place.PROFESSIONS[p].must_practise_share for p in PROFESSION_KEYS])[profession]
    practising = rng.random(len(profession)) < share
    amount = rng.choice([0.4, 0.5, 0.6], size=len(profession), p=[0.35, 0.4, 0.25])
    return np.where(practising, amount, 0.0)


def draw_names(n: int, rng: np.random.Generator) -> list[str]:
    """Realistic, diverse UK names: a heritage group per person, and one in ten with a first
    name and surname from different groups."""
    groups = place.NAME_GROUPS
    p = np.array([g[0] for g in groups])
    first_group = rng.choice(len(groups), size=n, p=p / p.sum())
    last_group = np.where(rng.random(n) < 0.1, rng.choice(len(groups), size=n, p=p / p.sum()), first_group)
    first_pick = rng.random(n)
    last_pick = rng.random(n)
    firsts = [np.array(g[1], dtype=object) for g in groups]
    lasts = [np.array(g[2], dtype=object) for g in groups]
    first = np.empty(n, dtype=object)
    last = np.empty(n, dtype=object)
    for g in range(len(groups)):
        sel = first_group == g
        first[sel] = firsts[g][(first_pick[sel] * len(firsts[g])).astype(int)]
        sel = last_group == g
        last[sel] = lasts[g][(last_pick[sel] * len(lasts[g])).astype(int)]
    return [f"{a} {b}" for a, b in zip(first.tolist(), last.tolist())]
