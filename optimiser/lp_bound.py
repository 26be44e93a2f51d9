"""The LP relaxation of the matching model (every x between 0 and 1 instead of 0 or 1).

Its optimum is an upper bound on any plan's objective, so `objective / bound` says how close a
plan is to the best possible. The same sparse rows the CP-SAT model uses are loaded in one call
(`fill_model_from_sparse_data`) into OR-Tools' model builder, solved with GLOP (or PDLP, or as a
MIP with HiGHS/SCIP for the benchmark's side-by-side comparison).
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder as mb

from optimiser.rules import ModelData, Rows
from optimiser.run_control import SolveControl


@dataclass
class LinearResult:
    status: str
    objective: float | None
    bound: float | None
    values: np.ndarray | None
    seconds: float
    build_seconds: float
    reduced_costs: np.ndarray | None = None  # of the placement variables, when the LP is optimal


def linear_model(d: ModelData, rows: dict[str, Rows], integral: bool = False) -> mb.Model:
    """All rows as one sparse matrix; variables in [0, 1], integral when asked."""
    rs, vs, cs, lbs, ubs = [], [], [], [], []
    offset = 0
    for r in rows.values():
        if r.n_rows == 0:
            continue
        rs.append(r.row + offset)
        vs.append(r.var)
        cs.append(r.coef)
        lbs.append(r.lb)
        ubs.append(r.ub)
        offset += r.n_rows
    n = d.n_total_vars
    if rs:
        matrix = sp.csr_matrix(
            (np.concatenate(cs).astype(np.float64), (np.concatenate(rs), np.concatenate(vs))), shape=(offset, n)
        )
        lb = np.concatenate(lbs).astype(np.float64)
        ub = np.concatenate(ubs).astype(np.float64)
    else:
        matrix = sp.csr_matrix((0, n))
        lb = ub = np.zeros(0)
    ub = np.where(ub > 1e15, np.inf, ub)
    model = mb.Model()
    points = np.zeros(n)
    points[: d.n_vars] = np.tile(d.pairs["points"].to_numpy(dtype=np.float64), d.periods)
    var_lb = np.zeros(n)
    var_ub = np.ones(n)
    for j, (_, lo, hi) in enumerate(d.aux):
        var_lb[d.n_vars + j], var_ub[d.n_vars + j] = lo, hi
    model.helper.fill_model_from_sparse_data(var_lb, var_ub, points, lb, ub, matrix)
    model.helper.set_maximize(True)
    if integral:
        for i in range(n):
            model.helper.set_var_integrality(i, True)
    return model


def solve_linear(d: ModelData, rows: dict[str, Rows], solver: str = "glop", time_limit_s: float = 30.0,
                 integral: bool = False, workers: int = 1, control: SolveControl | None = None) -> LinearResult:
    """Solve the relaxation (or the MIP with `integral`) with an OR-Tools linear back end."""
    started = time.perf_counter()
    model = linear_model(d, rows, integral)
    built = time.perf_counter() - started
    engine = mb.Solver(solver)
    engine.set_time_limit_in_seconds(max(0.05, time_limit_s))
    if solver == "glop":
        # Dual simplex is several times faster than primal here (measured: bench/README.md).
        engine.set_solver_specific_parameters("use_dual_simplex: true")
    if solver == "highs":
        engine.set_solver_specific_parameters("output_flag=false")  # no banner on the console
    if solver == "scip" and workers > 1:
        engine.set_solver_specific_parameters(f"parallel/maxnthreads = {workers}")
    with control.interruptible(engine.stop_search) if control is not None else nullcontext():
        status = engine.solve(model)
    seconds = time.perf_counter() - started - built
    name = getattr(status, "name", str(status))
    if status in (mb.SolveStatus.OPTIMAL, mb.SolveStatus.FEASIBLE):
        variables = model.get_variables()
        values = engine.values(variables).to_numpy()[: d.n_vars]
        bound = engine.best_objective_bound if integral else engine.objective_value
        reduced = None
        if not integral and status == mb.SolveStatus.OPTIMAL:
            reduced = engine.reduced_costs(variables).to_numpy()[: d.n_vars]
        return LinearResult(name, engine.objective_value, bound, values, seconds, built, reduced)
    return LinearResult(name, None, None, None, seconds, built)


def lp_bound(d: ModelData, rows: dict[str, Rows], time_limit_s: float = 30.0,
             control: SolveControl | None = None) -> LinearResult:
    """The LP relaxation bound with GLOP (dual simplex); None bound if it did not finish in time."""
    return solve_linear(d, rows, "glop", time_limit_s, control=control)


def lp_rounded_order(values: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The order in which an LP-rounded plan tries placements: highest LP value first, then score."""
    return np.lexsort((np.arange(len(values)), -points, -np.round(values, 6)))
