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

Only the sums matter: per person of a part, what their cross pairs add to bound (1) and their
best rc_shared per period (`CrossTerms`). A cross pair whose reduced costs are all <= 0 adds
nothing to either, and raising capacity prices only lowers reduced costs, so it never will:
`optimiser.distributed.cross` finds and prices each part's cross pairs where the part runs
(block by block, the sums kept, the pairs that still pay kept as pairs), and this module adds
the sums up. At national scale the cross pairs number hundreds of millions; the ones that pay
are what the coordinating pass and the raised prices need.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from optimiser.distributed.parts import Part
from optimiser.pricing import DualPrices, PersonBounds
from planner.domain import Scenario


@dataclass
class CrossPairs:
    """Eligible pairs across parts: positions in the whole scenario, and points."""

    person: np.ndarray  # int32
    opp: np.ndarray  # int32
    points: np.ndarray  # int64

    @property
    def n_pairs(self) -> int:
        return len(self.person)

    @staticmethod
    def empty() -> CrossPairs:
        none = np.zeros(0, np.int32)
        return CrossPairs(none, none, np.zeros(0, np.int64))

    @staticmethod
    def joined(found: list[CrossPairs]) -> CrossPairs:
        if not found:
            return CrossPairs.empty()
        return CrossPairs(np.concatenate([f.person for f in found]), np.concatenate([f.opp for f in found]),
                          np.concatenate([f.points for f in found]))

    def subset(self, keep: np.ndarray) -> CrossPairs:
        return CrossPairs(self.person[keep], self.opp[keep], self.points[keep])


@dataclass
class PartBound:
    """What a part's solve says about its own pairs: its bound, its duals as prices and each
    person's part of the bound (positions are the part's own)."""

    bound: float
    prices: DualPrices
    people: PersonBounds
    # the part's own pairs on its opportunities open across parts that still pay (positions the
    # part's own): raising those opportunities' prices lowers these pairs' reduced costs too
    own_on_open: CrossPairs | None = None
    best_on_opp: np.ndarray | None = None  # per opportunity of the part: its best pair's points


@dataclass
class CrossTerms:
    """What the cross pairs of one part's people add, per person of the part (its positions):
    to bound (1), the sum of each pair's value alone (`added_one`); per period, the best reduced
    cost of a pair in the person's shared rows (`best_shared`, at least 0)."""

    added_one: np.ndarray
    best_shared: np.ndarray  # people x periods

    @staticmethod
    def none(n_people: int, periods: int) -> CrossTerms:
        return CrossTerms(np.zeros(n_people), np.zeros((n_people, periods)))

    def add(self, local_person: np.ndarray, alone: np.ndarray, rc_shared: np.ndarray) -> None:
        """Fold in some pairs."""
        if not len(local_person):
            return
        if (np.diff(local_person) < 0).any():
            order = np.argsort(local_person, kind="stable")
            local_person, alone, rc_shared = local_person[order], alone[order], rc_shared[order]
        self.added_one += np.bincount(local_person, weights=alone, minlength=len(self.added_one))
        starts = np.flatnonzero(np.r_[True, local_person[1:] != local_person[:-1]])
        who = local_person[starts]
        self.best_shared[who] = np.maximum(self.best_shared[who], np.maximum.reduceat(rc_shared, starts, axis=0))


@dataclass
class PricedCross:
    """One part's people's pairs across parts, priced by the duals of every part: the sums the
    bound needs over ALL of them (`terms`), every opportunity's best points among them, how many
    there were, and those that still pay (positive reduced cost), best first; `complete` when
    `paying` holds every one of them (else only the best, up to a cap on memory)."""

    terms: CrossTerms
    best_points: np.ndarray  # per opportunity of the whole scenario (0 where none)
    n_pairs: int
    paying: CrossPairs
    complete: bool


def reduced_costs(found: PartBound, local_person: np.ndarray, points: np.ndarray, opp_price: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
    """(rc_shared, rc_one), pairs x periods, of cross pairs of a part's people (`local_person`:
    positions in the part) on opportunities priced `opp_price` (pairs x periods). A person with
    no pair in the part's model is priced by their team's floor (see the module docstring)."""
    prices, own = found.prices, found.people
    n_people = len(prices.one)
    priced = np.zeros(n_people, dtype=bool)
    priced[own.people] = True
    floor = prices.person_floor if prices.person_floor is not None else np.zeros_like(prices.person)
    person_price = np.where(priced[local_person][:, None], prices.person[local_person], floor[local_person])
    rc_shared = points.astype(np.float64)[:, None] - person_price - opp_price
    return rc_shared, rc_shared - prices.one[local_person]


def own_reduced_costs(prices: DualPrices, own: CrossPairs) -> np.ndarray:
    """rc_one, pairs x periods, of a part's own pairs (positions the part's own) at its own duals."""
    return (own.points.astype(np.float64)[:, None] - prices.person[own.person] - prices.opp[own.opp]
            - prices.one[own.person])


def value_alone(rc_one: np.ndarray) -> np.ndarray:
    """A pair's value alone in bound (1): its best reduced cost over the periods, at least 0."""
    return np.maximum(rc_one.max(axis=1), 0.0)


def whole_bound(scenario: Scenario, parts: list[Part], bounds: list[PartBound], priced: list[PricedCross],
                periods: int, seconds: float = 1.0) -> float:
    """The parts' bounds combined with their cross pairs into a bound on the whole problem (see
    the module docstring for why it holds), tightened for up to about `seconds` by raising the
    capacity prices of the opportunities open across parts (`_RaisedPrices`) when every cross
    pair that pays is at hand."""
    total = float(sum(b.bound for b in bounds))
    by_places = places_bound(scenario, parts, bounds, priced, periods)
    if not sum(p.n_pairs for p in priced):
        return min(total, by_places)
    grown = sum(_growth(found, cross.terms, periods) for found, cross in zip(bounds, priced))
    if not all(p.complete for p in priced):
        return min(total + grown, by_places)
    raised = _RaisedPrices(scenario, parts, bounds, priced, periods)
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
    return min(total + min(best, grown), by_places)


def places_bound(scenario: Scenario, parts: list[Part], bounds: list[PartBound], priced: list[PricedCross],
                 periods: int) -> float:
    """A bound needing no duals: each opportunity's best pair (its own part's or across parts)
    times its places and periods; far tighter than the people's best pairs when places are
    scarce and a part's LP did not finish (then its duals are all zero)."""
    best = np.zeros(len(scenario.opportunities))
    for part, found in zip(parts, bounds):
        if found.best_on_opp is None:
            return np.inf
        best[part.opportunities] = found.best_on_opp[: len(part.opportunities)]
    for cross in priced:
        best = np.maximum(best, cross.best_points)
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
    raise usually tightens the bound; any raise keeps it valid. Only the pairs that pay at no
    raise are needed: the others add nothing at any raise."""

    def __init__(self, scenario: Scenario, parts: list[Part], bounds: list[PartBound], priced: list[PricedCross],
                 periods: int):
        n_opps = len(scenario.opportunities)
        self.cross = CrossPairs.joined([p.paying for p in priced])
        self.opp_price = opp_prices(parts, bounds, n_opps, periods)[self.cross.opp]
        self.by_part, first = [], 0
        for part, found, cross in zip(parts, bounds, priced):
            here = slice(first, first + cross.paying.n_pairs)
            first = here.stop
            self.by_part.append((part, found, here, np.searchsorted(part.people, cross.paying.person)))
        self.periods, self.n_opps = periods, n_opps
        self.places = np.array([o.capacity for o in scenario.opportunities], dtype=np.float64) * periods

    def bound(self, lift: np.ndarray) -> tuple[float, np.ndarray]:
        """(what the cross pairs add to the parts' bounds with capacity prices raised by `lift`,
        each cross pair's value alone)."""
        price = self.opp_price + lift[self.cross.opp][:, None]
        grown = float((lift * self.places).sum())
        alone = np.zeros(self.cross.n_pairs)
        for part, found, here, person in self.by_part:
            terms = CrossTerms.none(len(part.people), self.periods)
            rc_shared, rc_one = reduced_costs(found, person, self.cross.points[here], price[here])
            alone[here] = value_alone(rc_one)
            terms.add(person, alone[here], rc_shared)
            own = found.own_on_open
            own_lift = lift[part.opportunities[own.opp]] if own is not None and own.n_pairs else None
            grown += _growth(found, terms, self.periods, own_lift)
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


def opp_prices(parts: list[Part], bounds: list[PartBound], n_opps: int, periods: int) -> np.ndarray:
    """Every opportunity's capacity prices (opportunities x periods, whole-scenario positions),
    from the part that hosts it."""
    out = np.zeros((n_opps, periods))
    for part, found in zip(parts, bounds):
        out[part.opportunities] = found.prices.opp[: len(part.opportunities)]
    return out


def _growth(found: PartBound, terms: CrossTerms, periods: int, own_lift: np.ndarray | None = None) -> float:
    """How much the people of one part add to the bound through their cross pairs (`terms`),
    with the capacity prices of the part's own opportunities open across parts raised by
    `own_lift` (one per pair of `found.own_on_open`)."""
    prices, own = found.prices, found.people
    n_people = len(terms.added_one)
    bound_one = prices.one_h[:n_people].copy()
    best_period = np.zeros((n_people, periods))
    fixed = np.zeros(n_people, dtype=bool)
    bound_one[own.people], best_period[own.people], fixed[own.people] = own.bound_one, own.best_period, own.fixed
    old = np.zeros(n_people)
    old[own.people] = own.bound
    dropped = _own_pairs_drop(found, own_lift, fixed, n_people)
    # a person with no cross pair that pays and nothing dropped keeps their bound
    grown = np.flatnonzero((terms.added_one > 0) | (terms.best_shared > 0).any(axis=1) | (dropped > 0))
    new_one = bound_one[grown] + terms.added_one[grown] - dropped[grown]
    # the best reduced cost per period can only fall with a raised price: the old one still bounds it
    new_period = np.where(fixed[grown], np.inf, np.maximum(best_period[grown], terms.best_shared[grown]).sum(axis=1))
    return float((np.minimum(new_one, new_period) - old[grown]).sum())


def _own_pairs_drop(found: PartBound, lift: np.ndarray | None, fixed: np.ndarray, n_people: int) -> np.ndarray:
    """Per person of the part: how much bound (1) falls when the capacity prices of the part's
    own opportunities open across parts rise by `lift` (each pair alone, as in _lagrangian;
    people with something pinned or forbidden are left as they were, still a bound)."""
    own = found.own_on_open
    if own is None or not own.n_pairs or lift is None or not lift.any():
        return np.zeros(n_people)
    rc_one = own_reduced_costs(found.prices, own)
    before = value_alone(rc_one)
    after = np.maximum((rc_one - lift[:, None]).max(axis=1), 0.0)
    fall = np.where(fixed[own.person], 0.0, before - after)
    return np.bincount(own.person, weights=fall, minlength=n_people)
