"""The hard rules of a matching plan, one small function each.

Every rule turns the candidate pairs into linear rows over the placement variables
x[pair, period] (1 = the person takes the opportunity in that period). Rows are plain arrays, so
the same rules feed the CP-SAT model, the LP bound, the greedy plan and the infeasibility report.
Each row carries the plain-words name of the rule instance it came from ("release limit of team
T3"); that name is what people read when a plan cannot be made.

`HARD_RULES` is data: explanations, the web pages and the tests read it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser.model_data import ModelData, PairIndex, Rows, critical_holders_away, critical_skills_table
from optimiser.stability import stability_rows
from planner.domain import EQUALITY_MIN_GROUP

# Fairness rows compare integer shares: a band's placements x FAIRNESS_SCALE >= share x all.
FAIRNESS_SCALE = 1000
# Equality rows compare rates as integers: min_ratio is written in thousandths.
RATE_SCALE = 1000


@dataclass(frozen=True)
class Rule:
    key: str
    name: str  # plain words, used in explanations and infeasibility reports
    rule: str  # the rule in HR words
    build: Callable[[ModelData], Rows]
    soft_conflicts: bool = True  # False: the rule can never make a plan impossible on its own


def _grouped(data: ModelData, key: np.ndarray, pair_mask: np.ndarray | None = None, coef: np.ndarray | None = None):
    """One row per (key, period) over the pairs selected by pair_mask.

    Returns (row, var, coef, row_key, row_period)."""
    n, k = data.n_pairs, data.periods
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


def eligibility(data: ModelData) -> Rows:
    """A person may take an opportunity only if they are available, it is hosted outside their own
    team, they hold every required skill at the required level (less `stretch_levels`), their grade
    is within the opportunity's grade range, and, if they must keep practising their profession,
    it leaves them that time (or practises their profession).

    Enforced by creating placement variables for eligible pairs only (optimiser.candidates)."""
    return Rows.empty()


def one_placement_per_person_per_period(data: ModelData) -> Rows:
    """Each person takes at most one opportunity in each period."""
    row, var, coef, key, _ = _grouped(data, data.pairs["person"].to_numpy())
    ones = np.ones(len(key), dtype=np.int64)
    return _rows(
        row, var, coef, 0 * ones, ones, key, lambda p: f"one placement at a time for person {data.person_id(p)}"
    )


def no_repeated_opportunity(data: ModelData) -> Rows:
    """In a rotation, nobody takes the same opportunity twice."""
    if data.periods < 2:
        return Rows.empty()
    n = data.n_pairs
    pair = np.arange(n)
    row = np.tile(pair, data.periods)
    var = (np.arange(data.periods)[:, None] * n + pair[None, :]).ravel()
    ones = np.ones(n, dtype=np.int64)
    return _rows(
        row,
        var,
        np.ones(len(var), dtype=np.int64),
        0 * ones,
        ones,
        pair,
        lambda i: (
            f"no repeat of opportunity {data.opp_id(data.pairs['opp'].iat[i])} "
            f"for person {data.person_id(data.pairs['person'].iat[i])}"
        ),
    )


def opportunity_capacity(data: ModelData) -> Rows:
    """No opportunity takes more people than its places, in any period."""
    row, var, coef, key, _ = _grouped(data, data.pairs["opp"].to_numpy())
    cap = data.arrays.opp_capacity[key]
    return _rows(row, var, coef, 0 * cap, cap, key, lambda o: f"capacity of opportunity {data.opp_id(o)}")


def team_release_limit_rows(data: ModelData) -> Rows:
    """At any time, a team releases at most floor(max_release_share x headcount) people, and never
    so many that fewer than min_staff stay (`planner.staffing.release_allowance`). People already
    away on a decided assignment in a period count against their home team's limit then."""
    team = data.arrays.person_team[data.pairs["person"].to_numpy()]
    row, var, coef, key, period = _grouped(data, team)
    allowance = np.maximum(0, data.arrays.team_allowance[key] - away_by_team(data)[key, period])
    return _rows(
        row,
        var,
        coef,
        0 * allowance,
        allowance,
        key,
        lambda t: (
            f"release limit of team {data.team_id(t)} (at most {int(data.arrays.team_allowance[t])} away at once)"
        ),
    )


def away_by_team(data: ModelData) -> np.ndarray:
    """teams x periods: how many of each team's people are away on a decided assignment."""
    arrays = data.arrays
    counts = np.zeros((len(arrays.team_ids), data.periods), dtype=np.int64)
    person, period = np.nonzero(data.person_away)
    np.add.at(counts, (arrays.person_team[person], period), 1)
    return counts


def _blocked_in_period(data: ModelData, key: np.ndarray, blocked: np.ndarray, label: Callable[[int], str]) -> Rows:
    """Rows `sum of x[pair, t] <= 0` for each (key, period) that `blocked` (keys x periods) marks."""
    if data.n_pairs == 0 or not blocked.any():
        return Rows.empty()
    pair_blocked = blocked[key]  # pairs x periods
    pair, period = np.nonzero(pair_blocked)
    var = period.astype(np.int64) * data.n_pairs + pair
    combined = key[pair].astype(np.int64) * data.periods + period
    uniq, row = np.unique(combined, return_inverse=True)
    zero = np.zeros(len(uniq), dtype=np.int64)
    return _rows(row, var, np.ones(len(var), dtype=np.int64), zero, zero, uniq // data.periods, label)


def opportunity_offered_in_period(data: ModelData) -> Rows:
    """An opportunity is taken only in a period its own start..end dates overlap (dated periods:
    policy `start` and `period_months`); the placement runs for the days of that overlap."""
    return _blocked_in_period(data, data.pairs["opp"].to_numpy(), ~data.opp_offered,
                              lambda o: f"dates of opportunity {data.opp_id(o)} (offered only within its start..end)")


def away_on_assignment(data: ModelData) -> Rows:
    """A person already away on a decided assignment (secondment, redeployment) is not placed
    again in any period that assignment overlaps."""
    return _blocked_in_period(data, data.pairs["person"].to_numpy(), data.person_away,
                              lambda p: f"person {data.person_id(p)} is away on an assignment")


def critical_skills_kept(data: ModelData) -> Rows:
    """After moves, each team keeps at least `count` people holding each critical skill at its level
    (a team with fewer such people to begin with keeps all of them). A holder away on a decided
    assignment in a period is not there to cover the skill: they count among those who left."""
    table = data.critical_table
    if table.empty or data.n_pairs == 0:
        return Rows.empty()
    arrays = data.arrays
    person = data.pairs["person"].to_numpy()
    link = pd.DataFrame({"pair": np.arange(data.n_pairs), "team": arrays.person_team[person]}).merge(
        table.reset_index().rename(columns={"index": "crit"}), on="team"
    )
    link = link[link["skill"] >= 0]
    held = arrays.skills[person[link["pair"].to_numpy()], link["skill"].to_numpy()] >= link["level"].to_numpy()
    link = link[held]
    if link.empty:
        return Rows.empty()
    n, k = data.n_pairs, data.periods
    pair = link["pair"].to_numpy()
    crit = link["crit"].to_numpy().astype(np.int64)
    var = (np.arange(k)[:, None] * n + pair[None, :]).ravel()
    combined = (crit[None, :] * k + np.arange(k)[:, None]).ravel()
    uniq, row = np.unique(combined, return_inverse=True)
    key = uniq // k
    ub = np.maximum(0, table["may_leave"].to_numpy()[key] - critical_holders_away(data)[key, uniq % k])

    def label(c: int) -> str:
        r = table.iloc[c]
        return (
            f"critical skill {r.skill_id} (level {r.level}+) kept by {r['count']} people who stay "
            f"in team {data.team_id(r.team)}"
        )

    return _rows(row, var, np.ones(len(var), dtype=np.int64), 0 * ub, ub, key, label)


def pinned_placements(data: ModelData) -> Rows:
    """A placement HR has pinned in the policy happens (in one of the plan's periods)."""
    found = [(j, data.pair_index[pp]) for j, pp in enumerate(data.pinned_positions) if pp in data.pair_index]
    if not found:
        return Rows.empty()
    j, pair = (np.array(x, dtype=np.int64) for x in zip(*found))
    var = (np.arange(data.periods)[:, None] * data.n_pairs + pair[None, :]).ravel()
    row = np.tile(np.arange(len(pair)), data.periods)
    lb = np.ones(len(pair), dtype=np.int64)
    return _rows(
        row,
        var,
        np.ones(len(var), dtype=np.int64),
        lb,
        lb,
        j,
        lambda i: (
            f"pinned placement of person {data.person_id(data.pinned_positions[i][0])} "
            f"on opportunity {data.opp_id(data.pinned_positions[i][1])}"
        ),
    )


def forbidden_pairs(data: ModelData) -> Rows:
    """A placement HR has forbidden in the policy never happens."""
    found = [(j, data.pair_index[pp]) for j, pp in enumerate(data.forbidden_positions) if pp in data.pair_index]
    if not found:
        return Rows.empty()
    j, pair = (np.array(x, dtype=np.int64) for x in zip(*found))
    var = (np.arange(data.periods)[:, None] * data.n_pairs + pair[None, :]).ravel()
    row = np.tile(np.arange(len(pair)), data.periods)
    zero = np.zeros(len(pair), dtype=np.int64)
    return _rows(
        row,
        var,
        np.ones(len(var), dtype=np.int64),
        zero,
        zero,
        j,
        lambda i: (
            f"forbidden placement of person {data.person_id(data.forbidden_positions[i][0])} "
            f"on opportunity {data.opp_id(data.forbidden_positions[i][1])}"
        ),
    )


def cross_organisation_cap(data: ModelData) -> Rows:
    """When the policy sets max_cross_organisation, at most that many moves in each period go to
    another organisation."""
    cap = data.policy.max_cross_organisation
    if cap is None:
        return Rows.empty()
    arrays = data.arrays
    cross = arrays.person_org[data.pairs["person"].to_numpy()] != arrays.opp_org[data.pairs["opp"].to_numpy()]
    row, var, coef, key, _ = _grouped(data, np.zeros(data.n_pairs, dtype=np.int64), cross)
    ub = np.full(len(key), cap, dtype=np.int64)
    return _rows(row, var, coef, 0 * ub, ub, key, lambda _: f"cap of {cap} moves across organisations per period")


def fairness_floor(data: ModelData) -> Rows:
    """When the policy sets fairness bands, each grade band that has candidates receives at least
    `min_share` of the placements in each period, so junior staff are not crowded out.

    Written with one count per band (and one for everyone outside the bands) per period, so no
    row spans every placement: each placement appears in its band's count only (a sparse model
    whose LP relaxation solves much faster than with one dense row per band)."""
    fair = data.policy.fairness
    share = int(round(fair.min_share * FAIRNESS_SCALE))
    if share <= 0 or not fair.bands or data.n_pairs == 0:
        return Rows.empty()
    grade = data.arrays.person_grade[data.pairs["person"].to_numpy()]
    members = [((grade >= lo) & (grade <= hi)) for lo, hi in fair.bands]
    outside = ~np.logical_or.reduce(members)
    n = data.n_pairs
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

    for t in range(data.periods):
        counts = []
        groups = [(b, m) for b, m in enumerate(members)] + [(len(members), outside)]
        for b, m in groups:
            chosen = np.flatnonzero(m)
            if len(chosen) == 0:
                continue
            c = data.new_aux(f"placed[band {b}, period {t + 1}]", 0, len(chosen))
            counts.append((b, c))
            add(
                np.concatenate([t * n + chosen, [c]]),
                np.concatenate([np.ones(len(chosen), dtype=np.int64), [-1]]),
                0,
                0,
                b,
            )
        all_counts = np.array([c for _, c in counts])
        for b, c in counts:
            if b == len(members):
                continue
            coef = np.full(len(all_counts), -share, dtype=np.int64)
            coef[all_counts == c] += FAIRNESS_SCALE
            add(all_counts, coef, 0, big, b)
    return _rows(
        np.concatenate(rows),
        np.concatenate(vars_),
        np.concatenate(coefs),
        np.array(lbs),
        np.array(ubs),
        np.array(keys),
        lambda b: (
            f"fairness floor: grades {fair.bands[b][0]}-{fair.bands[b][1]} get at least "
            f"{fair.min_share:.0%} of placements"
            if b < len(fair.bands)
            else "fairness floor: count of placements outside the bands"
        ),
    )


def monitoring_groups(data: ModelData) -> tuple[list[str], np.ndarray, np.ndarray]:
    """The groups of the monitored characteristic the equality rule compares: their names, each
    person's group (-1: not stated, or in a group too small to compare) and each group's number of
    people who are available and eligible for at least one opportunity (at least
    EQUALITY_MIN_GROUP)."""
    attribute = data.policy.equality.monitored[0] if data.policy.equality.attribute else None
    n_people = data.arrays.n_people
    group_of = np.full(n_people, -1, dtype=np.int64)
    if attribute is None:
        return [], group_of, np.zeros(0, dtype=np.int64)
    monitoring = data.scenario.monitoring
    values = np.array([monitoring.get(pid, {}).get(attribute, "") for pid in data.arrays.person_ids], dtype=object)
    counted = data.eligible_people & (values != "")
    names, counts = np.unique(values[counted].astype(str), return_counts=True)
    big_enough = counts >= EQUALITY_MIN_GROUP
    names, counts = names[big_enough].tolist(), counts[big_enough].astype(np.int64)
    position = {name: g for g, name in enumerate(names)}
    for i in np.flatnonzero(counted).tolist():
        group_of[i] = position.get(values[i], -1)
    return names, group_of, counts


def equal_placement_rates(data: ModelData) -> Rows:
    """Equality (the four-fifths rule): when the policy names a monitored characteristic
    (`equality.attribute`, e.g. ethnicity), in every period each group's placement rate - people
    of the group placed, over the people of the group who are available and eligible for at least
    one opportunity - is at least `min_ratio` (0.8) times the rate of the best-placed group.
    Only groups of at least 10 such people are compared; people who did not state the
    characteristic belong to no group.

    Written with one count of placed people per group and period, and for each pair of groups
    (g, h): n_h x placed_g x 1000 - round(min_ratio x 1000) x n_g x placed_h >= 0."""
    equality = data.policy.equality
    ratio = int(round(equality.min_ratio * RATE_SCALE))
    names, group_of, counts = monitoring_groups(data)
    if ratio <= 0 or len(names) < 2 or data.n_pairs == 0:
        return Rows.empty()
    n_groups, n = len(names), data.n_pairs
    pair_group = group_of[data.pairs["person"].to_numpy()]
    rows, vars_, coefs, lbs, ubs, keys = [], [], [], [], [], []
    big = np.iinfo(np.int64).max // 4

    def add(entries_var, entries_coef, lb, ub, key):
        vars_.append(np.asarray(entries_var, dtype=np.int64))
        coefs.append(np.asarray(entries_coef, dtype=np.int64))
        rows.append(np.full(len(entries_var), len(lbs)))
        lbs.append(lb)
        ubs.append(ub)
        keys.append(key)

    for t in range(data.periods):
        placed = []
        for g in range(n_groups):
            chosen = np.flatnonzero(pair_group == g)
            c = data.new_aux(f"placed[group {g}, period {t + 1}]", 0, int(counts[g]))
            placed.append(c)
            add(np.concatenate([t * n + chosen, [c]]),
                np.concatenate([np.ones(len(chosen), dtype=np.int64), [-1]]), 0, 0, n_groups * n_groups + g)
        for g in range(n_groups):
            for h in range(n_groups):
                if g != h:
                    add([placed[g], placed[h]], [int(counts[h]) * RATE_SCALE, -ratio * int(counts[g])], 0, big,
                        g * n_groups + h)

    def label(key: int) -> str:
        if key >= n_groups * n_groups:
            return f"equality: count of placed people in {equality.attribute} group {names[key - n_groups * n_groups]}"
        g, h = divmod(key, n_groups)
        return (f"equality: the placement rate of {equality.attribute} group {names[g]} could not reach "
                f"{equality.min_ratio:.0%} of group {names[h]}'s")

    return _rows(np.concatenate(rows), np.concatenate(vars_), np.concatenate(coefs), np.array(lbs),
                 np.array(ubs), np.array(keys), label)


def preference_stability(data: ModelData) -> Rows:
    """With `stable: true`, no person and opportunity would both rather be matched to each other than
    to what they got: for every opportunity a person ranked, either the person got something they
    rank at least as high, or every place on it went to someone it scores at least as highly."""
    if not data.policy.stable or data.n_pairs == 0:
        return Rows.empty()
    return stability_rows(data)


HARD_RULES: tuple[Rule, ...] = (
    Rule("eligibility", "eligibility", eligibility.__doc__, eligibility, soft_conflicts=False),
    Rule("offered_in_period", "opportunity dates", opportunity_offered_in_period.__doc__,
         opportunity_offered_in_period),
    Rule("away_on_assignment", "people away on an assignment", away_on_assignment.__doc__, away_on_assignment),
    Rule(
        "one_placement",
        "one placement per person per period",
        one_placement_per_person_per_period.__doc__,
        one_placement_per_person_per_period,
    ),
    Rule("no_repeat", "nobody repeats an opportunity", no_repeated_opportunity.__doc__, no_repeated_opportunity),
    Rule("capacity", "opportunity capacity", opportunity_capacity.__doc__, opportunity_capacity),
    Rule("release_limit", "team release limit", team_release_limit_rows.__doc__, team_release_limit_rows),
    Rule("critical_skills", "critical skills kept", critical_skills_kept.__doc__, critical_skills_kept),
    Rule("pinned", "pinned placements", pinned_placements.__doc__, pinned_placements),
    Rule("forbidden", "forbidden placements", forbidden_pairs.__doc__, forbidden_pairs),
    Rule(
        "cross_organisation",
        "cap on moves across organisations",
        cross_organisation_cap.__doc__,
        cross_organisation_cap,
    ),
    Rule("fairness", "fairness floor by grade band", fairness_floor.__doc__, fairness_floor),
    Rule("equality", "equal placement rates (four-fifths rule)", equal_placement_rates.__doc__,
         equal_placement_rates),
    Rule("stability", "preference stability", preference_stability.__doc__, preference_stability),
)

# Rules that define helper counts (`count - sum of its placements = 0` rows), so a 0/1 plan can be
# completed with their values (optimiser.matching.with_counts).
COUNTING_RULES = ("fairness", "equality")

RULE_BY_KEY = {r.key: r for r in HARD_RULES}


# ModelData, Rows, PairIndex and critical_skills_table are read here by callers that build the
# rows (optimiser.matching, optimiser.lp_bound); they are defined in optimiser.model_data.
__all__ = [
    "COUNTING_RULES",
    "FAIRNESS_SCALE",
    "HARD_RULES",
    "RULE_BY_KEY",
    "ModelData",
    "PairIndex",
    "Rows",
    "Rule",
    "build_rows",
    "critical_skills_table",
]


def build_rows(data: ModelData) -> dict[str, Rows]:
    """Every rule's rows, keyed by rule (helper counts are created afresh)."""
    data.aux.clear()
    return {rule.key: rule.build(data) for rule in HARD_RULES}
