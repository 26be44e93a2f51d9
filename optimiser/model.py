"""The matching model: data, variables, rules, objective (`build_model`), kept apart from solving
(`solve`), so tests can inspect a model without solving it.

Variables are x[pair, period], one Boolean per eligible (person, opportunity) pair and period,
numbered `period * n_pairs + pair`. The rules of `optimiser.rules` arrive as sparse rows; each row
becomes one CP-SAT linear constraint, written straight into the model's proto from arrays.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd
from ortools.sat.python import cp_model

from optimiser.candidates import candidate_pairs, scenario_arrays
from optimiser.objective import score_pairs
from optimiser.model_data import ModelData, Rows
from optimiser.rules import HARD_RULES, build_rows
from optimiser.run_control import SolveControl
from planner.domain import Policy, Scenario

# Variable names make a model dump readable; beyond this size they only cost build time.
_NAMED_VARS_UP_TO = 20_000
_LIGHT_PRESOLVE_FROM = 5_000


@dataclass
class BuiltModel:
    data: ModelData
    rows: dict[str, Rows]
    model: cp_model.CpModel
    points: np.ndarray  # objective coefficient per variable
    build_seconds: float
    candidate_seconds: float = 0.0
    assumptions: dict[int, str] = field(default_factory=dict)  # literal index -> rule instance

    @property
    def n_vars(self) -> int:
        return self.data.n_vars


# Beyond this many candidate pairs (the largest scenarios), each person keeps only their best
# PAIRS_KEPT_PER_PERSON pairs by score, plus every pair they ranked or HR pinned or forbade.
# Sizes measured are in bench/README.md. A person is placed at most
# once per period, so pairs far down their own list almost never matter.
PRUNE_FROM_PAIRS = 1_500_000
PAIRS_KEPT_PER_PERSON = 6


def keep_best_pairs(scored: pd.DataFrame, per_person: int, must_keep: np.ndarray | None = None) -> pd.DataFrame:
    """Each person's `per_person` best-scoring pairs, plus ranked pairs and `must_keep` rows."""
    person = scored["person"].to_numpy()
    order = np.lexsort((-scored["points"].to_numpy(), person))
    sorted_person = person[order]
    first = np.searchsorted(sorted_person, sorted_person, side="left")
    position = np.empty(len(order), dtype=np.int64)
    position[order] = np.arange(len(order)) - first
    keep = (position < per_person) | (scored["rank"].to_numpy() > 0)
    if must_keep is not None:
        keep |= must_keep
    return scored[keep].reset_index(drop=True)


def model_data(scenario: Scenario, policy: Policy | None = None, periods: int | None = None,
               pairs: pd.DataFrame | None = None, prune: bool = True) -> ModelData:
    """Scored candidate pairs and everything the rules read."""
    policy = policy or scenario.policy
    a = scenario_arrays(scenario)
    if pairs is None:
        pairs = candidate_pairs(scenario, policy)
    scored = score_pairs(a, pairs, policy.weights)
    pruned_from = None
    if prune and len(scored) > PRUNE_FROM_PAIRS and not policy.stable:
        person_pos = {pid: i for i, pid in enumerate(a.person_ids)}
        opp_pos = {oid: i for i, oid in enumerate(a.opp_ids)}
        fixed = {(person_pos[x.person_id], opp_pos[x.opportunity_id]) for x in policy.pinned + policy.forbidden}
        must = None
        if fixed:
            keys = scored["person"].to_numpy(np.int64) * a.n_opps + scored["opp"].to_numpy(np.int64)
            must = np.isin(keys, [p * a.n_opps + o for p, o in fixed])
        pruned_from = len(scored)
        scored = keep_best_pairs(scored, PAIRS_KEPT_PER_PERSON, must)
    data = ModelData(scenario=scenario, arrays=a, pairs=scored, policy=policy, periods=periods or policy.periods)
    data.pruned_from = pruned_from
    return data


def _add_rows(model: cp_model.CpModel, rows: Rows, enforce: list[int] | None = None) -> None:
    """Write each row as a linear constraint; `enforce[g]` (optional) is the literal that switches
    group g on, for infeasibility diagnosis."""
    if rows.n_rows == 0:
        return
    order = np.argsort(rows.row, kind="stable")
    var = rows.var[order].tolist()
    coef = rows.coef[order].tolist()
    ends = np.cumsum(np.bincount(rows.row, minlength=rows.n_rows)).tolist()
    lb, ub = rows.lb.tolist(), rows.ub.tolist()
    group = rows.row_group.tolist()
    constraints = model.proto.constraints
    start = 0
    for r, end in enumerate(ends):
        ct = constraints.add()
        if enforce is not None:
            ct.enforcement_literal.append(enforce[group[r]])
        lin = ct.linear
        lin.vars.extend(var[start:end])
        lin.coeffs.extend(coef[start:end])
        lin.domain.extend([lb[r], ub[r]])
        start = end


def build_model(data: ModelData, diagnose: bool = False) -> BuiltModel:
    """The CP-SAT model: one Boolean per candidate pair and period, every hard rule, and the
    weighted objective. With `diagnose`, every rule instance is switched on by its own literal
    so an infeasible model can name the instances that conflict (CP-SAT assumptions)."""
    started = time.perf_counter()
    rows = build_rows(data)
    model = cp_model.CpModel()
    n, k = data.n_pairs, data.periods
    if data.n_vars <= _NAMED_VARS_UP_TO:
        pid = data.arrays.person_ids[data.pairs["person"].to_numpy()]
        oid = data.arrays.opp_ids[data.pairs["opp"].to_numpy()]
        for t in range(k):
            for p, o in zip(pid, oid):
                model.new_bool_var(f"x[{p},{o},{t + 1}]")
    else:
        variables = model.proto.variables
        for _ in range(data.n_vars):
            variables.add().domain.extend([0, 1])
    for name, lb, ub in data.aux:
        model.new_int_var(lb, ub, name)
    assumptions: dict[int, str] = {}
    literals = []
    for rule in HARD_RULES:
        r = rows[rule.key]
        enforce = None
        if diagnose and r.n_rows:
            enforce = []
            for g in r.groups:
                lit = model.new_bool_var(f"rule[{g}]")
                assumptions[lit.index] = g
                literals.append(lit)
                enforce.append(lit.index)
        _add_rows(model, r, enforce)
    points = np.tile(data.pairs["points"].to_numpy(dtype=np.int64), k)
    if not diagnose:
        objective = model.proto.objective
        objective.vars.extend(range(n * k))
        objective.coeffs.extend((-points).tolist())
        objective.scaling_factor = -1.0
    if assumptions:
        model.add_assumptions(literals)
    return BuiltModel(data=data, rows=rows, model=model, points=points,
                      build_seconds=time.perf_counter() - started, assumptions=assumptions)


@dataclass
class Progress:
    """One progress event: seconds since the solve started, best objective and best bound."""

    seconds: float
    objective: float | None
    bound: float | None
    source: str = "cp-sat"
    phase: str | None = None  # a key of optimiser.run_control.PHASES
    placements: int | None = None  # in the best plan so far, when known


@dataclass
class SolveResult:
    status: str
    objective: float | None
    bound: float | None
    chosen: np.ndarray  # 0/1 per variable
    seconds: float
    progress: list[Progress]
    conflicts: list[str] = field(default_factory=list)


class _Reporter(cp_model.CpSolverSolutionCallback):
    def __init__(self, n_vars: int, emit: Callable[[Progress], None]):
        super().__init__()
        self.n_vars = n_vars
        self.emit = emit

    def on_solution_callback(self) -> None:
        solution = self.response_proto.solution
        placed = int(sum(solution[i] for i in range(min(self.n_vars, len(solution)))))
        self.emit(Progress(self.wall_time, self.objective_value, self.best_objective_bound, placements=placed))


def solve(built: BuiltModel, time_limit_s: float, workers: int = 2, seed: int = 0,
          hint: np.ndarray | None = None, on_progress: Callable[[Progress], None] | None = None,
          log: bool = False, light_presolve: bool | None = None,
          control: SolveControl | None = None) -> SolveResult:
    """Solve within `time_limit_s`; return the best plan found with its status, objective and bound.
    With `control`, a stop request ends the search early (the best plan so far is kept)."""
    model = built.model
    model.proto.clear_solution_hint()
    if hint is not None and len(hint) in (built.n_vars, built.data.n_total_vars):
        model.proto.solution_hint.vars.extend(range(len(hint)))
        model.proto.solution_hint.values.extend(np.asarray(hint, dtype=np.int64).tolist())
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.max_time_in_seconds = max(0.05, float(time_limit_s))
    p.num_workers = workers
    p.random_seed = seed
    p.log_search_progress = log
    if light_presolve is None:
        light_presolve = built.n_vars > _LIGHT_PRESOLVE_FROM
    if light_presolve:
        # Measured (bench/README.md): on large models full presolve (probing, symmetry) used the whole
        # time limit before search began; the model is already tight, so skip them.
        p.cp_model_presolve = False
        p.symmetry_level = 0
    events: list[Progress] = []
    best = {"bound": None}

    def emit(event: Progress) -> None:
        if event.bound is None:
            event.bound = best["bound"]
        events.append(event)
        if on_progress is not None:
            on_progress(event)

    def on_bound(bound: float) -> None:
        best["bound"] = bound
        last = events[-1].objective if events else None
        emit(Progress(time.perf_counter() - started, last, bound))

    solver.best_bound_callback = on_bound
    started = time.perf_counter()
    with control.interruptible(solver.stop_search) if control is not None else nullcontext():
        status = solver.solve(model, _Reporter(built.n_vars, emit))
    seconds = time.perf_counter() - started
    name = solver.status_name(status)
    chosen = np.zeros(built.n_vars, dtype=np.int8)
    objective = bound = None
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = np.fromiter(solver.response_proto.solution, dtype=np.int64, count=built.n_vars).astype(np.int8)
        objective = float(solver.objective_value) if not built.assumptions else None
        bound = float(solver.best_objective_bound) if not built.assumptions else None
    elif status == cp_model.UNKNOWN:
        name = "TIME_LIMIT_NO_PLAN"
    conflicts = []
    if status == cp_model.INFEASIBLE and built.assumptions:
        conflicts = [built.assumptions[i] for i in solver.sufficient_assumptions_for_infeasibility()
                     if i in built.assumptions]
    return SolveResult(name, objective, bound, chosen, seconds, events, conflicts)
