"""The exact CP-SAT model of a redeployment on grouped people, solved priority by priority.

Used when the network relaxation (`flow.py`) breaks a critical skill whose holders overlap
another critical skill's holders without nesting (not a flow), and as a measured alternative.
Variables are per (group, demand line): how many of the group cover the line. Stages: for each
priority in turn, maximise its units covered with every more urgent priority fixed at its optimum;
then (re-plan) keep the most previous redeployments; then the least skill surplus and fewest moves
across employers. Each stage starts from the previous stage's solution (a complete hint).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

from optimiser.redeploy.arrays import CrisisArrays, GroupMoves, ensure_candidate_arcs
from optimiser.redeploy.flow import critical_skill_can_bind, eligible_groups


@dataclass
class ExactSolution:
    moves: GroupMoves
    proven: bool
    rank_covered: list[int]
    rank_bound: list[int]
    stages: list[tuple[str, float, float]] = field(default_factory=list)


@dataclass
class ExactModel:
    model: cp_model.CpModel
    x: list
    arcs_of_rank: list[np.ndarray]


def build_model(arrays: CrisisArrays) -> ExactModel:
    """Every contract rule as CP-SAT constraints over (group, line) counts."""
    ensure_candidate_arcs(arrays)
    model = cp_model.CpModel()
    ub = np.minimum(arrays.group_size[arrays.arc_group], arrays.line_count[arrays.arc_line])
    x = [
        model.new_int_var(0, int(u), f"x[g{g},l{li}]")
        for g, li, u in zip(arrays.arc_group.tolist(), arrays.arc_line.tolist(), ub.tolist())
    ]
    _each_person_covers_at_most_one_unit(arrays, model, x)
    _each_line_gets_at_most_its_count(arrays, model, x)
    _team_release_limit(arrays, model, x)
    _critical_skills_kept(arrays, model, x)
    arcs_of_rank = [np.nonzero(arrays.line_rank[arrays.arc_line] == r)[0] for r in range(len(arrays.priorities))]
    return ExactModel(model, x, arcs_of_rank)


def _sum_by(model, x, keys: np.ndarray, limits) -> None:
    order = np.argsort(keys, kind="stable")
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    for chunk in np.split(order, bounds):
        if len(chunk):
            limit = limits(int(keys[chunk[0]]), chunk)
            if limit is not None:
                model.add(sum(x[i] for i in chunk.tolist()) <= limit)


def _each_person_covers_at_most_one_unit(arrays, model, x) -> None:
    """A group of interchangeable people covers at most as many units as it has people."""
    _sum_by(model, x, arrays.arc_group, lambda g, chunk: int(arrays.group_size[g]) if len(chunk) > 1 else None)


def _each_line_gets_at_most_its_count(arrays, model, x) -> None:
    """A demand line is covered by at most the number of people it asks for."""
    _sum_by(model, x, arrays.arc_line, lambda li, chunk: int(arrays.line_count[li]))


def _team_release_limit(arrays, model, x) -> None:
    """A normal team releases at most its release allowance; a paused team any available person."""

    def limit(team, chunk):
        lim = int(arrays.team_limit[team])
        return lim if 0 <= lim < int(arrays.group_size[np.unique(arrays.arc_group[chunk])].sum()) else None

    _sum_by(model, x, arrays.group_team[arrays.arc_group], limit)


def _critical_skills_kept(arrays, model, x) -> None:
    """A normal team keeps its critical skills among the people who stay."""
    elig = eligible_groups(arrays)
    for c in arrays.critical:
        holder_groups = np.nonzero(
            elig & (arrays.group_team == c.team) & ((arrays.group_critical_bits >> c.bit) & 1).astype(bool)
        )[0]
        supply = int(arrays.group_size[holder_groups].sum())
        if not critical_skill_can_bind(arrays, c, supply):
            continue
        arcs = np.nonzero(np.isin(arrays.arc_group, holder_groups))[0]
        model.add(sum(x[i] for i in arcs.tolist()) <= c.may_leave)


def arc_counts(arrays: CrisisArrays, moves: GroupMoves) -> np.ndarray:
    """A plan on groups as a count per candidate arc."""
    n_lines = len(arrays.line_count)
    keys = arrays.arc_group * n_lines + arrays.arc_line
    order = np.argsort(keys)
    counts = np.zeros(len(keys), dtype=np.int64)
    np.add.at(counts, order[np.searchsorted(keys[order], moves.group * n_lines + moves.line)], moves.count)
    return counts


def solve_exact(
    arrays: CrisisArrays, hint: GroupMoves | None, time_limit_s: float, workers: int, seed: int, on_stage=None
) -> ExactSolution:
    """Solve stage by stage within `time_limit_s` overall, each stage starting from the last plan
    (first from `hint`, which must obey every rule). Stops proving once a stage times out and
    returns the best plan found, with the bound proven for that stage."""
    start = time.perf_counter()
    em = build_model(arrays)
    model, x = em.model, em.x
    current = arc_counts(arrays, hint) if hint is not None else np.zeros(len(x), dtype=np.int64)
    covered, bounds, stages = [], [], []
    proven = True

    def run(objective, maximise: bool, name: str, upper: int | None = None):
        nonlocal current, proven
        model.clear_hints()
        for var, v in zip(x, current.tolist()):
            model.add_hint(var, v)
        if maximise:
            model.maximize(objective)
        else:
            model.minimize(objective)
        solver = cp_model.CpSolver()
        solver.parameters.max_time_in_seconds = max(0.05, time_limit_s - (time.perf_counter() - start))
        solver.parameters.num_workers = workers
        solver.parameters.random_seed = seed
        status = solver.solve(model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            proven = False
            return None, None
        values = np.array([solver.value(v) for v in x], dtype=np.int64)
        current = values
        if status != cp_model.OPTIMAL:
            proven = False
        stages.append((name, time.perf_counter() - start, solver.objective_value))
        if on_stage:
            on_stage(name, time.perf_counter() - start, solver.objective_value, solver.best_objective_bound)
        return int(round(solver.objective_value)), int(round(solver.best_objective_bound))

    for r, arcs in enumerate(em.arcs_of_rank):
        if not len(arcs):
            covered.append(0)
            bounds.append(0)
            continue
        expr = sum(x[i] for i in arcs.tolist())
        if not proven:
            value = int(current[arcs].sum())
            covered.append(value)
            bounds.append(int(arrays.line_count[arrays.line_rank == r].sum()))
            model.add(expr == value)
            continue
        value, bound = run(expr, True, f"priority {arrays.priorities[r]}")
        if value is None:
            value = int(current[arcs].sum())
            bound = int(arrays.line_count[arrays.line_rank == r].sum())
        covered.append(value)
        bounds.append(bound)
        model.add(expr == value)
    kept = np.nonzero(arrays.arc_kept)[0]
    if proven and arrays.has_baseline and len(kept):
        value, _ = run(sum(x[i] for i in kept.tolist()), True, "keep previous plan")
        if value is not None:
            model.add(sum(x[i] for i in kept.tolist()) == value)
    cost = arrays.arc_move_cost()
    if proven and cost.any():
        run(sum(int(c) * x[i] for i, c in enumerate(cost.tolist()) if c), False, "skill match and organisation")
    moves = GroupMoves(arrays.arc_group, arrays.arc_line, current).nonzero()
    return ExactSolution(moves, proven, covered, bounds, stages)
