"""A plain greedy plan: take the best-scoring placements first, skipping any that would break a
rule. It is the baseline the benchmark compares against and the warm start (hint) of CP-SAT.

It honours every "at most" rule (one placement per person per period, no repeats, capacity,
release limits, critical skills, forbidden pairs, the cross-organisation cap), places pinned pairs
first, and meets the fairness floor by placing each band's best candidates before the rest and,
if still short, dropping the lowest-scoring placements of other bands. Preference stability is
left to the optimiser.
"""

from __future__ import annotations

import math

import numpy as np

from optimiser.rules import FAIRNESS_SCALE, ModelData, Rows

# Rules whose rows are all "sum of 0/1 variables <= limit" (packing rows).
PACKING_RULES = ("one_placement", "no_repeat", "capacity", "release_limit", "critical_skills",
                 "forbidden", "cross_organisation")


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
        self.rows_of = row[order].tolist()
        self.ptr = np.concatenate([[0], np.cumsum(np.bincount(var, minlength=n_vars))]).tolist()
        self.left = np.concatenate(caps).tolist() if caps else []

    def fits(self, v: int) -> bool:
        left = self.left
        for j in range(self.ptr[v], self.ptr[v + 1]):
            if left[self.rows_of[j]] < 1:
                return False
        return True

    def take(self, v: int) -> None:
        for j in range(self.ptr[v], self.ptr[v + 1]):
            self.left[self.rows_of[j]] -= 1

    def give_back(self, v: int) -> None:
        for j in range(self.ptr[v], self.ptr[v + 1]):
            self.left[self.rows_of[j]] += 1


def greedy_plan(d: ModelData, rows: dict[str, Rows], order: np.ndarray | None = None) -> np.ndarray:
    """0/1 per variable. `order` (default: best score first, earlier period first) is the order in
    which placements are tried; an LP-rounded plan passes the LP solution's order instead."""
    n_vars = d.n_vars
    chosen = np.zeros(n_vars, dtype=np.int8)
    if n_vars == 0:
        return chosen
    points = np.tile(d.pairs["points"].to_numpy(), d.periods)
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
    bands = _band_rows(d)
    if bands:
        first = _fill(_Packer(rows, n_vars), chosen.copy(), order, None)
        total = int(first.sum())
        for band_vars, share, t in bands:
            need = math.ceil(share * total / FAIRNESS_SCALE / d.periods) if total else 0
            band_order = order[np.isin(order, band_vars)]
            _fill(packer, chosen, band_order, need)
    _fill(packer, chosen, order, None)
    if bands:
        _repair_fairness(packer, chosen, bands, points, d.n_pairs)
    return chosen


def _fill(packer: _Packer, chosen: np.ndarray, order: np.ndarray, limit: int | None) -> np.ndarray:
    placed = 0
    for v in order.tolist():
        if limit is not None and placed >= limit:
            break
        if not chosen[v] and packer.fits(v):
            packer.take(v)
            chosen[v] = 1
            placed += 1
    return chosen


def _band_rows(d: ModelData):
    """(variables of the band in the period, share x FAIRNESS_SCALE, period) per fairness row."""
    fair = d.policy.fairness
    share = int(round(fair.min_share * FAIRNESS_SCALE))
    if share <= 0 or not fair.bands or d.n_pairs == 0:
        return []
    grade = d.arrays.person_grade[d.pairs["person"].to_numpy()]
    out = []
    for lo, hi in fair.bands:
        members = np.flatnonzero((grade >= lo) & (grade <= hi))
        if len(members):
            for t in range(d.periods):
                out.append((members + t * d.n_pairs, share, t))
    return out


def _repair_fairness(packer: _Packer, chosen: np.ndarray, bands, points: np.ndarray, n_pairs: int) -> None:
    """Drop the lowest-scoring placements outside the short bands until every band has its share
    (or nothing is left to drop; the optimiser then has the last word)."""
    for t in sorted({t for _, _, t in bands}):
        period = np.arange(t * n_pairs, (t + 1) * n_pairs)
        mine = [(band_vars, share) for band_vars, share, tt in bands if tt == t]
        while True:
            total = int(chosen[period].sum())
            short = np.zeros(len(chosen), dtype=bool)
            for band_vars, share in mine:
                if int(chosen[band_vars].sum()) * FAIRNESS_SCALE < share * total:
                    short[band_vars] = True
            if not short.any():
                break
            victims = period[(chosen[period] == 1) & ~short[period]]
            if len(victims) == 0:
                break
            victim = int(victims[np.argmin(points[victims])])
            chosen[victim] = 0
            packer.give_back(victim)
