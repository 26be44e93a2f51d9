"""How many people a team may release, and which skills it must keep: the staffing rules that the
matching plan and crisis redeployment share, one function each, so the two can never disagree.

Contract: `docs/scenario-format.md`, teams (`max_release_share`, `min_staff`, `critical_skills`).
"""

from __future__ import annotations

import numpy as np

from planner.domain import Team


def release_allowance(team: Team, headcount: int) -> int:
    """How many of a team's people may be away at once: floor(share x headcount), and never so
    many that fewer than `min_staff` stay. The stricter of the two wins."""
    by_share = int(team.max_release_share * headcount + 1e-9)
    if team.min_staff is not None:
        by_share = min(by_share, max(0, headcount - team.min_staff))
    return max(0, by_share)


def critical_skill_may_leave(holders, keep):
    """How many holders of a team's critical skill may leave: the team keeps at least `keep`
    holders among those who stay; a team that has fewer than `keep` holders to begin with keeps
    all of them. Works on single numbers and, element by element, on arrays."""
    if isinstance(holders, np.ndarray) or isinstance(keep, np.ndarray):
        return np.maximum(0, np.asarray(holders) - np.asarray(keep))
    return max(0, holders - keep)
