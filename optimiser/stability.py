"""Preference stability: no person and opportunity would both rather be matched to each other.

A person prefers an opportunity they ranked to anything they rank lower, to anything they did
not rank and to no placement. An opportunity prefers the person it scores higher (the pair's
objective score); it is content with a person if it has a free place. A *blocking pair* is a
ranked, eligible (person, opportunity) pair where both would rather have each other, in the same
period, and where the person could actually go: their team is not at its release limit and no
critical skill of theirs is down to the minimum the team must keep (a team at its limit cannot
release anyone else, so the pair cannot act on its wish). In a rotation, a person who takes the
opportunity in another period cannot block on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.model_data import ModelData, Rows, critical_holders_away


def stability_rows(data: ModelData) -> Rows:
    """For each ranked pair i = (p, o) and period t:
    cap_o x (p holds o or better in t, or o in another period) + (places on o in t going to
    others o scores at least as high as p) >= cap_o."""
    n, k = data.n_pairs, data.periods
    pairs = data.pairs.assign(pair=np.arange(n))
    ranked = pairs[pairs["rank"] > 0][["pair", "person", "opp", "rank", "points"]]
    if ranked.empty:
        return Rows.empty()
    cap = data.arrays.opp_capacity[ranked["opp"].to_numpy()]
    local = np.arange(len(ranked))
    ranked = ranked.assign(local=local, cap=cap)
    as_good = ranked.merge(ranked[["person", "pair", "rank"]], on="person", suffixes=("", "_o"))
    as_good = as_good[as_good["rank_o"] <= as_good["rank"]]
    better_people = ranked.merge(pairs[["opp", "pair", "person", "points"]], on="opp", suffixes=("", "_q"))
    better_people = better_people[
        (better_people["person_q"] != better_people["person"]) & (better_people["points_q"] >= better_people["points"])
    ]
    rows, vars_, coefs = [], [], []
    # "held back" indicators: may be 1 only when the team (or a critical skill's holders) is at
    # its limit in that period; a held-back person cannot block.
    extra_rows = _held_back_rows(data, ranked, local, cap)
    for t in range(k):
        rows.append(as_good["local"].to_numpy() * k + t)
        vars_.append(t * n + as_good["pair_o"].to_numpy())
        coefs.append(as_good["cap"].to_numpy())
        for other in range(k):
            if other != t:
                rows.append(local * k + t)
                vars_.append(other * n + ranked["pair"].to_numpy())
                coefs.append(cap)
        rows.append(better_people["local"].to_numpy() * k + t)
        vars_.append(t * n + better_people["pair_q"].to_numpy())
        coefs.append(np.ones(len(better_people), dtype=np.int64))
    big = np.iinfo(np.int64).max // 4
    row_key = np.repeat(local, k)
    person = ranked["person"].to_numpy()
    opp = ranked["opp"].to_numpy()
    # Nobody blocks in a period the opportunity is not offered or the person is away (calendar).
    closed = ~data.opp_offered[opp] | data.person_away[person]  # ranked pairs x periods
    lb = np.where(closed.ravel(), 0, np.repeat(cap, k))
    extra_r, extra_v, extra_c, limit_r, limit_v, limit_c, limit_ub = extra_rows
    n_limit = len(limit_ub)
    rows += extra_r
    vars_ += extra_v
    coefs += extra_c
    n_main = len(lb)
    all_rows = np.concatenate(rows + [r + n_main for r in limit_r]).astype(np.int64)
    return Rows(
        row=all_rows,
        var=np.concatenate(vars_ + limit_v).astype(np.int64),
        coef=np.concatenate(coefs + limit_c).astype(np.int64),
        lb=np.concatenate([lb, np.full(n_limit, -big)]).astype(np.int64),
        ub=np.concatenate([lb * 0 + big, limit_ub]).astype(np.int64),
        row_group=np.concatenate([row_key, np.full(n_limit, len(local))]).astype(np.int64),
        groups=[
            f"stability of person {data.person_id(person[i])} with opportunity {data.opp_id(opp[i])}" for i in local
        ]
        + ["stability: a team at its limit holds its people back"],
    )


def _held_back_rows(data: ModelData, ranked: pd.DataFrame, local: np.ndarray, cap: np.ndarray):
    """Entries adding cap_o x held_back[p, t] to each ranked pair's row, and the rows that let
    held_back[p, t] be 1 only when p has no placement in t and their team (or a critical skill
    they hold) is at its limit: limit x at_limit - (people away) <= 0;
    held_back - at_limit(team) - sum at_limit(critical skills held) <= 0;
    held_back + placements of p in t <= 1."""
    arrays = data.arrays
    n, k = data.n_pairs, data.periods
    pair_person = data.pairs["person"].to_numpy()
    team_of_pair = arrays.person_team[pair_person]
    person = ranked["person"].to_numpy()
    wanting = np.unique(person)
    extra_r, extra_v, extra_c = [], [], []
    limit_r, limit_v, limit_c, limit_ub = [], [], [], []
    n_limit = 0

    def limit_row(var, coef, ub=0):
        nonlocal n_limit
        limit_ub.append(ub)
        limit_r.append(np.full(len(var), n_limit))
        limit_v.append(np.asarray(var, dtype=np.int64))
        limit_c.append(np.asarray(coef, dtype=np.int64))
        n_limit += 1

    crit = []
    table = data.critical_table
    if table is not None and not table.empty:
        for c, r in table.iterrows():
            if r.skill >= 0:
                holds = (arrays.person_team == r.team) & (arrays.skills[:, r.skill] >= r.level)
                if holds[wanting].any():
                    crit.append((c, r, holds))
    pairs_of = pd.Series(np.arange(n)).groupby(pair_person).apply(np.asarray)
    # People already away on a decided assignment use up their team's limits in their periods.
    away_person, away_period = np.nonzero(data.person_away)
    team_away = np.zeros((len(arrays.team_ids), k), dtype=np.int64)
    np.add.at(team_away, (arrays.person_team[away_person], away_period), 1)
    crit_away = critical_holders_away(data) if crit else None
    for t in range(k):
        team_flag = {}
        for team in np.unique(arrays.person_team[wanting]).tolist():
            flag = data.new_aux(f"at_limit[team {data.team_id(team)}, period {t + 1}]", 0, 1)
            members = np.flatnonzero(team_of_pair == team)
            limit_row(
                np.concatenate([t * n + members, [flag]]),
                np.concatenate([-np.ones(len(members)), [max(0, arrays.team_allowance[team] - team_away[team, t])]]),
            )
            team_flag[team] = flag
        crit_flags = []
        for c, r, holds in crit:
            flag = data.new_aux(f"at_limit[critical {c}, period {t + 1}]", 0, 1)
            holder_pairs = np.flatnonzero(holds[pair_person])
            limit_row(
                np.concatenate([t * n + holder_pairs, [flag]]),
                np.concatenate([-np.ones(len(holder_pairs)), [max(0, r.may_leave - crit_away[c, t])]]),
            )
            crit_flags.append((flag, holds))
        held = {}
        for p in wanting.tolist():
            h = data.new_aux(f"held_back[person {data.person_id(p)}, period {t + 1}]", 0, 1)
            held[p] = h
            flags = [team_flag[arrays.person_team[p]]] + [f for f, holds in crit_flags if holds[p]]
            limit_row([h] + flags, [1] + [-1] * len(flags))
            mine = pairs_of.get(p, np.zeros(0, dtype=np.int64))
            limit_row(np.concatenate([[h], t * n + mine]), np.ones(len(mine) + 1), ub=1)
        extra_r.append(local * k + t)
        extra_v.append(np.array([held[p] for p in person.tolist()], dtype=np.int64))
        extra_c.append(cap)
    return extra_r, extra_v, extra_c, limit_r, limit_v, limit_c, np.array(limit_ub, dtype=np.int64)


def blocking_pairs(data: ModelData, chosen: np.ndarray) -> pd.DataFrame:
    """The blocking pairs of a plan (`chosen`: 0/1 per variable): columns person, opp, period, the
    person's rank of the opportunity, the pair they got in that period (-1: none) and the person
    the opportunity would drop for them (-1: it has a free place)."""
    n, k = data.n_pairs, data.periods
    x = np.asarray(chosen).reshape(k, n).astype(bool)
    pairs = data.pairs
    ranked_mask = pairs["rank"].to_numpy() > 0
    if not ranked_mask.any():
        return pd.DataFrame(columns=["person", "opp", "period", "rank", "got_pair", "dropped_person", "points"])
    person = pairs["person"].to_numpy()
    opp = pairs["opp"].to_numpy()
    rank = pairs["rank"].to_numpy()
    points = pairs["points"].to_numpy()
    n_people = data.arrays.n_people
    n_opps = data.arrays.n_opps
    taken_any = x.any(axis=0)
    found = []
    for t in range(k):
        placed = np.flatnonzero(x[t])
        # the rank of what each person got (0 = unranked or nothing; big = nothing)
        got_rank = np.full(n_people, np.iinfo(np.int32).max, dtype=np.int64)
        got_rank[person[placed]] = np.where(rank[placed] > 0, rank[placed], np.iinfo(np.int32).max)
        used = np.bincount(opp[placed], minlength=n_opps)
        worst = np.full(n_opps, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(worst, opp[placed], points[placed])
        placed_now = np.zeros(n_people, dtype=bool)
        placed_now[person[placed]] = True
        person_wants = (
            ranked_mask
            & (rank < got_rank[person])
            & ~taken_any
            & ~(_held_back(data, np.concatenate([person[placed], np.flatnonzero(data.person_away[:, t])]))
                & ~placed_now)[person]
        )
        person_wants &= data.opp_offered[opp, t] & ~data.person_away[person, t]
        opp_wants = (used[opp] < data.arrays.opp_capacity[opp]) | (worst[opp] < points)
        hits = np.flatnonzero(person_wants & opp_wants)
        got_pair = np.full(n_people, -1, dtype=np.int64)
        got_pair[person[placed]] = placed
        # whom the opportunity would drop: its lowest-scoring holder in this period (-1: a free place)
        weakest = np.full(n_opps, -1, dtype=np.int64)
        by_opp_then_points = placed[np.lexsort((points[placed], opp[placed]))]
        opps_held, first = np.unique(opp[by_opp_then_points], return_index=True)
        weakest[opps_held] = person[by_opp_then_points[first]]
        full = used[opp[hits]] >= data.arrays.opp_capacity[opp[hits]]
        found.append(pd.DataFrame({
            "person": person[hits], "opp": opp[hits], "period": t + 1, "rank": rank[hits],
            "got_pair": got_pair[person[hits]], "dropped_person": np.where(full, weakest[opp[hits]], -1),
            "points": points[hits],
        }))
    return pd.concat(found, ignore_index=True)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def blocking_pair_reason(data: ModelData, row) -> str:
    """One blocking pair in plain words: what the person would drop for the opportunity, and
    whom (or which free place) the opportunity would give them, naming people and opportunities
    by id (plan.json is read by HR, who look the ids up)."""
    pairs = data.pairs
    who, where = data.person_id(row.person), data.opp_id(row.opp)
    if row.got_pair >= 0:
        got = int(row.got_pair)
        got_rank = int(pairs["rank"].iat[got])
        got_words = f"{data.opp_id(pairs['opp'].iat[got])}" + (
            f" (ranked {_ordinal(got_rank)})" if got_rank > 0 else " (not ranked)")
        person_side = f"{who} ranks {where} {_ordinal(int(row.rank))} and would leave {got_words} for it"
    else:
        person_side = f"{who} ranks {where} {_ordinal(int(row.rank))} and has no placement"
    if row.dropped_person >= 0:
        opp_side = f"{where} scores {who} higher than {data.person_id(row.dropped_person)}, whom it would drop"
    else:
        opp_side = f"{where} has a free place"
    return f"In period {int(row.period)}, {person_side}; {opp_side}."


def blocking_pair_records(data: ModelData, found: pd.DataFrame) -> list[dict]:
    """plan.json's list of blocking pairs: person_id, opportunity_id, period and the reason."""
    if found.empty:
        return []
    return [
        {"person_id": data.person_id(r.person), "opportunity_id": data.opp_id(r.opp), "period": int(r.period),
         "reason": blocking_pair_reason(data, r)}
        for r in found.itertuples()
    ]


def _held_back(data: ModelData, away: np.ndarray) -> np.ndarray:
    """Per person: their team is at its release limit, or a critical skill they hold is down to
    the minimum, given the people `away` in this period."""
    arrays = data.arrays
    out = np.zeros(arrays.n_people, dtype=bool)
    team_away = np.bincount(arrays.person_team[away], minlength=len(arrays.team_ids))
    out |= team_away[arrays.person_team] >= arrays.team_allowance[arrays.person_team]
    table = data.critical_table
    if table is not None and not table.empty:
        for r in table.itertuples():
            if r.skill < 0:
                continue
            holds = (arrays.person_team == r.team) & (arrays.skills[:, r.skill] >= r.level)
            if int(holds[away].sum()) >= r.may_leave:
                out |= holds
    return out
