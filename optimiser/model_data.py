"""What every matching rule reads: the scored candidate pairs, the scenario as arrays and the
policy (`ModelData`), and the shape every rule writes (`Rows`, sparse linear rows over the
placement variables).

Kept apart from the rules themselves (`optimiser.rules`, `optimiser.stability`) so those modules
depend on this one and never on each other's internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from optimiser.candidates import ScenarioArrays
from planner.domain import Policy, Scenario
from planner.rotation_calendar import opportunity_offered_matrix, person_away_matrix
from planner.staffing import critical_skill_may_leave


class PairIndex:
    """(person, opportunity) -> position in the candidate pairs, by binary search over the sorted
    pairs (no Python dict of every pair)."""

    def __init__(self, pairs: pd.DataFrame, n_opps: int):
        self.n_opps = max(n_opps, 1)
        self.keys = pairs["person"].to_numpy(np.int64) * self.n_opps + pairs["opp"].to_numpy(np.int64)
        self.sorted = bool(np.all(self.keys[1:] >= self.keys[:-1])) if len(self.keys) > 1 else True
        if not self.sorted:
            self.order = np.argsort(self.keys, kind="stable")
            self.keys = self.keys[self.order]

    def find(self, person: int, opp: int) -> int:
        key = int(person) * self.n_opps + int(opp)
        i = int(np.searchsorted(self.keys, key))
        if i < len(self.keys) and self.keys[i] == key:
            return i if self.sorted else int(self.order[i])
        return -1

    def __contains__(self, pair) -> bool:
        return self.find(*pair) >= 0

    def __getitem__(self, pair) -> int:
        i = self.find(*pair)
        if i < 0:
            raise KeyError(pair)
        return i


@dataclass
class ModelData:
    """Everything the rules read: scored candidate pairs, the scenario as arrays, the policy."""

    scenario: Scenario
    arrays: ScenarioArrays
    pairs: pd.DataFrame  # person, opp, term columns, rank, score, points
    policy: Policy
    periods: int
    pair_index: PairIndex | None = None
    pinned_positions: list[tuple[int, int]] = field(default_factory=list)
    forbidden_positions: list[tuple[int, int]] = field(default_factory=list)
    critical_table: pd.DataFrame | None = None
    aux: list[tuple[str, int, int]] = field(default_factory=list)  # (name, lb, ub) of helper counts
    pruned_from: int | None = None  # eligible pairs before keeping each person's best (large scenarios)
    opp_offered: np.ndarray | None = None  # opportunities x periods: offered in that period (calendar)
    person_away: np.ndarray | None = None  # people x periods: away on a decided assignment
    # Per person: available and eligible for at least one opportunity (has a candidate pair).
    # Taken from the whole model and handed on to reduced ones, whose pairs are a subset.
    eligible_people: np.ndarray | None = None

    def __post_init__(self):
        if self.opp_offered is None:
            self.opp_offered = opportunity_offered_matrix(self.scenario, self.policy, self.periods)
        if self.person_away is None:
            self.person_away = person_away_matrix(self.scenario, self.policy, self.periods,
                                                  self.policy.plan_date or date.today())
        if self.pair_index is None:
            self.pair_index = PairIndex(self.pairs, self.arrays.n_opps)
        person_pos = {pid: i for i, pid in enumerate(self.arrays.person_ids)}
        opp_pos = {oid: i for i, oid in enumerate(self.arrays.opp_ids)}
        self.pinned_positions = [(person_pos[x.person_id], opp_pos[x.opportunity_id]) for x in self.policy.pinned]
        self.forbidden_positions = [
            (person_pos[x.person_id], opp_pos[x.opportunity_id]) for x in self.policy.forbidden
        ]
        if self.critical_table is None:
            self.critical_table = critical_skills_table(self.arrays, self.scenario.teams)
        if self.eligible_people is None:
            self.eligible_people = np.zeros(self.arrays.n_people, dtype=bool)
            self.eligible_people[self.pairs["person"].to_numpy()] = True

    @property
    def n_pairs(self) -> int:
        return len(self.pairs)

    @property
    def n_vars(self) -> int:
        """Placement variables x[pair, period]; helper counts (`aux`) are numbered after them."""
        return self.n_pairs * self.periods

    @property
    def n_total_vars(self) -> int:
        return self.n_vars + len(self.aux)

    def new_aux(self, name: str, lb: int, ub: int) -> int:
        """A helper integer variable (a count), numbered after the placement variables."""
        self.aux.append((name, lb, ub))
        return self.n_vars + len(self.aux) - 1

    def person_id(self, i) -> str:
        return str(self.arrays.person_ids[i])

    def opp_id(self, i) -> str:
        return str(self.arrays.opp_ids[i])

    def team_id(self, i) -> str:
        return str(self.arrays.team_ids[i])


@dataclass
class Rows:
    """Linear rows lb <= sum(coef x[var]) <= ub, stored as sparse entries (row, var, coef).

    `groups` names each rule instance in plain words; `row_group` maps each row to one of them
    (an instance may span several periods)."""

    row: np.ndarray
    var: np.ndarray
    coef: np.ndarray
    lb: np.ndarray
    ub: np.ndarray
    row_group: np.ndarray
    groups: list[str]

    @property
    def n_rows(self) -> int:
        return len(self.lb)

    @staticmethod
    def empty() -> Rows:
        z = np.zeros(0, dtype=np.int64)
        return Rows(z, z, z, z, z, z, [])


def critical_skills_table(a: ScenarioArrays, teams) -> pd.DataFrame:
    """One row per (team, critical skill): the skill, level, count, how many in the team hold it,
    and how many of those holders may leave at once."""
    rows = [
        (ti, a.skill_ids.index(c.skill) if c.skill in a.skill_ids else -1, c.level, c.count, c.skill)
        for ti, t in enumerate(teams) for c in t.critical_skills
    ]
    table = pd.DataFrame(rows, columns=["team", "skill", "level", "count", "skill_id"])
    holders = []
    for r in table.itertuples():
        members = a.person_team == r.team
        holders.append(int((a.skills[members, r.skill] >= r.level).sum()) if r.skill >= 0 else 0)
    table["holders"] = np.array(holders, dtype=np.int64)
    table["may_leave"] = critical_skill_may_leave(table["holders"].to_numpy(), table["count"].to_numpy())
    return table


def critical_holders_away(data: ModelData) -> np.ndarray:
    """(team, critical skill) rows x periods: how many of the team's holders of the skill are away
    on a decided assignment in each period. Someone away is not there to cover the skill, so
    they use up the holders the team may let go then (`critical_skills_kept`)."""
    table = data.critical_table
    away = np.zeros((len(table), data.periods), dtype=np.int64)
    arrays = data.arrays
    for c, r in enumerate(table.itertuples()):
        if r.skill >= 0:
            holds = (arrays.person_team == r.team) & (arrays.skills[:, r.skill] >= r.level)
            away[c] = data.person_away[holds].sum(axis=0)
    return away
