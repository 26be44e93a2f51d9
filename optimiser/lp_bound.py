"""The LP relaxation of the matching model (every x between 0 and 1 instead of 0 or 1).

Its optimum is an upper bound on any plan over the pairs in the model, and its row duals price
every other eligible pair (`optimiser.pricing`), which gives a bound on the whole problem. The same
sparse rows the CP-SAT model uses are stacked into one matrix and solved by GLOP (OR-Tools' dual
simplex, loaded in one call with `fill_model_from_sparse_data`), by HiGHS (through
`scipy.optimize.linprog`), by PDLP (OR-Tools' first-order method), or as a MIP by SCIP/HiGHS for the
reduced model. `bench/bench_lp_solvers.py` compares the LP back ends side by side.

Row duals are returned in one convention whatever the back end: `y` such that for any plan,
c.x = (c - A'y).x + y.(A x), with y >= 0 on rows that only cap ("at most") and y <= 0 on rows
that only floor ("at least").
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver.python import model_builder as mb
from scipy.optimize import linprog

from optimiser.rules import ModelData, Rows
from optimiser.run_control import SolveControl

# Row bounds above this are "no bound" (the fairness rows use a very large integer as infinity).
_INFINITE = 1e15
LP_SOLVERS = ("glop", "highs", "pdlp")


@dataclass
class LinearResult:
    status: str
    objective: float | None
    bound: float | None
    values: np.ndarray | None
    seconds: float
    build_seconds: float
    reduced_costs: np.ndarray | None = None  # of the placement variables, when the LP is optimal
    duals: np.ndarray | None = None  # one per stacked row (see `stacked_rows`), when the LP is optimal


@dataclass
class StackedRows:
    """Every rule's rows as one sparse matrix lb <= A x <= ub (infinite bounds as +-inf)."""

    matrix: sp.csr_matrix
    lb: np.ndarray
    ub: np.ndarray
    offsets: dict[str, tuple[int, int]]  # rule key -> (first row, end row) in the stack


def stacked_rows(d: ModelData, rows: dict[str, Rows]) -> StackedRows:
    """All rows of all rules, in rule order, as one CSR matrix over every variable."""
    rs, vs, cs, lbs, ubs = [], [], [], [], []
    offsets: dict[str, tuple[int, int]] = {}
    offset = 0
    for key, r in rows.items():
        offsets[key] = (offset, offset + r.n_rows)
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
    ub = np.where(ub > _INFINITE, np.inf, ub)
    lb = np.where(lb < -_INFINITE, -np.inf, lb)
    return StackedRows(matrix, lb, ub, offsets)


def variable_bounds(d: ModelData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(lower, upper, objective) of every variable: placements in [0, 1] worth their points,
    helper counts in their declared range worth nothing."""
    n = d.n_total_vars
    points = np.zeros(n)
    points[: d.n_vars] = np.tile(d.pairs["points"].to_numpy(dtype=np.float64), d.periods)
    var_lb = np.zeros(n)
    var_ub = np.ones(n)
    for j, (_, lo, hi) in enumerate(d.aux):
        var_lb[d.n_vars + j], var_ub[d.n_vars + j] = lo, hi
    return var_lb, var_ub, points


def linear_model(d: ModelData, rows: dict[str, Rows], integral: bool = False,
                 stack: StackedRows | None = None) -> mb.Model:
    """All rows as one sparse matrix; variables in [0, 1], integral when asked."""
    stack = stack or stacked_rows(d, rows)
    var_lb, var_ub, points = variable_bounds(d)
    model = mb.Model()
    model.helper.fill_model_from_sparse_data(var_lb, var_ub, points, stack.lb, stack.ub, stack.matrix)
    model.helper.set_maximize(True)
    if integral:
        for i in range(d.n_total_vars):
            model.helper.set_var_integrality(i, True)
    return model


def solve_linear(d: ModelData, rows: dict[str, Rows], solver: str = "glop", time_limit_s: float = 30.0,
                 integral: bool = False, workers: int = 1, control: SolveControl | None = None) -> LinearResult:
    """Solve the relaxation (or the MIP with `integral`) with an OR-Tools linear back end; the LP
    also returns its row duals. A stop asked through `control` interrupts the solve."""
    started = time.perf_counter()
    stack = stacked_rows(d, rows)
    model = linear_model(d, rows, integral, stack)
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
        reduced = duals = None
        if not integral and status == mb.SolveStatus.OPTIMAL:
            reduced = engine.reduced_costs(variables).to_numpy()[: d.n_vars]
            duals = engine.dual_values(model.get_linear_constraints()).to_numpy()
        return LinearResult(name, engine.objective_value, bound, values, seconds, built, reduced, duals)
    return LinearResult(name, None, None, None, seconds, built)


def solve_linear_highs(d: ModelData, rows: dict[str, Rows], time_limit_s: float = 30.0,
                       method: str = "highs-ds") -> LinearResult:
    """The LP relaxation with HiGHS (scipy.optimize.linprog): `highs-ds` dual simplex or
    `highs-ipm` interior point. Ranged rows are split into "at most" and "at least" halves."""
    started = time.perf_counter()
    stack = stacked_rows(d, rows)
    var_lb, var_ub, points = variable_bounds(d)
    a, lb, ub = stack.matrix, stack.lb, stack.ub
    equal = lb == ub
    upper = ~equal & np.isfinite(ub)
    # "at least" halves are needed only where the floor is not implied by x >= 0 and A >= 0
    nonneg_rows = np.asarray((a < 0).sum(axis=1)).ravel() == 0
    lower = ~equal & np.isfinite(lb) & ~(nonneg_rows & (lb <= 0))
    up_idx, lo_idx, eq_idx = np.flatnonzero(upper), np.flatnonzero(lower), np.flatnonzero(equal)
    a_ub = sp.vstack([a[up_idx], -a[lo_idx]]).tocsr()
    b_ub = np.concatenate([ub[up_idx], -lb[lo_idx]])
    built = time.perf_counter() - started
    result = linprog(-points, A_ub=a_ub if a_ub.shape[0] else None, b_ub=b_ub if a_ub.shape[0] else None,
                     A_eq=a[eq_idx] if len(eq_idx) else None, b_eq=ub[eq_idx] if len(eq_idx) else None,
                     bounds=np.column_stack([var_lb, var_ub]), method=method,
                     options={"time_limit": max(0.05, time_limit_s - built), "presolve": True})
    seconds = time.perf_counter() - started - built
    if result.status != 0:
        status = {1: "TIME_LIMIT", 2: "INFEASIBLE", 3: "UNBOUNDED"}.get(result.status, "ABNORMAL")
        return LinearResult(status, None, None, None, seconds, built)
    duals = np.zeros(len(lb))
    if len(up_idx) + len(lo_idx):
        marg = -np.asarray(result.ineqlin.marginals)
        duals[up_idx] += marg[: len(up_idx)]
        duals[lo_idx] -= marg[len(up_idx):]
    if len(eq_idx):
        duals[eq_idx] = -np.asarray(result.eqlin.marginals)
    objective = float(-result.fun)
    reduced = (points - stack.matrix.T @ duals)[: d.n_vars]
    return LinearResult("OPTIMAL", objective, objective, np.asarray(result.x)[: d.n_vars], seconds, built,
                        reduced, duals)


def lp_bound(d: ModelData, rows: dict[str, Rows], time_limit_s: float = 30.0, solver: str = "glop",
             control: SolveControl | None = None) -> LinearResult:
    """The LP relaxation bound and duals; None bound if it did not finish in time. The OR-Tools
    back ends stop when `control` asks; HiGHS through scipy cannot be interrupted, so a stop takes
    effect when it returns."""
    if solver.startswith("highs"):
        return solve_linear_highs(d, rows, time_limit_s, "highs-ds" if solver == "highs" else solver)
    return solve_linear(d, rows, solver, time_limit_s, control=control)


def lp_rounded_order(values: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The order in which an LP-rounded plan tries placements: highest LP value first, then score."""
    return np.lexsort((np.arange(len(values)), -points, -np.round(values, 6)))
