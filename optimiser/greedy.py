"""A plain greedy plan: take the best-scoring placements first, skipping any that would break a
rule. It is the baseline the benchmark compares against and the warm start (hint) of CP-SAT.

It honours every "at most" rule (one placement per person per period, no repeats, capacity,
release limits, critical skills, forbidden pairs, the cross-organisation cap), places pinned pairs
first, and meets the fairness floor by placing each band's best candidates before the rest and,
if still short, dropping the lowest-scoring placements of other bands; and it meets the equality
rule by placing more of a group left behind, or dropping the best-placed group's weakest
placements. Preference stability is left to the optimiser.
"""

from __future__ import annotations

import bisect
import math
import time

import numpy as np

from optimiser.model_data import ModelData, Rows
from optimiser.rules import FAIRNESS_SCALE, RATE_SCALE, monitoring_groups

# Rules whose rows are all "sum of 0/1 variables <= limit" (packing rows).
PACKING_RULES = ("offered_in_period", "away_on_assignment", "one_placement", "no_repeat", "capacity",
                 "release_limit", "critical_skills", "forbidden", "cross_organisation")


class _Packer:
    """Incremental check of every packing row: which rows a variable sits in, and what is left."""

    def __init__(self, rows: dict[str, Rows], n_vars: int):
        parts, offset = [], 0
        caps = []
        for key in PACKING_RULES:
            r = rows[key]
            if r.n_rows:
                parts.append((r.var, r.row + offset))
                caps.append(r.ub)
                offset += r.n_rows
        var = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int64)
        row = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
        order = np.argsort(var, kind="stable")
        self.entry_var, self.entry_row = var[order], row[order]
        self.rows_of = row[order].tolist()
        self.ptr_array = np.concatenate([[0], np.cumsum(np.bincount(var, minlength=n_vars))]).astype(np.int64)
        self.ptr = self.ptr_array.tolist()
        self.left = np.concatenate(caps).tolist() if caps else []

    def alive(self, block: np.ndarray) -> np.ndarray:
        """The variables of `block` whose rows all still have room (vectorised)."""
        if len(block) == 0:
            return block
        ptr = self.ptr_array
        begin, count = ptr[block], ptr[block + 1] - ptr[block]
        total = int(count.sum())
        if total == 0:
            return block
        owner = np.repeat(np.arange(len(block)), count)
        within = np.arange(total) - np.repeat(np.cumsum(count) - count, count)
        full = np.asarray(self.left)[self.entry_row[begin[owner] + within]] < 1
        blocked = np.zeros(len(block), dtype=bool)
        blocked[owner[full]] = True
        return block[~blocked]

    def fits(self, v: int) -> bool:
        left = self.left
        return all(left[self.rows_of[j]] >= 1 for j in range(self.ptr[v], self.ptr[v + 1]))

    def take(self, v: int) -> None:
        for j in range(self.ptr[v], self.ptr[v + 1]):
            self.left[self.rows_of[j]] -= 1

    def give_back(self, v: int) -> None:
        for j in range(self.ptr[v], self.ptr[v + 1]):
            self.left[self.rows_of[j]] += 1


def greedy_plan(data: ModelData, rows: dict[str, Rows], order: np.ndarray | None = None,
                deadline: float | None = None) -> np.ndarray:
    """0/1 per variable. `order` (default: best score first, earlier period first) is the order in
    which placements are tried; an LP-rounded plan passes the LP solution's order instead.
    At `deadline` (a time.perf_counter() value) it stops adding placements."""
    n_vars = data.n_vars
    chosen = np.zeros(n_vars, dtype=np.int8)
    if n_vars == 0:
        return chosen
    points = np.tile(data.pairs["points"].to_numpy(), data.periods)
    if order is None:
        order = np.lexsort((np.arange(n_vars), -points))
    packer = _Packer(rows, n_vars)
    # Pinned pairs first, in the first period that has room.
    pinned = rows["pinned"]
    for g in range(pinned.n_rows):
        for v in pinned.var[pinned.row == g].tolist():
            if packer.fits(v):
                packer.take(v)
                chosen[v] = 1
                break
    bands = _band_rows(data)
    if bands:
        first = _fill(_Packer(rows, n_vars), chosen.copy(), order, None, deadline)
        total = int(first.sum())
        for band_vars, share, _t in bands:
            need = math.ceil(share * total / FAIRNESS_SCALE / data.periods) if total else 0
            band_order = order[np.isin(order, band_vars)]
            _fill(packer, chosen, band_order, need, deadline)
    _fill(packer, chosen, order, None, deadline)
    if bands:
        _repair_fairness(packer, chosen, bands, points, data.n_pairs)
    outside_groups = _repair_equality(data, packer, chosen, order)
    if outside_groups is not None:
        # places the repair freed go to people in no compared group: no group's rate moves
        _fill(packer, chosen, order[outside_groups[order % data.n_pairs]], None, deadline)
    return chosen


# The greedy loop re-checks which variables are dead (a row of theirs is full) every CHUNK
# variables with one vectorised pass, so the Python loop only visits variables that may still fit.
CHUNK = 8192


def _fill(packer: _Packer, chosen: np.ndarray, order: np.ndarray, limit: int | None,
          deadline: float | None = None) -> np.ndarray:
    """Take variables in `order` while every row they sit in has room (at most `limit` of them)."""
    placed = 0
    cap = limit if limit is not None else len(order)
    left, rows_of, ptr = packer.left, packer.rows_of, packer.ptr
    for start in range(0, len(order), CHUNK):
        if placed >= cap or (deadline is not None and time.perf_counter() > deadline):
            break
        block = order[start:start + CHUNK]
        block = packer.alive(block[chosen[block] == 0])
        taken = []
        for v in block.tolist():
            if placed >= cap:
                break
            begin, end = ptr[v], ptr[v + 1]
            for j in range(begin, end):
                if left[rows_of[j]] < 1:
                    break
            else:
                for j in range(begin, end):
                    left[rows_of[j]] -= 1
                taken.append(v)
                placed += 1
        chosen[taken] = 1
    return chosen


def _band_rows(data: ModelData):
    """(variables of the band in the period, share x FAIRNESS_SCALE, period) per fairness row."""
    fair = data.policy.fairness
    share = int(round(fair.min_share * FAIRNESS_SCALE))
    if share <= 0 or not fair.bands or data.n_pairs == 0:
        return []
    grade = data.arrays.person_grade[data.pairs["person"].to_numpy()]
    out = []
    for lo, hi in fair.bands:
        members = np.flatnonzero((grade >= lo) & (grade <= hi))
        if len(members):
            for t in range(data.periods):
                out.append((members + t * data.n_pairs, share, t))
    return out


def _repair_fairness(packer: _Packer, chosen: np.ndarray, bands, points: np.ndarray, n_pairs: int) -> None:
    """Drop the lowest-scoring placements outside the short bands until every band has its share
    (or nothing is left to drop; the optimiser then has the last word)."""
    for t in sorted({t for _, _, t in bands}):
        mine = [(set(band_vars.tolist()), share) for band_vars, share, tt in bands if tt == t]
        placed = [v for v in np.flatnonzero(chosen[t * n_pairs:(t + 1) * n_pairs]) + t * n_pairs]
        placed.sort(key=lambda v: points[v])
        have = [sum(1 for v in placed if v in members) for members, _ in mine]
        total = len(placed)
        while True:
            short = [b for b, (members, share) in enumerate(mine) if have[b] * FAIRNESS_SCALE < share * total]
            if not short:
                break
            victim = next((v for v in placed if not any(v in mine[b][0] for b in short)), None)
            if victim is None:
                break
            placed.remove(victim)
            chosen[victim] = 0
            packer.give_back(int(victim))
            total -= 1
            for b, (members, _) in enumerate(mine):
                have[b] -= victim in members


def _repair_equality(data: ModelData, packer: _Packer, chosen: np.ndarray, order: np.ndarray) -> np.ndarray | None:
    """Meet the equality rule (four-fifths) in each period: while a group's placement rate is
    below min_ratio of another's, place its next best candidate that still fits, or else drop the
    lowest-scoring placement of the best-placed group. Returns, per pair, whether its person is
    in no compared group (None when the rule is off)."""
    names, group_of, counts = monitoring_groups(data)
    ratio = int(round(data.policy.equality.min_ratio * RATE_SCALE))
    if ratio <= 0 or len(names) < 2 or data.n_pairs == 0:
        return None
    n, n_groups = data.n_pairs, len(names)
    pair_group = group_of[data.pairs["person"].to_numpy()]
    for t in range(data.periods):
        in_period = order[(order >= t * n) & (order < (t + 1) * n)]
        best_first = [in_period[pair_group[in_period % n] == g].tolist() for g in range(n_groups)]
        next_candidate = [0] * n_groups
        rank = {v: i for i, v in enumerate(in_period.tolist())}
        held = [[v for v in best_first[g] if chosen[v]] for g in range(n_groups)]  # best first
        placed = [len(h) for h in held]

        while (found := _rate_shortfall(placed, counts, ratio)) is not None:
            low, best = found
            added = False
            while next_candidate[low] < len(best_first[low]):
                v = best_first[low][next_candidate[low]]
                next_candidate[low] += 1
                if not chosen[v] and packer.fits(v):
                    packer.take(v)
                    chosen[v] = 1
                    placed[low] += 1
                    bisect.insort(held[low], v, key=rank.__getitem__)
                    added = True
                    break
            if not added:
                victim = held[best].pop()
                chosen[victim] = 0
                packer.give_back(int(victim))
                placed[best] -= 1
                # the freed place may let a candidate of the group left behind in: look again
                next_candidate[low] = 0
    return pair_group < 0


def _rate_shortfall(placed: list[int], counts: np.ndarray, ratio: int) -> tuple[int, int] | None:
    """(a group whose placement rate is below `ratio` thousandths of the best group's, the best
    group), or None when every group meets the rule."""
    rates = [placed[g] / counts[g] for g in range(len(placed))]
    best = max(range(len(placed)), key=rates.__getitem__)
    for g in sorted(range(len(placed)), key=rates.__getitem__):
        if int(counts[best]) * RATE_SCALE * placed[g] < ratio * int(counts[g]) * placed[best]:
            return g, best
    return None
