"""Why a demand unit is left uncovered, in plain words.

For each demand line with uncovered units, every holder of the skill at the level is counted
under the first thing that kept them away, in this order: they are in the demand team itself,
in a team of another region (crisis moves stay within a region), in a critical team, not available, resting after a recent redeployment, already covering other
demand, in a team that has released all it may, or needed to keep their own team's critical
skills.
"""

from __future__ import annotations

import numpy as np

from optimiser.redeploy.arrays import CrisisArrays
from planner.domain import SKILL_LEVEL_NAMES

# Labels, in the order a holder is counted (first that applies).
REASONS = {
    "other_region": "in teams of another region",
    "critical_team": "in critical teams",
    "unavailable": "not available",
    "resting": "resting after a recent redeployment",
    "covering_other_demand": "already covering other demand",
    "team_release_limit": "in teams that have released all they may",
    "critical_skills": "needed to keep their own team's critical skills",
    "not_chosen": "not chosen before the time limit",
}


_CODES = list(REASONS)


def blocking_codes(
    arrays: CrisisArrays, assigned_line: np.ndarray, team_released: np.ndarray, saturated: list[tuple[int, int]]
) -> np.ndarray:
    """For every person, the first thing (index into REASONS) that keeps them from another line.

    `saturated` lists (team, critical-skill bit) pairs whose holders may leave no more."""
    n = len(arrays.person_ids)
    code = np.full(n, _CODES.index("not_chosen"), dtype=np.int64)
    # Assigned from the last rule to the first, so the first that applies wins.
    in_crit = np.zeros(n, dtype=bool)
    if saturated:
        order = np.argsort(arrays.person_team, kind="stable")
        sorted_team = arrays.person_team[order]
        for team, bit in saturated:
            lo, hi = np.searchsorted(sorted_team, team, "left"), np.searchsorted(sorted_team, team, "right")
            members = order[lo:hi]
            in_crit[members[(arrays.person_critical_bits[members] >> bit) & 1 == 1]] = True
    code[in_crit] = _CODES.index("critical_skills")
    limit = arrays.team_limit[arrays.person_team]
    code[(limit >= 0) & (team_released[arrays.person_team] >= limit)] = _CODES.index("team_release_limit")
    code[arrays.person_resting] = _CODES.index("resting")
    code[assigned_line >= 0] = _CODES.index("covering_other_demand")
    code[~arrays.person_available] = _CODES.index("unavailable")
    code[arrays.team_status[arrays.person_team] == 2] = _CODES.index("critical_team")
    return code


def holder_blocks(
    arrays: CrisisArrays, line: int, codes: np.ndarray, assigned_line: np.ndarray
) -> tuple[int, int, dict[str, int]]:
    """Holders of a line's skill at its level: in the demand team, elsewhere (not already covering
    this line), and what kept each one elsewhere away from this line."""
    s, lv, t = int(arrays.line_skill[line]), int(arrays.line_level[line]), int(arrays.line_team[line])
    holders = (arrays.person_levels[:, s] >= lv) & (assigned_line != line)
    own = holders & (arrays.person_team == t)
    others = holders & ~own
    line_codes = np.where(arrays.may_reach(arrays.person_team, t), codes, _CODES.index("other_region"))
    counts = np.bincount(line_codes[others], minlength=len(_CODES))
    return int(own.sum()), int(others.sum()), {k: int(c) for k, c in zip(_CODES, counts.tolist()) if c}


def uncovered_reason(skill: str, level: int, team: str, own: int, others: int, counts: dict[str, int]) -> str:
    """One sentence a planner can act on; `team` is the demand team as a planner knows it (its name)."""
    what = f"{skill} at level {level} ({SKILL_LEVEL_NAMES.get(level, level)}) or above"
    if own == 0 and others == 0:
        return f"nobody holds {what}"
    if others == 0:
        return f"the only holders of {what} are in {team} itself ({own}); demand counts additional people"
    parts = [f"{counts[k]} {REASONS[k]}" for k in REASONS if counts.get(k)]
    if len(parts) == 1:
        return f"holders of {what} exist ({others} outside {team} not already covering it) but all are {REASONS[next(k for k in REASONS if counts.get(k))]}"
    return f"holders of {what} exist ({others} outside {team} not already covering it) but none is free: " + ", ".join(
        parts
    )
