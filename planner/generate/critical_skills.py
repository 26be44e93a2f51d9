"""The skills each team must keep while people move."""

from __future__ import annotations

import math

import numpy as np

from planner.generate.people import PeopleDraw
from planner.generate.settings import SHORT_TEAM_SHARE, SKILL_INDEX
from planner.generate.teams import TeamDraw

# ---------------------------------------------------------------------------------------------
# Critical skills
# ---------------------------------------------------------------------------------------------


def set_critical_skills(teams: TeamDraw, staff: PeopleDraw, rng: np.random.Generator):
    """Each team must keep about half of the people holding its critical skills, so some can go
    and some must stay. A critical skill nobody in the team holds is dropped, except in a few
    teams (about one in eighteen) that already lack one: those are the gaps `validate` warns of."""
    start = np.concatenate([[0], np.cumsum(teams.sizes)])
    short_teams = set(rng.choice(teams.count, size=max(1, round(teams.count * SHORT_TEAM_SHARE)),
                                 replace=False).tolist())
    keep_share = rng.uniform(0.35, 0.65, size=teams.count)
    result = []
    for t, kind in enumerate(teams.kinds):
        members = staff.levels[start[t]:start[t + 1]]
        critical = []
        for j, (skill, level) in enumerate(kind.critical):
            col = SKILL_INDEX[skill]
            holders = int((members[:, col] >= level).sum())
            if t in short_teams and j == len(kind.critical) - 1:
                critical.append((skill, level, holders + 1))
                continue
            while holders == 0 and level > 1:
                level -= 1
                holders = int((members[:, col] >= level).sum())
            if holders:
                critical.append((skill, level, max(1, math.ceil(holders * keep_share[t]))))
        result.append(tuple(critical))
    return result
