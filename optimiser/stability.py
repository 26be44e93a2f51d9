"""Preference stability: no person and opportunity would both rather be matched to each other.

A person prefers an opportunity they ranked to anything they rank lower, to anything they did
not rank and to no placement. An opportunity prefers the person it scores higher (the pair's
objective score); it is content with a person if it has a free place. A *blocking pair* is a
ranked, eligible (person, opportunity) pair where both would rather have each other, in the same
period. In a rotation, a person who takes the opportunity in another period cannot block on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.rules import ModelData, Rows


def stability_rows(d: ModelData) -> Rows:
    """For each ranked pair i = (p, o) and period t:
    cap_o x (p holds o or better in t, or o in another period) + (places on o in t going to
    others o scores at least as high as p) >= cap_o."""
    n, k = d.n_pairs, d.periods
    pairs = d.pairs.assign(pair=np.arange(n))
    ranked = pairs[pairs["rank"] > 0][["pair", "person", "opp", "rank", "points"]]
    if ranked.empty:
        return Rows.empty()
    cap = d.arrays.opp_capacity[ranked["opp"].to_numpy()]
    local = np.arange(len(ranked))
    ranked = ranked.assign(local=local, cap=cap)
    as_good = ranked.merge(ranked[["person", "pair", "rank"]], on="person", suffixes=("", "_o"))
    as_good = as_good[as_good["rank_o"] <= as_good["rank"]]
    better_people = ranked.merge(pairs[["opp", "pair", "person", "points"]], on="opp", suffixes=("", "_q"))
    better_people = better_people[
        (better_people["person_q"] != better_people["person"]) & (better_people["points_q"] >= better_people["points"])
    ]
    rows, vars_, coefs = [], [], []
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
    lb = np.repeat(cap, k)
    big = np.iinfo(np.int64).max // 4
    row_key = np.repeat(local, k)
    person = ranked["person"].to_numpy()
    opp = ranked["opp"].to_numpy()
    return Rows(
        row=np.concatenate(rows).astype(np.int64), var=np.concatenate(vars_).astype(np.int64),
        coef=np.concatenate(coefs).astype(np.int64), lb=lb.astype(np.int64), ub=lb * 0 + big,
        row_group=row_key.astype(np.int64),
        groups=[f"stability of person {d.person_id(person[i])} with opportunity {d.opp_id(opp[i])}" for i in local],
    )


def blocking_pairs(d: ModelData, chosen: np.ndarray) -> pd.DataFrame:
    """The blocking pairs of a plan (`chosen`: 0/1 per variable), columns person, opp, period."""
    n, k = d.n_pairs, d.periods
    x = np.asarray(chosen).reshape(k, n).astype(bool)
    pairs = d.pairs
    ranked_mask = pairs["rank"].to_numpy() > 0
    if not ranked_mask.any():
        return pd.DataFrame(columns=["person", "opp", "period"])
    person = pairs["person"].to_numpy()
    opp = pairs["opp"].to_numpy()
    rank = pairs["rank"].to_numpy()
    points = pairs["points"].to_numpy()
    n_people = d.arrays.n_people
    n_opps = d.arrays.n_opps
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
        person_wants = ranked_mask & (rank < got_rank[person]) & ~taken_any
        opp_wants = (used[opp] < d.arrays.opp_capacity[opp]) | (worst[opp] < points)
        hits = np.flatnonzero(person_wants & opp_wants)
        found.append(pd.DataFrame({"person": person[hits], "opp": opp[hits], "period": t + 1}))
    return pd.concat(found, ignore_index=True)
