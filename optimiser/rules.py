"""The hard rules of a matching plan, one small function each.

Every rule turns the candidate pairs into linear rows over the placement variables
x[pair, period] (1 = the person takes the opportunity in that period). Rows are plain arrays, so
the same rules feed the CP-SAT model, the LP bound, the greedy plan and the infeasibility report.
Each row carries the plain-words name of the rule instance it came from ("release limit of team
T3"); that name is what people read when a plan cannot be made.

`HARD_RULES` is data: explanations, the web pages and the tests read it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Callable

import numpy as np
import pandas as pd

from optimiser.candidates import ScenarioArrays
from planner.domain import Policy, Scenario
from planner.rotation_calendar import opportunity_offered_matrix, person_away_matrix

# Fairness rows compare integer shares: a band's placements x FAIRNESS_SCALE >= share x all.
FAIRNESS_SCALE = 1000


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
    pair_index: "PairIndex | None" = None
    pinned_positions: list[tuple[int, int]] = field(default_factory=list)
    forbidden_positions: list[tuple[int, int]] = field(default_factory=list)
    critical_table: pd.DataFrame | None = None
    aux: list[tuple[str, int, int]] = field(default_factory=list)  # (name, lb, ub) of helper counts
    pruned_from: int | None = None  # eligible pairs before keeping each person's best (large scenarios)
    opp_offered: np.ndarray | None = None  # opportunities x periods: offered in that period (calendar)
    person_away: np.ndarray | None = None  # people x periods: away on a decided assignment

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
    def empty() -> "Rows":
        z = np.zeros(0, dtype=np.int64)
        return Rows(z, z, z, z, z, z, [])


@dataclass(frozen=True)
class Rule:
    key: str
    name: str  # plain words, used in explanations and infeasibility reports
    rule: str  # the rule in HR words
    build: Callable[[ModelData], Rows]
    soft_conflicts: bool = True  # False: the rule can never make a plan impossible on its own


def _grouped(d: ModelData, key: np.ndarray, pair_mask: np.ndarray | None = None, coef: np.ndarray | None = None):
    """One row per (key, period) over the pairs selected by pair_mask.

    Returns (row, var, coef, row_key, row_period)."""
    n, k = d.n_pairs, d.periods
    chosen = np.arange(n) if pair_mask is None else np.flatnonzero(pair_mask)
    key_c = np.asarray(key)[chosen].astype(np.int64)
    coef_c = np.ones(len(chosen), dtype=np.int64) if coef is None else np.asarray(coef)[chosen]
    var = (np.arange(k)[:, None] * n + chosen[None, :]).ravel()
    combined = (key_c[None, :] * k + np.arange(k)[:, None]).ravel()
    uniq, row = np.unique(combined, return_inverse=True)
    return row, var, np.tile(coef_c, k), uniq // k, uniq % k


def _rows(row, var, coef, lb, ub, row_key, key_label: Callable[[int], str]) -> Rows:
    """Rows whose group is their key (all periods of one instance form one group)."""
    keys, row_group = np.unique(row_key, return_inverse=True)
    return Rows(
        row=np.asarray(row, dtype=np.int64), var=np.asarray(var, dtype=np.int64),
        coef=np.asarray(coef, dtype=np.int64), lb=np.asarray(lb, dtype=np.int64),
        ub=np.asarray(ub, dtype=np.int64), row_group=row_group.astype(np.int64),
        groups=[key_label(int(k)) for k in keys],
    )


# ---------------------------------------------------------------------------------------------
# The rules
# ---------------------------------------------------------------------------------------------


def eligibility(d: ModelData) -> Rows:
    """A person may take an opportunity only if they are available, it is hosted outside their own
    team, they hold every required skill at the required level (less `stretch_levels`), their grade
    is within the opportunity's grade range, and, if they must keep practising their profession,
    it leaves them that time (or practises their profession).

    Enforced by creating placement variables for eligible pairs only (optimiser.candidates)."""
    return Rows.empty()


def one_placement_per_person_per_period(d: ModelData) -> Rows:
    """Each person takes at most one opportunity in each period."""
    row, var, coef, key, _ = _grouped(d, d.pairs["person"].to_numpy())
    ones = np.ones(len(key), dtype=np.int64)
    return _rows(row, var, coef, 0 * ones, ones, key, lambda p: f"one placement at a time for person {d.person_id(p)}")


def no_repeated_opportunity(d: ModelData) -> Rows:
    """In a rotation, nobody takes the same opportunity twice."""
    if d.periods < 2:
        return Rows.empty()
    n = d.n_pairs
    pair = np.arange(n)
    row = np.tile(pair, d.periods)
    var = (np.arange(d.periods)[:, None] * n + pair[None, :]).ravel()
    ones = np.ones(n, dtype=np.int64)
    return _rows(row, var, np.ones(len(var), dtype=np.int64), 0 * ones, ones, pair,
                 lambda i: f"no repeat of opportunity {d.opp_id(d.pairs['opp'].iat[i])} "
                           f"for person {d.person_id(d.pairs['person'].iat[i])}")


def opportunity_capacity(d: ModelData) -> Rows:
    """No opportunity takes more people than its places, in any period."""
    row, var, coef, key, _ = _grouped(d, d.pairs["opp"].to_numpy())
    cap = d.arrays.opp_capacity[key]
    return _rows(row, var, coef, 0 * cap, cap, key, lambda o: f"capacity of opportunity {d.opp_id(o)}")


def team_release_limit(d: ModelData) -> Rows:
    """At any time, a team releases at most floor(max_release_share x headcount) people, and never
    so many that fewer than min_staff stay. People already away on a decided assignment in a
    period count against their home team's limit in that period."""
    team = d.arrays.person_team[d.pairs["person"].to_numpy()]
    row, var, coef, key, period = _grouped(d, team)
    allowance = np.maximum(0, d.arrays.team_allowance[key] - away_by_team(d)[key, period])
    return _rows(row, var, coef, 0 * allowance, allowance, key,
                 lambda t: f"release limit of team {d.team_id(t)} "
                           f"(at most {int(d.arrays.team_allowance[t])} away at once)")


def away_by_team(d: ModelData) -> np.ndarray:
    """teams x periods: how many of each team's people are away on a decided assignment."""
    a = d.arrays
    counts = np.zeros((len(a.team_ids), d.periods), dtype=np.int64)
    person, period = np.nonzero(d.person_away)
    np.add.at(counts, (a.person_team[person], period), 1)
    return counts


def _blocked_in_period(d: ModelData, key: np.ndarray, blocked: np.ndarray, label: Callable[[int], str]) -> Rows:
    """Rows `sum of x[pair, t] <= 0` for each (key, period) that `blocked` (keys x periods) marks."""
    if d.n_pairs == 0 or not blocked.any():
        return Rows.empty()
    pair_blocked = blocked[key]  # pairs x periods
    pair, period = np.nonzero(pair_blocked)
    var = period.astype(np.int64) * d.n_pairs + pair
    combined = key[pair].astype(np.int64) * d.periods + period
    uniq, row = np.unique(combined, return_inverse=True)
    zero = np.zeros(len(uniq), dtype=np.int64)
    return _rows(row, var, np.ones(len(var), dtype=np.int64), zero, zero, uniq // d.periods, label)


def opportunity_offered_in_period(d: ModelData) -> Rows:
    """An opportunity is taken only in a period its own start..end dates overlap (dated periods:
    policy `start` and `period_months`); the placement runs for the days of that overlap."""
    return _blocked_in_period(d, d.pairs["opp"].to_numpy(), ~d.opp_offered,
                              lambda o: f"dates of opportunity {d.opp_id(o)} (offered only within its start..end)")


def away_on_assignment(d: ModelData) -> Rows:
    """A person already away on a decided assignment (secondment, redeployment) is not placed
    again in any period that assignment overlaps."""
    return _blocked_in_period(d, d.pairs["person"].to_numpy(), d.person_away,
                              lambda p: f"person {d.person_id(p)} is away on an assignment")


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
    table["may_leave"] = np.maximum(0, table["holders"] - table["count"])
    return table


def critical_skills_kept(d: ModelData) -> Rows:
    """After moves, each team keeps at least `count` people holding each critical skill at its level
    (a team with fewer such people to begin with keeps all of them)."""
    table = d.critical_table
    if table.empty or d.n_pairs == 0:
        return Rows.empty()
    a = d.arrays
    person = d.pairs["person"].to_numpy()
    link = pd.DataFrame({"pair": np.arange(d.n_pairs), "team": a.person_team[person]}).merge(
        table.reset_index().rename(columns={"index": "crit"}), on="team"
    )
    link = link[link["skill"] >= 0]
    held = a.skills[person[link["pair"].to_numpy()], link["skill"].to_numpy()] >= link["level"].to_numpy()
    link = link[held]
    if link.empty:
        return Rows.empty()
    n, k = d.n_pairs, d.periods
    pair = link["pair"].to_numpy()
    crit = link["crit"].to_numpy().astype(np.int64)
    var = (np.arange(k)[:, None] * n + pair[None, :]).ravel()
    combined = (crit[None, :] * k + np.arange(k)[:, None]).ravel()
    uniq, row = np.unique(combined, return_inverse=True)
    key = uniq // k
    ub = table["may_leave"].to_numpy()[key]

    def label(c: int) -> str:
        r = table.iloc[c]
        return (f"critical skill {r.skill_id} (level {r.level}+) kept by {r['count']} people who stay "
                f"in team {d.team_id(r.team)}")

    return _rows(row, var, np.ones(len(var), dtype=np.int64), 0 * ub, ub, key, label)


def pinned_placements(d: ModelData) -> Rows:
    """A placement HR has pinned in the policy happens (in one of the plan's periods)."""
    found = [(j, d.pair_index[pp]) for j, pp in enumerate(d.pinned_positions) if pp in d.pair_index]
    if not found:
        return Rows.empty()
    j, pair = (np.array(x, dtype=np.int64) for x in zip(*found))
    var = (np.arange(d.periods)[:, None] * d.n_pairs + pair[None, :]).ravel()
    row = np.tile(np.arange(len(pair)), d.periods)
    lb = np.ones(len(pair), dtype=np.int64)
    return _rows(row, var, np.ones(len(var), dtype=np.int64), lb, lb, j,
                 lambda i: f"pinned placement of person {d.person_id(d.pinned_positions[i][0])} "
                           f"on opportunity {d.opp_id(d.pinned_positions[i][1])}")


def forbidden_pairs(d: ModelData) -> Rows:
    """A placement HR has forbidden in the policy never happens."""
    found = [(j, d.pair_index[pp]) for j, pp in enumerate(d.forbidden_positions) if pp in d.pair_index]
    if not found:
        return Rows.empty()
    j, pair = (np.array(x, dtype=np.int64) for x in zip(*found))
    var = (np.arange(d.periods)[:, None] * d.n_pairs + pair[None, :]).ravel()
    row = np.tile(np.arange(len(pair)), d.periods)
    zero = np.zeros(len(pair), dtype=np.int64)
    return _rows(row, var, np.ones(len(var), dtype=np.int64), zero, zero, j,
                 lambda i: f"forbidden placement of person {d.person_id(d.forbidden_positions[i][0])} "
                           f"on opportunity {d.opp_id(d.forbidden_positions[i][1])}")


def cross_organisation_cap(d: ModelData) -> Rows:
    """When the policy sets max_cross_organisation, at most that many moves in each period go to
    another organisation."""
    cap = d.policy.max_cross_organisation
    if cap is None:
        return Rows.empty()
    a = d.arrays
    cross = a.person_org[d.pairs["person"].to_numpy()] != a.opp_org[d.pairs["opp"].to_numpy()]
    row, var, coef, key, _ = _grouped(d, np.zeros(d.n_pairs, dtype=np.int64), cross)
    ub = np.full(len(key), cap, dtype=np.int64)
    return _rows(row, var, coef, 0 * ub, ub, key,
                 lambda _: f"cap of {cap} moves across organisations per period")


def fairness_floor(d: ModelData) -> Rows:
    """When the policy sets fairness bands, each grade band that has candidates receives at least
    `min_share` of the placements in each period, so junior staff are not crowded out.

    Written with one count per band (and one for everyone outside the bands) per period, so no
    row spans every placement: each placement appears in its band's count only (a sparse model
    whose LP relaxation solves much faster than with one dense row per band)."""
    fair = d.policy.fairness
    share = int(round(fair.min_share * FAIRNESS_SCALE))
    if share <= 0 or not fair.bands or d.n_pairs == 0:
        return Rows.empty()
    grade = d.arrays.person_grade[d.pairs["person"].to_numpy()]
    members = [((grade >= lo) & (grade <= hi)) for lo, hi in fair.bands]
    outside = ~np.logical_or.reduce(members)
    n = d.n_pairs
    rows, vars_, coefs, lbs, ubs, keys = [], [], [], [], [], []
    r = 0
    big = np.iinfo(np.int64).max // 4

    def add(entries_var, entries_coef, lb, ub, key):
        nonlocal r
        vars_.append(entries_var)
        coefs.append(entries_coef)
        rows.append(np.full(len(entries_var), r))
        lbs.append(lb)
        ubs.append(ub)
        keys.append(key)
        r += 1

    for t in range(d.periods):
        counts = []
        groups = [(b, m) for b, m in enumerate(members)] + [(len(members), outside)]
        for b, m in groups:
            chosen = np.flatnonzero(m)
            if len(chosen) == 0:
                continue
            c = d.new_aux(f"placed[band {b}, period {t + 1}]", 0, len(chosen))
            counts.append((b, c))
            add(np.concatenate([t * n + chosen, [c]]),
                np.concatenate([np.ones(len(chosen), dtype=np.int64), [-1]]), 0, 0, b)
        all_counts = np.array([c for _, c in counts])
        for b, c in counts:
            if b == len(members):
                continue
            coef = np.full(len(all_counts), -share, dtype=np.int64)
            coef[all_counts == c] += FAIRNESS_SCALE
            add(all_counts, coef, 0, big, b)
    return _rows(np.concatenate(rows), np.concatenate(vars_), np.concatenate(coefs), np.array(lbs),
                 np.array(ubs), np.array(keys), lambda b: (
                     f"fairness floor: grades {fair.bands[b][0]}-{fair.bands[b][1]} get at least "
                     f"{fair.min_share:.0%} of placements" if b < len(fair.bands) else
                     "fairness floor: count of placements outside the bands"))


def preference_stability(d: ModelData) -> Rows:
    """With `stable: true`, no person and opportunity would both rather be matched to each other than
    to what they got: for every opportunity a person ranked, either the person got something they
    rank at least as high, or every place on it went to someone it scores at least as highly."""
    if not d.policy.stable or d.n_pairs == 0:
        return Rows.empty()
    from optimiser.stability import stability_rows

    return stability_rows(d)


HARD_RULES: tuple[Rule, ...] = (
    Rule("eligibility", "eligibility", eligibility.__doc__, eligibility, soft_conflicts=False),
    Rule("offered_in_period", "opportunity dates", opportunity_offered_in_period.__doc__,
         opportunity_offered_in_period),
    Rule("away_on_assignment", "people away on an assignment", away_on_assignment.__doc__, away_on_assignment),
    Rule("one_placement", "one placement per person per period",
         one_placement_per_person_per_period.__doc__, one_placement_per_person_per_period),
    Rule("no_repeat", "nobody repeats an opportunity", no_repeated_opportunity.__doc__, no_repeated_opportunity),
    Rule("capacity", "opportunity capacity", opportunity_capacity.__doc__, opportunity_capacity),
    Rule("release_limit", "team release limit", team_release_limit.__doc__, team_release_limit),
    Rule("critical_skills", "critical skills kept", critical_skills_kept.__doc__, critical_skills_kept),
    Rule("pinned", "pinned placements", pinned_placements.__doc__, pinned_placements),
    Rule("forbidden", "forbidden placements", forbidden_pairs.__doc__, forbidden_pairs),
    Rule("cross_organisation", "cap on moves across organisations",
         cross_organisation_cap.__doc__, cross_organisation_cap),
    Rule("fairness", "fairness floor by grade band", fairness_floor.__doc__, fairness_floor),
    Rule("stability", "preference stability", preference_stability.__doc__, preference_stability),
)

RULE_BY_KEY = {r.key: r for r in HARD_RULES}


def build_rows(d: ModelData) -> dict[str, Rows]:
    """Every rule's rows, keyed by rule (helper counts are created afresh)."""
    d.aux.clear()
    return {rule.key: rule.build(d) for rule in HARD_RULES}
