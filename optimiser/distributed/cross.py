"""The pairs across parts: found and priced where a part runs, kept as sums and as the pairs that pay.

A pair across parts is a person of part A and an opportunity hosted in part B that the
eligibility rules (`planner.eligibility.eligibility_mask`, the one copy of the rules) open to
them: with regions, the remote opportunities of other regions. They are found a block of people
at a time (`optimiser.candidates.pair_blocks`) and scored with the same function as every other
pair, on the WHOLE scenario's arrays (so scores match the single-process ones exactly).

At national scale they are the bulk of the work (at 1,000,000 people in 7 regions, about 1e10
cells of the eligibility mask and a quarter of a billion pairs), so each part's are found and
priced by a task of their own, side by side, after the parts are planned: every part's duals are
known then. A task keeps only what the whole bound and the coordinating pass need
(`bound.PricedCross`): the sums per person, each opportunity's best points, and the pairs whose
reduced cost is still positive (the rest add nothing to the bound, whatever the raised prices,
and by the parts' prices would not improve the plan), the best of them up to a cap on memory.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from optimiser.candidates import ScenarioArrays, columns_open_to, pair_blocks, scenario_arrays
from optimiser.distributed.bound import CrossPairs, CrossTerms, PartBound, PricedCross, reduced_costs, value_alone
from optimiser.distributed.parts import Part
from optimiser.objective import score_pairs
from planner.domain import Policy, Scenario, Weights

# At most this many pairs that pay are kept, over all parts (about 40 bytes each while the bound
# is tightened); beyond it each part keeps its best and the bound is taken from the sums alone.
MAX_PAYING_PAIRS = 20_000_000
# Measured cost of finding and pricing pairs across parts, per cell of the eligibility mask
# (people x opportunities open to their regions), for sharing out the time of a run.
PRICING_S_PER_CELL = 4e-8


def pairs_between(arrays: ScenarioArrays, stretch_levels: int, weights: Weights, people: np.ndarray,
                  columns: np.ndarray) -> CrossPairs:
    """Every eligible pair of the people at `people` and the opportunities at `columns`
    (positions in the arrays' scenario), scored like every other pair."""
    found = [CrossPairs(person, opp, points(arrays, person, opp, weights))
             for person, opp in pair_blocks(arrays, stretch_levels, people, columns)]
    return CrossPairs.joined(found)


def cross_pairs(scenario: Scenario, policy: Policy, parts: list[Part]) -> CrossPairs:
    """Every eligible pair whose person and opportunity are in different parts (all at once: for
    small scenarios and tests; a national run prices them part by part, `price_pairs_across`)."""
    arrays = scenario_arrays(scenario)
    return CrossPairs.joined([pairs_between(arrays, policy.stretch_levels, policy.weights, part.people,
                                            outside(arrays, part)) for part in parts])


def outside(arrays: ScenarioArrays, part: Part) -> np.ndarray:
    """The opportunities of the other parts that rule 5 opens to some region of the part."""
    other = np.ones(arrays.n_opps, dtype=bool)
    other[part.opportunities] = False
    return columns_open_to(arrays, part.people, np.flatnonzero(other))


def opportunities_open_across(arrays: ScenarioArrays, parts: list[Part]) -> list[np.ndarray]:
    """Per part: its opportunities (its own positions) that people of another part may take by
    region, with places (the part prices its own pairs on these)."""
    taken = np.zeros(arrays.n_opps, dtype=bool)
    for part in parts:
        taken[outside(arrays, part)] = True
    taken &= arrays.opp_capacity > 0
    return [np.flatnonzero(taken[part.opportunities]) for part in parts]


def mask_cells(arrays: ScenarioArrays, parts: list[Part]) -> list[int]:
    """Per part: how many cells of the eligibility mask finding its people's pairs across parts takes."""
    return [len(part.people) * len(outside(arrays, part)) for part in parts]


def points(arrays: ScenarioArrays, person: np.ndarray, opp: np.ndarray, weights: Weights) -> np.ndarray:
    """The objective points of pairs, scored as every other pair is."""
    out = np.zeros(len(person), dtype=np.int64)
    step = 1_000_000
    for start in range(0, len(person), step):
        chunk = slice(start, start + step)
        scored = score_pairs(arrays, pd.DataFrame({"person": person[chunk], "opp": opp[chunk]}), weights)
        out[chunk] = scored["points"].to_numpy()
    return out


def price_pairs_across(arrays: ScenarioArrays, stretch_levels: int, weights: Weights, part: Part,
                       found: PartBound, prices_by_opp: np.ndarray, keep: int) -> PricedCross:
    """Find the pairs of `part`'s people across parts and price them: the part's own duals
    (`found`) for its people, each opportunity's host part's capacity duals (`prices_by_opp`,
    opportunities x periods). Keep the sums the bound needs, and at most `keep` of the pairs:
    all of them while they fit (the coordinating pass weighs them all), past that the ones that
    pay, the largest value alone first (the others add nothing to the bound)."""
    periods = prices_by_opp.shape[1]
    terms = CrossTerms.none(len(part.people), periods)
    best_points = np.zeros(arrays.n_opps)
    kept: list[_Ranked] = []
    n_pairs = n_kept = 0
    complete = True
    for person, opp in pair_blocks(arrays, stretch_levels, part.people, outside(arrays, part)):
        scored = points(arrays, person, opp, weights)
        n_pairs += len(person)
        np.maximum.at(best_points, opp, scored)
        local = np.searchsorted(part.people, person)
        rc_shared, rc_one = reduced_costs(found, local, scored, prices_by_opp[opp])
        alone = value_alone(rc_one)
        terms.add(local, alone, rc_shared)
        kept.append(_Ranked(CrossPairs(person, opp, scored), (rc_shared.max(axis=1) > 1e-9) | (alone > 1e-9), alone))
        n_kept += len(person)
        if n_kept > 2 * keep:  # trimmed as it goes, so memory stays flat
            best, dropped_paying = _best(kept, keep)
            kept, n_kept, complete = [best], keep, complete and not dropped_paying
    paying, dropped_paying = _best(kept, keep) if kept else (_Ranked.none(), False)
    return PricedCross(terms, best_points, n_pairs, paying.pairs, complete and not dropped_paying)


class _Ranked:
    """Pairs with whether each pays and its value alone, ranked: those that pay first, by value
    alone, then the others by points."""

    def __init__(self, pairs: CrossPairs, pays: np.ndarray, alone: np.ndarray):
        self.pairs, self.pays, self.alone = pairs, pays, alone

    @staticmethod
    def none() -> _Ranked:
        return _Ranked(CrossPairs.empty(), np.zeros(0, bool), np.zeros(0))

    def order(self) -> np.ndarray:
        return np.lexsort((-np.where(self.pays, self.alone, self.pairs.points), ~self.pays))


def _best(kept: list[_Ranked], keep: int) -> tuple[_Ranked, bool]:
    """The `keep` best ranked pairs of `kept`, and whether a pair that pays was left out."""
    pairs = CrossPairs.joined([k.pairs for k in kept])
    pays = np.concatenate([k.pays for k in kept])
    alone = np.concatenate([k.alone for k in kept])
    ranked = _Ranked(pairs, pays, alone)
    order = ranked.order()
    chosen, left_out = order[:keep], order[keep:]
    best = _Ranked(pairs.subset(chosen), pays[chosen], alone[chosen])
    return best, bool(pays[left_out].any())
