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
  person with no pair in A's model, person[p, t] is unknown; the floor of their team (the sum
  of the negative duals of the team's rows in t) is below it, and a lower price only raises rc,
  which keeps the bound valid;
- bound (1) of the person (one-placement rows priced, each pair alone) grows by the cross pairs'
  max(max_t rc_one, 0); bound (2) (best pair per period, people with nothing pinned or
  forbidden) becomes sum_t max(best_period[t], max over cross pairs of rc_shared[t], 0);
- the person's part is min of the two, and the whole bound is the parts' bounds plus, for every
  person with cross pairs, (new part - old part).

This holds for ANY duals, so a part whose LP never finished simply has all duals zero (each
person's best pairs alone). It covers every eligible pair (`bound_scope` "all eligible pairs").
The smaller of it and a bound that needs no duals at all is reported: each opportunity's best
pair (in its part or across parts) times its places and periods (`places_bound`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser.candidates import ScenarioArrays, scenario_arrays
from optimiser.distributed.parts import Part
from optimiser.objective import score_pairs
from optimiser.pricing import DualPrices, PersonBounds
from planner.domain import Policy, Scenario
from planner.eligibility import eligibility_mask, within_own_region_mask

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
    # the part's own pairs on its opportunities open across parts (positions the part's own):
    # raising those opportunities' prices lowers these pairs' reduced costs too (_RaisedPrices)
    own_on_open: CrossPairs | None = None
    best_on_opp: np.ndarray | None = None  # per opportunity of the part: its best pair's points


def pairs_between(scenario: Scenario, policy: Policy, people: np.ndarray, columns: np.ndarray) -> CrossPairs:
    """The eligible pairs of the people at `people` and the opportunities at `columns` (positions
    in `scenario`), block by block of people, scored like every other pair."""
    arrays = scenario_arrays(scenario)
    people = people[arrays.person_available[people]]
    columns = columns[arrays.opp_capacity[columns] > 0]
    # Rule 5 first, on whole columns: an opportunity no region of these people may take (based
    # elsewhere, not remote) is dropped before the (people x opportunities) masks. Across regions
    # that is most of them, and the masks are the cost of national scale.
    regions = np.unique(arrays.team_region[arrays.person_team[people]])
    open_to_them = within_own_region_mask(regions[:, None], arrays.team_region[arrays.opp_team[columns]][None, :],
                                          arrays.opp_remote[columns][None, :]).any(axis=0)
    columns = columns[open_to_them]
    found: list[tuple[np.ndarray, np.ndarray]] = []
    if len(people) and len(columns):
        opportunities = arrays.eligibility_opportunities().take(columns)
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


def cross_pairs(scenario: Scenario, policy: Policy, parts: list[Part]) -> CrossPairs:
    """Every eligible pair whose person and opportunity are in different parts."""
    found = []
    for part in parts:
        outside = np.ones(len(scenario.opportunities), dtype=bool)
        outside[part.opportunities] = False
        found.append(pairs_between(scenario, policy, part.people, np.flatnonzero(outside)))
    return CrossPairs(np.concatenate([f.person for f in found]), np.concatenate([f.opp for f in found]),
                      np.concatenate([f.points for f in found]))


def _points(arrays: ScenarioArrays, person: np.ndarray, opp: np.ndarray, policy: Policy) -> np.ndarray:
    out = np.zeros(len(person), dtype=np.int64)
    step = 1_000_000
    for start in range(0, len(person), step):
        chunk = slice(start, start + step)
        scored = score_pairs(arrays, pd.DataFrame({"person": person[chunk], "opp": opp[chunk]}), policy.weights)
        out[chunk] = scored["points"].to_numpy()
    return out


def whole_bound(scenario: Scenario, parts: list[Part], bounds: list[PartBound], cross: CrossPairs,
                periods: int, seconds: float = 1.0) -> float:
    """The parts' bounds combined with the cross pairs into a bound on the whole problem (see the
    module docstring for why it holds), tightened for up to about `seconds` by raising the
    capacity prices of the opportunities open across parts (`_RaisedPrices`)."""
    total = float(sum(b.bound for b in bounds))
    by_places = places_bound(scenario, parts, bounds, cross, periods)
    if cross.n_pairs == 0:
        return min(total, by_places)
    raised = _RaisedPrices(scenario, parts, bounds, cross, periods)
    best, alone = raised.bound(np.zeros(len(scenario.opportunities)))
    step = raised.competition(alone)
    lift = np.zeros(len(scenario.opportunities))
    # Each capacity price moves by its own step, down when more cross pairs still pay than the
    # opportunity has places, up otherwise; a step that does not help is halved.
    finish = time.perf_counter() + seconds
    for _ in range(RAISE_ROUNDS):
        if time.perf_counter() > finish or not step.any():
            break
        pull = raised.places - raised.paying(alone)
        trial = np.maximum(0.0, lift - step * np.sign(pull))
        value, trial_alone = raised.bound(trial)
        if value < best - 1e-9:
            best, lift, alone = value, trial, trial_alone
        else:
            step = step / 2
    return min(total + best, by_places)


def places_bound(scenario: Scenario, parts: list[Part], bounds: list[PartBound], cross: CrossPairs,
                 periods: int) -> float:
    """A bound needing no duals: each opportunity's best pair (its own part's or across parts)
    times its places and periods; far tighter than the people's best pairs when places are
    scarce and a part's LP did not finish (then its duals are all zero)."""
    best = np.zeros(len(scenario.opportunities))
    for part, found in zip(parts, bounds):
        if found.best_on_opp is None:
            return np.inf
        best[part.opportunities] = found.best_on_opp[: len(part.opportunities)]
    np.maximum.at(best, cross.opp, cross.points)
    capacity = np.array([o.capacity for o in scenario.opportunities], dtype=np.float64)
    return float((best * capacity).sum() * periods)


# Rounds of raising the capacity prices of opportunities open across parts (whole_bound).
RAISE_ROUNDS = 30


class _RaisedPrices:
    """The cross pairs' part of the whole bound as a function of a raise d >= 0 of each
    opportunity's capacity price. Raising the price of o by d adds at most d x places x periods
    to the h terms and lowers the reduced cost of every pair on o by d: the host part's own
    people's bounds can only fall (kept as they were, still bounds) and the cross pairs are
    priced anew. The parts' LPs never saw the competition across parts for remote places, so a
    raise usually tightens the bound; any raise keeps it valid."""

    def __init__(self, scenario: Scenario, parts: list[Part], bounds: list[PartBound], cross: CrossPairs,
                 periods: int):
        n_people, n_opps = len(scenario.people), len(scenario.opportunities)
        local_person = np.full(n_people, -1, dtype=np.int64)
        part_of_person = np.full(n_people, -1, dtype=np.int64)
        local_opp = np.full(n_opps, -1, dtype=np.int64)
        part_of_opp = np.full(n_opps, -1, dtype=np.int64)
        for i, part in enumerate(parts):
            local_person[part.people], part_of_person[part.people] = np.arange(len(part.people)), i
            local_opp[part.opportunities], part_of_opp[part.opportunities] = np.arange(len(part.opportunities)), i
        self.opp_price = np.zeros((cross.n_pairs, periods))
        for b, found in enumerate(bounds):
            here = part_of_opp[cross.opp] == b
            self.opp_price[here] = found.prices.opp[local_opp[cross.opp[here]]]
        self.by_part = [(part, found, here, local_person[cross.person[here]])
                        for a, (part, found) in enumerate(zip(parts, bounds))
                        for here in [np.flatnonzero(part_of_person[cross.person] == a)]]
        self.cross, self.periods, self.n_opps = cross, periods, n_opps
        self.places = np.array([o.capacity for o in scenario.opportunities], dtype=np.float64) * periods

    def bound(self, lift: np.ndarray) -> tuple[float, np.ndarray]:
        """(what the cross pairs add to the parts' bounds with capacity prices raised by `lift`,
        each cross pair's value alone)."""
        price = self.opp_price + lift[self.cross.opp][:, None]
        grown = float((lift * self.places).sum())
        alone = np.zeros(self.cross.n_pairs)
        for part, found, here, person in self.by_part:
            own = found.own_on_open
            own_lift = lift[part.opportunities[own.opp]] if own is not None and own.n_pairs else np.zeros(0)
            added, alone[here] = _growth(found, person, self.cross.points[here], price[here], len(part.people),
                                         self.periods, own_lift)
            grown += added
        return grown, alone

    def paying(self, alone: np.ndarray) -> np.ndarray:
        """Per opportunity: how many of its cross pairs still have a positive value alone."""
        return np.bincount(self.cross.opp[alone > 1e-9], minlength=self.n_opps).astype(np.float64)

    def competition(self, alone: np.ndarray) -> np.ndarray:
        """Per opportunity: the value alone of its (places x periods)-th best cross pair (0 when
        it has fewer), the first raise tried."""
        order = np.lexsort((-alone, self.cross.opp))
        opp_sorted, value_sorted = self.cross.opp[order], alone[order]
        rank = np.arange(len(order)) - np.searchsorted(opp_sorted, opp_sorted, side="left")
        at = rank == self.places[opp_sorted].astype(np.int64) - 1
        out = np.zeros(self.n_opps)
        out[opp_sorted[at]] = value_sorted[at]
        return out


def _growth(found: PartBound, person: np.ndarray, points: np.ndarray, opp_price: np.ndarray, n_people: int,
            periods: int, own_lift: np.ndarray | None = None) -> tuple[float, np.ndarray]:
    """How much the people of one part add to the bound through their cross pairs (`person`:
    positions in the part), with the capacity prices of the part's own opportunities open
    across parts raised by `own_lift` (one per pair of `found.own_on_open`); and each cross
    pair's value alone (max over periods of its reduced cost with the one-placement row priced,
    at least 0)."""
    prices, own = found.prices, found.people
    priced = np.zeros(n_people, dtype=bool)
    priced[own.people] = True
    floor = prices.person_floor if prices.person_floor is not None else np.zeros((n_people, periods))
    person_price = np.where(priced[person][:, None], prices.person[person], floor[person])
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
    dropped = _own_pairs_drop(found, own_lift, fixed, n_people)
    grown = np.union1d(person, np.flatnonzero(dropped > 0))
    new_one = bound_one[grown] + added_one[grown] - dropped[grown]
    # the best reduced cost per period can only fall with a raised price: the old one still bounds it
    new_period = np.where(fixed[grown], np.inf, np.maximum(best_period[grown], cross_best[grown]).sum(axis=1))
    return float((np.minimum(new_one, new_period) - old[grown]).sum()), alone


def _own_pairs_drop(found: PartBound, lift: np.ndarray | None, fixed: np.ndarray, n_people: int) -> np.ndarray:
    """Per person of the part: how much bound (1) falls when the capacity prices of the part's
    own opportunities open across parts rise by `lift` (each pair alone, as in _lagrangian;
    people with something pinned or forbidden are left as they were, still a bound)."""
    own = found.own_on_open
    if own is None or not own.n_pairs or lift is None or not lift.any():
        return np.zeros(n_people)
    prices = found.prices
    rc_one = (own.points.astype(np.float64)[:, None] - prices.person[own.person] - prices.opp[own.opp]
              - prices.one[own.person])
    before = np.maximum(rc_one.max(axis=1), 0.0)
    after = np.maximum((rc_one - lift[:, None]).max(axis=1), 0.0)
    fall = np.where(fixed[own.person], 0.0, before - after)
    return np.bincount(own.person, weights=fall, minlength=n_people)
