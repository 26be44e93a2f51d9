"""A bound on the whole matching problem, from the LP duals of a model that holds only some of
the eligible pairs (each person's best, at scale), and the pairs worth adding back.

Why it is a bound (Lagrangian relaxation). Write every rule row i as lb_i <= a_i.x <= ub_i and
take any multipliers y (the LP duals of the pruned model, put on the rows of the whole problem).
For any plan x of the WHOLE problem, y_i (a_i.x) <= h_i(y_i) = y_i ub_i if y_i >= 0 else y_i lb_i,
so with the reduced cost rc_j = c_j - sum_i y_i a_ij of each placement variable,

    c.x = rc.x + sum_i y_i (a_i.x) <= sum_i h_i(y_i) + sum_pairs inner_pair(rc),

where inner_pair is the best a single pair can do on its own rows (at most one period when periods
repeat: max(0, best rc over periods); a pinned pair must be taken: its best rc; a forbidden pair:
0). The helper counts of the fairness floor enter the same way over their own range, using an
upper bound valid for the whole problem (the people in the band: one placement each per period).
This holds for ANY y, so solver tolerances or a dual of the wrong sign can only loosen the bound,
never make it wrong; with the optimal duals of the whole LP it equals the whole LP's optimum.

The rows of the whole problem differ from the pruned model's only by the new pairs' entries. A new
pair's coefficients are read from the pruned model: a pair (p, o) in period t sits in exactly the
rows of person p in period t (one placement, p's team release limit, p's team's critical skills,
p's fairness band), the capacity row of o in period t and, if it crosses organisations, the
period's cross-organisation row. Every person with an eligible pair keeps at least one pair in the
model, so each of those rows is in the model with its dual (a row not in the model has dual 0,
the same for every pair in it). Rows of any other rule make `price_all_pairs` return None (no
pricing claim is made).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimiser.model import EligiblePairs, rank_within_person
from optimiser.rules import ModelData, Rows

PERSON_RULES = ("one_placement", "release_limit", "critical_skills", "fairness")
OPPORTUNITY_RULES = ("capacity",)
PERIOD_RULES = ("cross_organisation",)
PAIR_RULES = ("no_repeat", "pinned", "forbidden")  # kept in each pair's own small problem, not priced
_INFINITE = 1e15


@dataclass
class Priced:
    """The whole-problem bound from one set of duals, and what it says about each pair."""

    bound: float  # valid for every plan over all eligible pairs
    model_bound: float  # the same sum over the model's pairs only (close to the model's LP optimum)
    add: np.ndarray  # eligible indices outside the model with positive reduced cost, best first
    n_positive: int  # how many outside pairs had a positive reduced cost (before any cap)
    penalty: np.ndarray  # per model variable: how far below `bound` any plan using it must stay
    outside_min_penalty: float  # the same, smallest over variables outside the model (inf if none)


@dataclass
class _Prices:
    person: np.ndarray  # people x periods
    opp: np.ndarray  # opportunities x periods
    cross: np.ndarray  # periods
    constant: float  # sum of h_i over priced rows plus the helper counts' best


def price_all_pairs(d: ModelData, rows: dict[str, Rows], duals: np.ndarray, eligible: EligiblePairs,
                    max_add: int | None = None) -> Priced | None:
    """The whole-problem bound from the model's LP row duals (`lp_bound.stacked_rows` order); None
    when the model has rows this pricing does not know, or a person with eligible pairs has none in
    the model."""
    known = set(PERSON_RULES + OPPORTUNITY_RULES + PERIOD_RULES + PAIR_RULES)
    if any(r.n_rows and key not in known for key, r in rows.items()):
        return None
    has_pairs = np.diff(eligible.starts) > 0
    in_model_people = np.zeros(len(has_pairs), dtype=bool)
    in_model_people[d.pairs["person"].to_numpy()] = True
    if (has_pairs & ~in_model_people).any():
        return None
    by_rule = _split(rows, np.asarray(duals, dtype=np.float64))
    best = None
    for sign in (1.0, -1.0):  # the back end's sign convention for duals does not matter
        prices = _prices(d, rows, {k: sign * y for k, y in by_rule.items()})
        if prices is None:
            continue
        model_bound, penalty = _model_side(d, rows, prices)
        if best is None or model_bound < best[0]:
            best = (model_bound, penalty, prices)
    if best is None:
        return None
    model_bound, penalty, prices = best
    return _price_eligible(d, rows, prices, eligible, model_bound, penalty, max_add)


def _split(rows: dict[str, Rows], duals: np.ndarray) -> dict[str, np.ndarray]:
    out, offset = {}, 0
    for key, r in rows.items():
        out[key] = duals[offset: offset + r.n_rows]
        offset += r.n_rows
    return out


def _feasible_sign(r: Rows, y: np.ndarray) -> np.ndarray:
    """Multipliers with h finite: no positive y on a row without upper bound (and vice versa)."""
    y = np.where(r.ub > _INFINITE, np.minimum(y, 0.0), y)
    return np.where(r.lb < -_INFINITE, np.maximum(y, 0.0), y)


def _h(r: Rows, y: np.ndarray) -> float:
    ub = np.where(y > 0, r.ub.astype(np.float64), 0.0)
    lb = np.where(y < 0, r.lb.astype(np.float64), 0.0)
    return float((y * ub).sum() + (y * lb).sum())


def _prices(d: ModelData, rows: dict[str, Rows], y_by_rule: dict[str, np.ndarray]) -> _Prices | None:
    """Per (person, period), (opportunity, period) and period: the dual weight a pair carries;
    None if the model's rows do not have the shape the pricing relies on."""
    n, k, nv = d.n_pairs, d.periods, d.n_vars
    a = d.arrays
    person = d.pairs["person"].to_numpy()
    opp = d.pairs["opp"].to_numpy()
    constant = 0.0
    acc = {"person": np.zeros(nv), "opp": np.zeros(nv), "cross": np.zeros(nv)}
    aux_price = np.zeros(len(d.aux))
    for key, r in rows.items():
        if r.n_rows == 0 or key in PAIR_RULES:
            continue
        y = _feasible_sign(r, y_by_rule[key])
        constant += _h(r, y)
        weight = r.coef * y[r.row]
        x_entry = r.var < nv
        target = "person" if key in PERSON_RULES else "opp" if key in OPPORTUNITY_RULES else "cross"
        acc[target] += np.bincount(r.var[x_entry], weights=weight[x_entry], minlength=nv)
        if (~x_entry).any():
            aux_price += np.bincount(r.var[~x_entry] - nv, weights=weight[~x_entry], minlength=len(d.aux))
    var_pair = np.tile(np.arange(n), k)
    var_period = np.repeat(np.arange(k), n)
    p_price = np.zeros((a.n_people, k))
    p_price[person[var_pair], var_period] = acc["person"]
    o_price = np.zeros((a.n_opps, k))
    o_price[opp[var_pair], var_period] = acc["opp"]
    cross_pair = a.person_org[person] != a.opp_org[opp]
    x_price = np.zeros(k)
    crossing = np.tile(cross_pair, k)
    x_price[var_period[crossing]] = acc["cross"][crossing]
    tolerance = 1e-7 * (1.0 + max(np.abs(p_price).max(initial=0), np.abs(o_price).max(initial=0),
                                  np.abs(x_price).max(initial=0)))
    # Every variable of a person (opportunity, period) must carry the same weight, or a new pair's
    # coefficients could not be read from the model: refuse rather than guess.
    if (np.abs(p_price[person[var_pair], var_period] - acc["person"]).max(initial=0) > tolerance
            or np.abs(o_price[opp[var_pair], var_period] - acc["opp"]).max(initial=0) > tolerance
            or np.abs(x_price[var_period] * crossing - acc["cross"]).max(initial=0) > tolerance):
        return None
    if len(d.aux):
        best = _helper_counts_best(d, rows, -aux_price)
        if best is None:
            return None
        constant += best
    return _Prices(p_price, o_price, x_price, constant)


def _helper_counts_best(d: ModelData, rows: dict[str, Rows], reduced: np.ndarray) -> float | None:
    """Best the fairness floor's helper counts can add: a count with a positive reduced cost at its
    largest value in the whole problem (the people of its band: one placement each per period)."""
    fair = rows.get("fairness")
    if fair is None or fair.n_rows == 0:
        return None
    nv = d.n_vars
    person = d.pairs["person"].to_numpy()
    is_x = fair.var < nv
    # the rows holding placements are the band counts: count = sum of the band's placements
    band_rows = np.unique(fair.row[is_x])
    is_count = ~is_x & (fair.coef == -1) & np.isin(fair.row, band_rows)
    counted, counted_row = fair.var[is_count], fair.row[is_count]
    owner = dict(zip(counted_row.tolist(), (counted - nv).tolist()))
    if set(band_rows.tolist()) - set(owner) or len(owner) != len(d.aux):
        return None
    keys = np.unique(fair.row[is_x].astype(np.int64) * (d.arrays.n_people + 1) + person[fair.var[is_x] % d.n_pairs])
    people_in_row = np.bincount(keys // (d.arrays.n_people + 1), minlength=fair.n_rows)
    largest = np.zeros(len(d.aux))
    for row, aux in owner.items():
        largest[aux] = people_in_row[row]
    return float((np.maximum(reduced, 0.0) * largest).sum())


def _reduced(prices: _Prices, a, person: np.ndarray, opp: np.ndarray, points: np.ndarray) -> np.ndarray:
    """pairs x periods reduced costs."""
    cross = (a.person_org[person] != a.opp_org[opp]).astype(np.float64)
    return (points.astype(np.float64)[:, None] - prices.person[person] - prices.opp[opp]
            - cross[:, None] * prices.cross[None, :])


def _pair_rule_pairs(d: ModelData, rows: dict[str, Rows], key: str) -> np.ndarray:
    r = rows.get(key)
    if r is None or r.n_rows == 0:
        return np.zeros(0, dtype=np.int64)
    return np.unique(r.var % max(d.n_pairs, 1))


def _inner(rc: np.ndarray) -> np.ndarray:
    """Best one pair can do alone: at most one period, or none."""
    return np.maximum(rc.max(axis=1), 0.0) if rc.shape[1] else np.zeros(len(rc))


def _model_side(d: ModelData, rows: dict[str, Rows], prices: _Prices) -> tuple[float, np.ndarray]:
    """(the bound over the model's pairs only, penalty per model variable)."""
    a = d.arrays
    person = d.pairs["person"].to_numpy()
    opp = d.pairs["opp"].to_numpy()
    rc = _reduced(prices, a, person, opp, d.pairs["points"].to_numpy())
    inner = _inner(rc)
    pinned = _pair_rule_pairs(d, rows, "pinned")
    forbidden = _pair_rule_pairs(d, rows, "forbidden")
    inner[pinned] = rc[pinned].max(axis=1)
    inner[forbidden] = 0.0
    penalty = inner[:, None] - rc
    penalty[forbidden] = np.inf
    return prices.constant + float(inner.sum()), penalty.T.ravel()


def _price_eligible(d: ModelData, rows: dict[str, Rows], prices: _Prices, eligible: EligiblePairs,
                    model_bound: float, penalty: np.ndarray, max_add: int | None) -> Priced:
    """Sum every eligible pair's best alone, block by block; model pairs are taken from the model
    side (pinned and forbidden pairs are always in the model)."""
    a = d.arrays
    total = 0.0
    outside_min = np.inf
    add_index, add_value = [], []
    n_positive = 0
    for first, person, opp, points in eligible.blocks():
        outside = ~eligible.in_model[first: first + len(opp)]
        if not outside.any():
            continue
        rc = _reduced(prices, a, person[outside], opp[outside], points[outside])
        inner = _inner(rc)
        total += float(inner.sum())
        if rc.size:
            outside_min = min(outside_min, float((inner[:, None] - rc).min()))
        positive = inner > 1e-9
        n_positive += int(positive.sum())
        add_index.append(first + np.flatnonzero(outside)[positive])
        add_value.append(inner[positive])
    add = np.concatenate(add_index) if add_index else np.zeros(0, dtype=np.int64)
    value = np.concatenate(add_value) if add_value else np.zeros(0)
    order = np.argsort(-value, kind="stable")
    if max_add is not None:
        order = order[:max_add]
    return Priced(bound=model_bound + total, model_bound=model_bound, add=add[order], n_positive=n_positive,
                  penalty=penalty, outside_min_penalty=outside_min)


def trivial_bound(d: ModelData, eligible: EligiblePairs) -> float:
    """A bound needing no LP: each person's best pairs, one per period (at most one each), summed,
    or each opportunity's best points times its places and periods if smaller. Made while the
    pairs are scored (`EligiblePairs.best_alone`), or here (people only) block by block."""
    if eligible.best_alone is not None:
        return eligible.best_alone
    total = 0.0
    for _, person, _, points in eligible.blocks():
        # a person split across two blocks counts twice: still a bound
        total += float(points[rank_within_person(person, points) < d.periods].sum())
    return total
