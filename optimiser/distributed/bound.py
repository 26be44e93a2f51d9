"""A bound on the WHOLE matching problem from the bounds of its parts, and the pairs across parts.

Cross pairs. A pair across parts is a person of part A and an opportunity hosted in part B that
the eligibility rules (`planner.eligibility.eligibility_mask`, the one copy of the rules) open to
them: with regions, the remote opportunities of other regions. They are found block by block of
people with the same mask and scored with the same function as every other pair, on the WHOLE
scenario's arrays (so scores match the single-process ones exactly).

Why the combined number is a bound (Lagrangian relaxation, as in `optimiser.pricing`). Every row
of the whole problem (one placement of person p in period t; capacity of opportunity o in t; the
release limit and critical skills of a team in t) holds exactly the pairs of the same row in one
part's model, plus cross pairs: a team, its people and the opportunities it hosts are all in one
part. Put on each whole row the dual y_i that its part's final LP round gave it (0 for a row that
no part's model holds). Then, as in pricing, for any plan x of the whole problem

    c.x <= sum over parts of sum_shared h_i(y_i) + sum over people of best_p(rc),

where rc_j = c_j - sum_i y_i a_ij and best_p is any upper bound on person p's own small problem
(their one-placement, no-repeat, pinned and forbidden rows) over ALL their pairs. A part's priced
bound is exactly its constant plus sum_p best_p over the part's own pairs; only the people with
cross pairs change:

- a cross pair (p of A, o of B) in period t sits in p's shared rows (priced by A: person[p, t]),
  p's one-placement row (A: one[p, t]) and o's capacity row (B: opp[o, t]), so
  rc_shared = points - person[p, t] - opp[o, t] and rc_one = rc_shared - one[p, t]. For a
  person with no pair in A's model, person[p, t] is unknown; A's floor (the sum of the negative
  duals of A's person rows in t) is below it, and a lower price only raises rc, which keeps the
  bound valid;
- bound (1) of the person (one-placement rows priced, each pair alone) grows by the cross pairs'
  max(max_t rc_one, 0); bound (2) (best pair per period, people with nothing pinned or
  forbidden) becomes sum_t max(best_period[t], max over cross pairs of rc_shared[t], 0);
- the person's part is min of the two, and the whole bound is the parts' bounds plus, for every
  person with cross pairs, (new part - old part).

This holds for ANY duals, so a part whose LP never finished simply has all duals zero (each
person's best pairs alone). It covers every eligible pair (`bound_scope` "all eligible pairs").
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from optimiser.candidates import ScenarioArrays, scenario_arrays
from optimiser.distributed.parts import Part
from optimiser.objective import score_pairs
from optimiser.pricing import DualPrices, PersonBounds
from planner.domain import Policy, Scenario
from planner.eligibility import eligibility_mask

# Cells (people x opportunities) of one eligibility block, as in optimiser.candidates.
_BLOCK_CELLS = 4_000_000


@dataclass
class CrossPairs:
    """Every eligible pair across parts: positions in the whole scenario, and points."""

    person: np.ndarray  # int32
    opp: np.ndarray  # int32
    points: np.ndarray  # int64

    @property
    def n_pairs(self) -> int:
        return len(self.person)


@dataclass
class PartBound:
    """What a part's solve says about its own pairs: its bound, its duals as prices and each
    person's part of the bound (positions are the part's own)."""

    bound: float
    prices: DualPrices
    people: PersonBounds


def _take(opportunities, columns: np.ndarray):
    """The eligibility facts of the opportunities at `columns` only (every field sliced, so facts
    added to the rules later are sliced too)."""
    return type(opportunities)(**{f.name: getattr(opportunities, f.name)[columns] for f in fields(opportunities)})


def cross_pairs(scenario: Scenario, policy: Policy, parts: list[Part]) -> CrossPairs:
    """Every eligible pair whose person and opportunity are in different parts, block by block
    of people, scored like every other pair."""
    arrays = scenario_arrays(scenario)
    found: list[tuple[np.ndarray, np.ndarray]] = []
    everyone = arrays.eligibility_opportunities()
    for i, part in enumerate(parts):
        outside = np.ones(arrays.n_opps, dtype=bool)
        outside[part.opportunities] = False
        columns = np.flatnonzero(outside & (arrays.opp_capacity > 0))
        people = part.people[arrays.person_available[part.people]]
        if not (len(columns) and len(people)):
            continue
        opportunities = _take(everyone, columns)
        block = max(1, _BLOCK_CELLS // len(columns))
        for start in range(0, len(people), block):
            rows = people[start:start + block]
            mask = eligibility_mask(arrays.eligibility_people(rows), opportunities, policy.stretch_levels)
            person_rows, opp_columns = np.nonzero(mask)
            if len(person_rows):
                found.append((rows[person_rows].astype(np.int32), columns[opp_columns].astype(np.int32)))
    if not found:
        z = np.zeros(0, np.int32)
        return CrossPairs(z, z, np.zeros(0, np.int64))
    person = np.concatenate([p for p, _ in found])
    opp = np.concatenate([o for _, o in found])
    return CrossPairs(person, opp, _points(arrays, person, opp, policy))


def _points(arrays: ScenarioArrays, person: np.ndarray, opp: np.ndarray, policy: Policy) -> np.ndarray:
    out = np.zeros(len(person), dtype=np.int64)
    step = 1_000_000
    for start in range(0, len(person), step):
        chunk = slice(start, start + step)
        scored = score_pairs(arrays, pd.DataFrame({"person": person[chunk], "opp": opp[chunk]}), policy.weights)
        out[chunk] = scored["points"].to_numpy()
    return out


def whole_bound(scenario: Scenario, parts: list[Part], bounds: list[PartBound], cross: CrossPairs,
                periods: int) -> float:
    """The parts' bounds combined with the cross pairs into a bound on the whole problem (see the
    module docstring for why it holds)."""
    total = float(sum(b.bound for b in bounds))
    if cross.n_pairs == 0:
        return total
    local_person = np.full(len(scenario.people), -1, dtype=np.int64)
    part_of_person = np.full(len(scenario.people), -1, dtype=np.int64)
    local_opp = np.full(len(scenario.opportunities), -1, dtype=np.int64)
    part_of_opp = np.full(len(scenario.opportunities), -1, dtype=np.int64)
    for i, part in enumerate(parts):
        local_person[part.people], part_of_person[part.people] = np.arange(len(part.people)), i
        local_opp[part.opportunities], part_of_opp[part.opportunities] = np.arange(len(part.opportunities)), i
    opp_price = np.zeros((cross.n_pairs, periods))
    for b, found in enumerate(bounds):
        here = part_of_opp[cross.opp] == b
        opp_price[here] = found.prices.opp[local_opp[cross.opp[here]]]
    by_part = [np.flatnonzero(part_of_person[cross.person] == a) for a in range(len(parts))]

    def combined(raise_by: np.ndarray) -> float:
        """The bound with each opportunity's capacity price raised by `raise_by` (>= 0)."""
        price = opp_price + raise_by[cross.opp][:, None]
        grown = 0.0
        for part, found, here in zip(parts, bounds, by_part):
            if len(here):
                grown += _growth(found, local_person[cross.person[here]], cross.points[here], price[here],
                                 len(part.people), periods)[0]
        capacity = np.array([o.capacity for o in scenario.opportunities], dtype=np.float64)
        return total + grown + float((raise_by * capacity).sum() * periods)

    first = np.zeros(len(scenario.opportunities))
    best = combined(first)
    # Raising a capacity price by d >= 0 adds at most d x places per period to the h terms, and
    # lowers the reduced cost of every pair on the opportunity by d: the host part's people's
    # bounds can only fall (kept as they were, still bounds), the cross pairs are priced anew. The
    # parts' LPs never saw the competition across parts for remote places, so this usually helps:
    # d is the value of the (places x periods)-th best cross pair on the opportunity.
    raise_by = _competition_price(scenario, parts, bounds, cross, local_person, part_of_person, opp_price,
                                  periods)
    for scale in (1.0, 0.5):
        best = min(best, combined(scale * raise_by))
    return best


def _competition_price(scenario: Scenario, parts: list[Part], bounds: list[PartBound], cross: CrossPairs,
                       local_person: np.ndarray, part_of_person: np.ndarray, opp_price: np.ndarray,
                       periods: int) -> np.ndarray:
    """Per opportunity: the value (best reduced cost alone, at least 0) of its
    (places x periods)-th best cross pair, 0 when it has fewer cross pairs."""
    value = np.zeros(cross.n_pairs)
    for a, (part, found) in enumerate(zip(parts, bounds)):
        here = np.flatnonzero(part_of_person[cross.person] == a)
        if len(here):
            value[here] = _growth(found, local_person[cross.person[here]], cross.points[here], opp_price[here],
                                  len(part.people), periods)[1]
    capacity = np.array([o.capacity for o in scenario.opportunities], dtype=np.int64)
    order = np.lexsort((-value, cross.opp))
    opp_sorted, value_sorted = cross.opp[order], value[order]
    first = np.searchsorted(opp_sorted, opp_sorted, side="left")
    rank = np.arange(len(order)) - first
    at = rank == capacity[opp_sorted] * periods - 1
    out = np.zeros(len(scenario.opportunities))
    out[opp_sorted[at]] = value_sorted[at]
    return out


def _growth(found: PartBound, person: np.ndarray, points: np.ndarray, opp_price: np.ndarray, n_people: int,
            periods: int) -> tuple[float, np.ndarray]:
    """How much the people of one part add to the bound through their cross pairs (`person`:
    positions in the part), and each cross pair's value alone (max over periods of its reduced
    cost with the one-placement row priced, at least 0)."""
    prices, own = found.prices, found.people
    priced = np.zeros(n_people, dtype=bool)
    priced[own.people] = True
    floor = prices.person_floor if prices.person_floor is not None else np.zeros(periods)
    person_price = np.where(priced[person][:, None], prices.person[person], floor[None, :])
    rc_shared = points.astype(np.float64)[:, None] - person_price - opp_price
    rc_one = rc_shared - prices.one[person]
    alone = np.maximum(rc_one.max(axis=1), 0.0)
    added_one = np.bincount(person, weights=alone, minlength=n_people)
    cross_best = np.zeros((n_people, periods))
    np.maximum.at(cross_best, person, rc_shared)
    bound_one = prices.one_h[:n_people].copy()
    best_period = np.zeros((n_people, periods))
    fixed = np.zeros(n_people, dtype=bool)
    bound_one[own.people], best_period[own.people], fixed[own.people] = own.bound_one, own.best_period, own.fixed
    old = np.zeros(n_people)
    old[own.people] = own.bound
    grown = np.unique(person)
    new_one = bound_one[grown] + added_one[grown]
    new_period = np.where(fixed[grown], np.inf, np.maximum(best_period[grown], cross_best[grown]).sum(axis=1))
    return float((np.minimum(new_one, new_period) - old[grown]).sum()), alone
