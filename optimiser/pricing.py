"""A bound on the whole matching problem, from the LP duals of a model that holds only some of
the eligible pairs (each person's best, at scale), and the pairs worth adding back.

Why it is a bound (Lagrangian relaxation). Write every rule row i as lb_i <= a_i.x <= ub_i and
take any multipliers y (the LP duals of the pruned model, put on the rows of the whole problem).
For any plan x of the WHOLE problem, y_i (a_i.x) <= h_i(y_i) = y_i ub_i if y_i >= 0 else y_i lb_i.
The rows shared by many people (capacity, release limits, critical skills, fairness bands, the
cross-organisation cap) are priced this way; each person's own rows (one placement per period,
no repeat, pinned, forbidden) stay in that person's small problem over their own pairs, with the
reduced costs rc_j = c_j - sum over shared rows of y_i a_ij:

    c.x <= sum_shared h_i(y_i) + helper counts' best + sum_people best_p(rc),

where best_p is any upper bound on the person's small problem; the smaller of two is taken:
(1) the one-placement rows priced too (their h, plus each pair alone at its best period, or 0),
(2) with nothing pinned or forbidden, the best pair in each period (no-repeat left out). The
helper counts of the fairness floor enter over their range, with an upper bound valid for the
whole problem (the people in the band: one placement each per period). This holds for ANY y, so
solver tolerances or a dual of the wrong sign can only loosen the bound, never make it wrong; with
the optimal duals of the whole LP it equals the whole LP's optimum.

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
PAIR_RULES = ("no_repeat", "pinned", "forbidden")  # kept in each person's own small problem, not priced
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
    prices: DualPrices | None = None  # the duals as prices per person, opportunity and period
    people: PersonBounds | None = None  # each person's part of `bound` (see _lagrangian)
    best_on_opp: np.ndarray | None = None  # per opportunity: the most points of any of its eligible pairs


@dataclass
class PersonBounds:
    """Each person's own small problem, bounded two ways (`_lagrangian`), for the people with
    eligible pairs: a caller pricing pairs the model never saw (optimiser.distributed) grows
    these and the bound with them."""

    people: np.ndarray  # positions of the people with eligible pairs
    bound_one: np.ndarray  # (1): one-placement rows priced, each pair alone
    best_period: np.ndarray  # people x periods: (2) the best reduced cost in each period (>= 0)
    fixed: np.ndarray  # bool: something pinned or forbidden, so (2) does not apply

    @property
    def bound(self) -> np.ndarray:
        """The person's part of the bound: the smaller of (1) and (2)."""
        return np.minimum(self.bound_one, np.where(self.fixed, np.inf, self.best_period.sum(axis=1)))


@dataclass
class DualPrices:
    person: np.ndarray  # people x periods: duals of the person's shared rows (release, critical, band)
    one: np.ndarray  # people x periods: dual of the person's own "one placement" row
    one_h: np.ndarray  # people: sum of h over the person's own "one placement" rows
    opp: np.ndarray  # opportunities x periods
    cross: np.ndarray  # periods
    constant: float  # sum of h_i over the shared priced rows plus the helper counts' best
    # people x periods: the negative duals of the person's team's shared rows (release limit,
    # critical skills) summed, a floor on the weight those rows put on any pair of the person,
    # in the model or not (for people with no pair in the model)
    person_floor: np.ndarray | None = None


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
    own = EligiblePairs.of_model(d)
    model_special = _special_pairs(d, rows, np.arange(d.n_pairs))
    best = None
    for sign in (1.0, -1.0):  # the back end's sign convention for duals does not matter
        prices = _prices(d, rows, {k: sign * y for k, y in by_rule.items()})
        if prices is None:
            continue
        on_model = _lagrangian(d, prices, own, model_special, None)
        if best is None or on_model.bound < best[0].bound:
            best = (on_model, prices)
    if best is None:
        return None
    on_model, prices = best
    special = _special_pairs(d, rows, d.pairs["eligible"].to_numpy())
    whole = _lagrangian(d, prices, eligible, special, max_add)
    return Priced(bound=whole.bound, model_bound=on_model.bound, add=whole.add, n_positive=whole.n_positive,
                  penalty=whole.penalty, outside_min_penalty=whole.outside_min_penalty, prices=prices,
                  people=whole.people, best_on_opp=whole.best_on_opp)


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


def _h_rows(r: Rows, y: np.ndarray) -> np.ndarray:
    """h_i(y_i) per row: y ub when y > 0, y lb when y < 0."""
    return y * np.where(y > 0, r.ub.astype(np.float64), 0.0) + y * np.where(y < 0, r.lb.astype(np.float64), 0.0)


def _prices(d: ModelData, rows: dict[str, Rows], y_by_rule: dict[str, np.ndarray]) -> DualPrices | None:
    """Per (person, period), (opportunity, period) and period: the dual weight a pair carries;
    None if the model's rows do not have the shape the pricing relies on."""
    n, k, nv = d.n_pairs, d.periods, d.n_vars
    a = d.arrays
    person = d.pairs["person"].to_numpy()
    opp = d.pairs["opp"].to_numpy()
    constant = 0.0
    acc = {"person": np.zeros(nv), "one": np.zeros(nv), "opp": np.zeros(nv), "cross": np.zeros(nv)}
    aux_price = np.zeros(len(d.aux))
    one_h = np.zeros(a.n_people)
    team_floor = np.zeros((len(a.team_ids), k))
    for key, r in rows.items():
        if r.n_rows == 0 or key in PAIR_RULES:
            continue
        y = _feasible_sign(r, y_by_rule[key])
        h = _h_rows(r, y)
        weight = r.coef * y[r.row]
        x_entry = r.var < nv
        if key == "one_placement":  # the person's own rows: kept apart, see _lagrangian
            target = "one"
            row_person = np.zeros(r.n_rows, dtype=np.int64)
            row_person[r.row] = person[r.var % n]
            one_h += np.bincount(row_person, weights=h, minlength=a.n_people)
        else:
            constant += float(h.sum())
            target = "person" if key in PERSON_RULES else "opp" if key in OPPORTUNITY_RULES else "cross"
            if target == "person" and x_entry.any():
                # each of these rows is one team's (release limit, critical skill) in one period
                row_period = np.zeros(r.n_rows, dtype=np.int64)
                row_team = np.zeros(r.n_rows, dtype=np.int64)
                row_period[r.row[x_entry]] = r.var[x_entry] // max(n, 1)
                row_team[r.row[x_entry]] = a.person_team[person[r.var[x_entry] % max(n, 1)]]
                np.add.at(team_floor, (row_team, row_period), np.minimum(y, 0.0))
        acc[target] += np.bincount(r.var[x_entry], weights=weight[x_entry], minlength=nv)
        if (~x_entry).any():
            aux_price += np.bincount(r.var[~x_entry] - nv, weights=weight[~x_entry], minlength=len(d.aux))
    var_pair = np.tile(np.arange(n), k)
    var_period = np.repeat(np.arange(k), n)
    by_person = {}
    for name in ("person", "one"):
        table = np.zeros((a.n_people, k))
        table[person[var_pair], var_period] = acc[name]
        by_person[name] = table
    o_price = np.zeros((a.n_opps, k))
    o_price[opp[var_pair], var_period] = acc["opp"]
    cross_pair = a.person_org[person] != a.opp_org[opp]
    x_price = np.zeros(k)
    crossing = np.tile(cross_pair, k)
    x_price[var_period[crossing]] = acc["cross"][crossing]
    tolerance = 1e-7 * (1.0 + max(np.abs(by_person["person"]).max(initial=0), np.abs(by_person["one"]).max(initial=0),
                                  np.abs(o_price).max(initial=0), np.abs(x_price).max(initial=0)))
    # Every variable of a person (opportunity, period) must carry the same weight, or a new pair's
    # coefficients could not be read from the model: refuse rather than guess.
    if (any(np.abs(by_person[name][person[var_pair], var_period] - acc[name]).max(initial=0) > tolerance
            for name in ("person", "one"))
            or np.abs(o_price[opp[var_pair], var_period] - acc["opp"]).max(initial=0) > tolerance
            or np.abs(x_price[var_period] * crossing - acc["cross"]).max(initial=0) > tolerance):
        return None
    if len(d.aux):
        best = _helper_counts_best(d, rows, -aux_price)
        if best is None:
            return None
        constant += best
    return DualPrices(by_person["person"], by_person["one"], one_h, o_price, x_price, constant,
                      team_floor[a.person_team])


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


def _special_pairs(d: ModelData, rows: dict[str, Rows], index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pinned, forbidden) pairs as indices into the pair set that `index` maps model pairs to."""
    out = []
    for key in ("pinned", "forbidden"):
        r = rows.get(key)
        model_pairs = np.unique(r.var % max(d.n_pairs, 1)) if r is not None and r.n_rows else np.zeros(0, np.int64)
        out.append(np.sort(index[model_pairs]).astype(np.int64))
    return out[0], out[1]


@dataclass
class _Sum:
    bound: float
    add: np.ndarray
    n_positive: int
    penalty: np.ndarray
    outside_min_penalty: float
    people: PersonBounds | None = None
    best_on_opp: np.ndarray | None = None


def _lagrangian(d: ModelData, prices: DualPrices, pairs: EligiblePairs, special: tuple[np.ndarray, np.ndarray],
                max_add: int | None) -> _Sum:
    """The bound over the pairs of `pairs`, person by person. Each person's own rows (one placement
    per period, no repeat, pinned, forbidden) stay in that person's small problem, which is bounded
    two ways and the smaller kept: (1) the "one placement" rows priced by their duals, each pair
    alone (at most one period); (2) for people with nothing pinned or forbidden, the best pair in
    each period (no-repeat left out, which can only loosen). Also: the pairs outside the model
    worth adding (positive reduced cost in (1)) and how far below the bound a plan using each
    variable must stay (`Priced.penalty`)."""
    a = d.arrays
    k = d.periods
    pinned, forbidden = special
    total = prices.constant
    outside_min = np.inf
    add_index, add_value, penalties = [], [], []
    person_parts: list[tuple[np.ndarray, ...]] = []
    best_on_opp = np.zeros(a.n_opps)
    n_positive = 0
    for first, person, opp, points in pairs.blocks():
        m = len(opp)
        cross = (a.person_org[person] != a.opp_org[opp]).astype(np.float64)
        rc_shared = (points.astype(np.float64)[:, None] - prices.person[person] - prices.opp[opp]
                     - cross[:, None] * prices.cross[None, :])
        rc_one = rc_shared - prices.one[person]
        inner = np.maximum(rc_one.max(axis=1), 0.0)
        penalty_one = inner[:, None] - rc_one
        pin = pinned[(pinned >= first) & (pinned < first + m)] - first
        ban = forbidden[(forbidden >= first) & (forbidden < first + m)] - first
        inner[pin] = rc_one[pin].max(axis=1)
        penalty_one[pin] = inner[pin][:, None] - rc_one[pin]
        inner[ban] = 0.0
        penalty_one[ban] = np.inf
        # people of this block, each with all their pairs here
        seg_start = np.flatnonzero(np.r_[True, person[1:] != person[:-1]])
        seg = np.cumsum(np.r_[False, person[1:] != person[:-1]])
        people = person[seg_start]
        bound_one = np.add.reduceat(inner, seg_start) + prices.one_h[people]
        best_period = np.maximum(np.maximum.reduceat(rc_shared, seg_start, axis=0), 0.0)
        bound_period = best_period.sum(axis=1)
        fixed = np.zeros(len(people), dtype=bool)
        fixed[seg[np.concatenate([pin, ban])]] = True
        bound_period[fixed] = np.inf
        best = np.minimum(bound_one, bound_period)
        total += float(best.sum())
        person_parts.append((people, bound_one, best_period, fixed))
        np.maximum.at(best_on_opp, opp, points)
        # a plan using variable v is worth at most (bound - penalty v)
        with_v = np.minimum(bound_one[seg][:, None] - penalty_one,
                            bound_period[seg][:, None] - (best_period[seg] - rc_shared))
        penalty = best[seg][:, None] - with_v
        outside = ~pairs.in_model[first: first + m]
        if outside.any():
            outside_min = min(outside_min, float(penalty[outside].min()))
        penalties.append(penalty[~outside])
        positive = outside & (inner > 1e-9)
        n_positive += int(positive.sum())
        add_index.append(first + np.flatnonzero(positive))
        add_value.append(inner[positive])
    add = np.concatenate(add_index) if add_index else np.zeros(0, dtype=np.int64)
    value = np.concatenate(add_value) if add_value else np.zeros(0)
    order = np.argsort(-value, kind="stable")
    if max_add is not None:
        order = order[:max_add]
    penalty = np.concatenate(penalties) if penalties else np.zeros((0, k))
    bounds = PersonBounds(*(np.concatenate(column) for column in zip(*person_parts))) if person_parts else \
        PersonBounds(np.zeros(0, np.int64), np.zeros(0), np.zeros((0, k)), np.zeros(0, dtype=bool))
    return _Sum(total, add[order], n_positive, penalty.T.ravel(), outside_min, bounds, best_on_opp)


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


def unpriced(d: ModelData, rows: dict[str, Rows], eligible: EligiblePairs) -> Priced:
    """The same sums with every dual zero: each person's pairs alone at their points, a bound that
    holds with no LP at all (what a solve whose LP never finished can offer)."""
    k, a = d.periods, d.arrays
    zero = DualPrices(np.zeros((a.n_people, k)), np.zeros((a.n_people, k)), np.zeros(a.n_people),
                      np.zeros((a.n_opps, k)), np.zeros(k), 0.0, np.zeros((a.n_people, k)))
    whole = _lagrangian(d, zero, eligible, _special_pairs(d, rows, d.pairs["eligible"].to_numpy()), None)
    return Priced(bound=whole.bound, model_bound=whole.bound, add=np.zeros(0, np.int64), n_positive=0,
                  penalty=np.zeros(0), outside_min_penalty=np.inf, prices=zero, people=whole.people,
                  best_on_opp=whole.best_on_opp)
