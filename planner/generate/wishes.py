"""What people want: aspirations and ranked preferences."""

from __future__ import annotations

import numpy as np

from planner import sample_place as place
from planner.eligibility import (
    OPEN_GRADE,
    grade_within_bounds_mask,
    not_own_team_mask,
    practice_time_kept_mask,
    within_own_region_mask,
)
from planner.generate.opportunities import OpportunityDraw
from planner.generate.people import PeopleDraw
from planner.generate.settings import (
    MAX_DEVELOPED,
    MAX_REQUIRED,
    PROFESSION_KEYS,
    SKILL_INDEX,
)
from planner.generate.teams import TeamDraw

# ---------------------------------------------------------------------------------------------
# What people want: aspirations and ranked preferences
# ---------------------------------------------------------------------------------------------


def draw_aspirations(staff: PeopleDraw, opps: OpportunityDraw, rng: np.random.Generator) -> np.ndarray:
    """Three in four people name one to three skill goals: the next level of a skill of their own
    profession, or a new skill that opportunities in the place can develop."""
    n, n_skills = staff.levels.shape
    goals = np.zeros((n, n_skills), dtype=np.int8)
    wanted = rng.choice(4, size=n, p=[0.25, 0.4, 0.25, 0.1])

    developed = opps.developed_skill[opps.developed_skill >= 0]
    pool_w = np.bincount(developed, minlength=n_skills).astype(float) + 0.2
    pool_w[[SKILL_INDEX[s] for s in place.RARE_SKILLS]] = 0.05
    pool_cum = np.cumsum(pool_w / pool_w.sum())

    prof_cum = np.zeros((len(PROFESSION_KEYS), n_skills))
    for p_idx, key in enumerate(PROFESSION_KEYS):
        w = np.zeros(n_skills)
        for skill, share, _ in place.PROFESSIONS[key].skills:
            w[SKILL_INDEX[skill]] = share
        prof_cum[p_idx] = np.cumsum(w / w.sum())

    rows = np.arange(n)
    for slot in range(3):
        own = rng.random(n) < 0.55
        r = rng.random(n)
        from_own = (prof_cum[staff.profession] < r[:, None]).sum(axis=1)
        from_pool = np.searchsorted(pool_cum, r)
        skill = np.minimum(np.where(own, from_own, from_pool), n_skills - 1)
        current = staff.levels[rows, skill]
        target = np.maximum(current + 1, rng.choice([2, 3], size=n, p=[0.4, 0.6]))
        ok = (slot < wanted) & (target <= 5) & (goals[rows, skill] == 0)
        goals[rows[ok], skill[ok]] = target[ok]
    return goals


PREFERENCE_CANDIDATES = (10, 6, 3)  # by a skill they hold, by an aspiration, anywhere


def draw_preferences(staff: PeopleDraw, opps: OpportunityDraw, teams: TeamDraw,
                     rng: np.random.Generator) -> list[list[int]]:
    """Four in five people rank up to five opportunities, best first: mostly ones they are
    eligible for or one level short of, favouring those that develop their aspirations, and
    now and then an aspirational one they cannot take yet. In a national scenario they look
    among the opportunities open in their region (its own, and remote ones)."""
    n = staff.count
    by_skill, by_goal, anywhere = PREFERENCE_CANDIDATES
    region_of_team = teams.region_of_team
    person_region, host_region = region_of_team[staff.team], region_of_team[opps.host]
    remote = opps.remote if opps.remote is not None else np.zeros(opps.count, dtype=bool)
    open_in = [np.flatnonzero((host_region == r) | remote) for r in range(region_of_team.max() + 1)]
    requiring = [s for rows in open_in for s in _opportunities_by_skill(opps.required_skill, rows)]
    developing = [s for rows in open_in for s in _opportunities_by_skill(opps.developed_skill, rows)]
    n_skills = len(place.SKILL_IDS)

    def in_region(column: np.ndarray) -> np.ndarray:
        """A skill column per person as the key of that skill's list in their region."""
        return np.where(column >= 0, person_region * n_skills + column, -1)

    anchor = _weighted_column(staff.levels.astype(float), rng)
    goal = _weighted_column(staff.aspirations.astype(float), rng)
    candidates = np.concatenate(
        [
            _draw_from_lists(requiring, in_region(anchor), by_skill, opps.count, rng),
            _draw_from_lists(developing, in_region(goal), by_goal, opps.count, rng),
            rng.integers(0, opps.count, size=(n, anywhere)) if teams.region is None
            else _draw_from_lists(open_in, person_region, anywhere, opps.count, rng),
        ],
        axis=1,
    )

    person = np.arange(n)[:, None]
    short = np.zeros(candidates.shape, dtype=np.int16)  # levels missing, all skills together
    widest = np.zeros(candidates.shape, dtype=np.int16)  # levels missing in the worst skill
    for k in range(MAX_REQUIRED):
        skill = opps.required_skill[candidates, k]
        need = opps.required_level[candidates, k].astype(np.int16)
        have = staff.levels[person, np.maximum(skill, 0)].astype(np.int16)
        gap = np.where(skill >= 0, np.maximum(0, need - have), 0)
        short += gap
        widest = np.maximum(widest, gap)
    grade_min = np.where(opps.grade_min < 0, -OPEN_GRADE, opps.grade_min.astype(np.int64))
    grade_max = np.where(opps.grade_max < 0, OPEN_GRADE, opps.grade_max.astype(np.int64))
    grade_ok = grade_within_bounds_mask(staff.grade[:, None], grade_min[candidates], grade_max[candidates])
    practise_ok = practice_time_kept_mask(staff.must_practise[:, None], staff.profession[:, None],
                                          opps.fte[candidates], opps.profession[candidates])
    elsewhere = not_own_team_mask(staff.team[:, None], opps.host[candidates])
    elsewhere &= within_own_region_mask(person_region[:, None], host_region[candidates], remote[candidates])
    grows = np.zeros(candidates.shape, dtype=bool)
    for k in range(MAX_DEVELOPED):
        skill = opps.developed_skill[candidates, k]
        grows |= (skill >= 0) & (staff.aspirations[person, np.maximum(skill, 0)] > 0)

    fits = grade_ok & practise_ok & elsewhere
    eligible = fits & (short == 0)
    near = fits & (short > 0) & (widest <= 1)  # eligible with a stretch of one level
    dreams = grows & ~eligible & ~near & elsewhere & (rng.random(n) < 0.35)[:, None]
    score = rng.random(candidates.shape) + 1.5 * grows
    score += np.where(eligible, 4.0, 0.0) + np.where(near, 3.0 - 0.5 * short, 0.0)
    score[~(eligible | near | dreams)] = -1.0
    score[dreams] = 1.0 + 0.1 * rng.random(int(dreams.sum()))

    # a candidate drawn twice counts once
    order = np.argsort(candidates, axis=1, kind="stable")
    sorted_c = np.take_along_axis(candidates, order, axis=1)
    repeat = np.zeros(candidates.shape, dtype=bool)
    repeat[:, 1:] = sorted_c[:, 1:] == sorted_c[:, :-1]
    dup = np.zeros(candidates.shape, dtype=bool)
    np.put_along_axis(dup, order, repeat, axis=1)
    score[dup] = -1.0

    how_many = rng.choice(6, size=n, p=[0.2, 0.12, 0.18, 0.2, 0.12, 0.18])
    ranked = np.argsort(-score, axis=1, kind="stable")[:, :5]
    ranked_scores = np.take_along_axis(score, ranked, axis=1)
    ranked_opps = np.take_along_axis(candidates, ranked, axis=1)
    aspirational = (ranked_scores > 0) & (ranked_scores < 1.2)
    keep = (ranked_scores > 0) & (np.arange(5)[None, :] < how_many[:, None])
    keep &= ~aspirational | (np.cumsum(aspirational, axis=1) <= 1)  # at most one dream each
    return [row[mask].tolist() for row, mask in zip(ranked_opps, keep)]


def _opportunities_by_skill(skill_table: np.ndarray, among: np.ndarray) -> list[np.ndarray]:
    """For each skill of the catalogue, the opportunities (of the rows `among`) naming it."""
    rows, cols = np.nonzero(skill_table[among] >= 0)
    rows = among[rows]
    skills = skill_table[rows, cols]
    order = np.argsort(skills, kind="stable")
    rows, skills = rows[order], skills[order]
    bounds = np.searchsorted(skills, np.arange(len(place.SKILL_IDS) + 1))
    return [rows[bounds[s]:bounds[s + 1]] for s in range(len(place.SKILL_IDS))]


def _weighted_column(weights: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """For each row, a column drawn in proportion to its weight (-1 when the row is all zero)."""
    cumulative = np.cumsum(weights, axis=1)
    total = cumulative[:, -1]
    r = rng.random(len(weights)) * total
    column = (cumulative <= r[:, None]).sum(axis=1)
    return np.where(total > 0, np.minimum(column, weights.shape[1] - 1), -1)


def _draw_from_lists(lists: list[np.ndarray], key: np.ndarray, k: int, n_opps: int, rng) -> np.ndarray:
    """k opportunities per person from the list named by their key (anywhere, when it is empty)."""
    out = rng.integers(0, n_opps, size=(len(key), k))
    for s, members in enumerate(lists):
        if len(members) == 0:
            continue
        who = np.flatnonzero(key == s)
        if len(who):
            out[who] = members[rng.integers(0, len(members), size=(len(who), k))]
    return out
