"""The exact model when critical skills overlap: the flow network plus side rows, as a MIP.

When the network relaxation (`flow.py`) breaks a critical skill whose holders overlap another's
without nesting, the same network (release tree, groups, skill hubs, lines) becomes a mixed-integer
programme with one extra row per such critical skill (at most `may_leave` of its holders leave),
solved through `pywraplp` priority by priority: maximise the units of priority 1; fix them;
maximise priority 2; ...; then (re-plan) keep the most previous redeployments, then the least skill
surplus and fewest moves across employers. Each stage's optimum becomes a row of the next. The
rows are the network's, so the LP relaxation is tight and stages solve fast (measured against
CP-SAT on the grouped (person, line) model: bench/README.md, "Crisis redeployment").
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from optimiser.redeploy.arrays import CrisisArrays, GroupMoves
from optimiser.redeploy.flow import SINK, SOURCE, ReleaseTree, build_network, split_hub_flows
from optimiser.run_control import SolveControl

SOLVER = "HIGHS"  # first plans: fastest measured, but takes no starting plan through pywraplp
WARM_SOLVER = "SCIP"  # re-plans: takes the starting plan (HiGHS crashes when given one)

# Blocks of the network's arc list (see flow.build_network).
_TREE, _GROUPS, _DIRECT, _HUB_IN, _HUB_OUT, _LINES, _BYPASS = range(7)


@dataclass
class MipSolution:
    moves: GroupMoves
    proven: bool
    coverage_proven: bool  # every priority's units proven optimal (later stages may have timed out)
    rank_covered: list[int]
    rank_bound: list[int]


def solve_network_mip(
    arrays: CrisisArrays, tree: ReleaseTree, time_limit_s: float, on_stage=None,
    start_plan: GroupMoves | None = None, relaxed_coverage: list[int] | None = None, warm: bool = False,
    control: SolveControl | None = None,
) -> MipSolution:
    """Solve stage by stage within `time_limit_s`; when a stage runs out of time, the plan found so
    far is kept (it obeys every rule) with the bound proven for that stage.

    `start_plan` is a plan that obeys every rule (the repaired flow plan) and `relaxed_coverage`
    the relaxation's units per priority. While every more urgent priority sits at the relaxation's
    value, the relaxation's value bounds this one: a start plan that reaches it proves the stage
    without solving it.

    A first plan is solved by HiGHS (measured fastest cold). With `warm` (a re-plan: the start plan
    is the previous plan carried through the flow and repaired) SCIP starts from it, stage after
    stage: measured on a re-plan, warm SCIP about as fast as cold HiGHS and faster than
    cold SCIP; HiGHS takes no starting plan through `pywraplp` (setting one crashes it)."""
    solver_name = WARM_SOLVER if warm and start_plan is not None else SOLVER
    start = time.perf_counter()
    net = build_network(arrays, tree)
    sizes = [len(t) for t in net.tails]
    offsets = np.cumsum([0] + sizes)
    tails, heads, caps = (np.concatenate(x) for x in (net.tails, net.heads, net.caps))
    solver = pywraplp.Solver.CreateSolver(solver_name)
    solver.SuppressOutput()
    if solver_name == "HIGHS":
        solver.SetSolverSpecificParametersAsString("output_flag=false")  # also silences its banner
    x = [solver.IntVar(0.0, float(c), "") for c in caps.tolist()]
    units = arrays.total_units
    rows: dict[int, pywraplp.Constraint] = {}
    for node in np.unique(np.concatenate([tails, heads])).tolist():
        supply = units if node == SOURCE else (-units if node == SINK else 0)
        rows[node] = solver.Constraint(float(supply), float(supply))
    for k, (t, h) in enumerate(zip(tails.tolist(), heads.tolist())):
        rows[t].SetCoefficient(x[k], 1.0)
        rows[h].SetCoefficient(x[k], -1.0)
    eligible = np.nonzero(arrays.group_eligible)[0]
    for c in tree.side:
        holders = (arrays.group_team[eligible] == c.team) & ((arrays.group_critical_bits[eligible] >> c.bit) & 1 == 1)
        row = solver.Constraint(0.0, float(c.may_leave))
        for k in (offsets[_GROUPS] + np.nonzero(holders)[0]).tolist():
            row.SetCoefficient(x[k], 1.0)

    params = pywraplp.MPSolverParameters()
    params.SetDoubleParam(pywraplp.MPSolverParameters.RELATIVE_MIP_GAP, 0.0)
    current = _plan_flows(arrays, net, offsets, start_plan) if start_plan is not None else None
    at_relaxed_bound = relaxed_coverage is not None and current is not None
    proven = True
    covered, bounds = [], []

    def stage(weights: dict[int, float], maximise: bool, name: str):
        nonlocal current, proven
        objective = solver.Objective()
        objective.Clear()
        for k, w in weights.items():
            objective.SetCoefficient(x[k], w)
        objective.SetOptimizationDirection(maximise)
        if current is not None and solver_name == WARM_SOLVER:
            solver.SetHint(x, [float(v) for v in current])
        solver.SetTimeLimit(int(max(50, 1000 * (time_limit_s - (time.perf_counter() - start)))))
        with control.interruptible(solver.InterruptSolve) if control is not None else nullcontext():
            status = solver.Solve(params)
        if status not in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE):
            proven = False
            return None, None
        if status != pywraplp.Solver.OPTIMAL:
            proven = False
        current = np.rint([v.solution_value() for v in x]).astype(np.int64)
        value = int(round(sum(w * current[k] for k, w in weights.items())))
        if status == pywraplp.Solver.OPTIMAL:
            bound = value
        else:
            bound = (
                int(np.floor(objective.BestBound() + 1e-6)) if maximise else int(np.ceil(objective.BestBound() - 1e-6))
            )
        if on_stage:
            on_stage(name, time.perf_counter() - start, value, bound)
        return value, bound

    line_arcs = offsets[_LINES] + np.arange(len(arrays.line_count))
    for r, priority in enumerate(arrays.priorities):
        arcs = line_arcs[arrays.line_rank == r].tolist()
        start_value = int(sum(current[k] for k in arcs)) if current is not None else None
        at_relaxed_bound = at_relaxed_bound and start_value == relaxed_coverage[r]
        if at_relaxed_bound:
            value = bound = start_value
            if on_stage:
                on_stage(f"priority {priority}", time.perf_counter() - start, value, bound)
        elif proven:
            value, bound = stage({k: 1.0 for k in arcs}, True, f"priority {priority}")
        else:
            value = bound = None
        if value is None:  # out of time: keep what the last plan covers at this priority
            value = int(sum(current[k] for k in arcs)) if current is not None else 0
            bound = int(arrays.line_count[arrays.line_rank == r].sum())
        covered.append(value)
        bounds.append(bound)
        fix = solver.Constraint(float(value), float(value))
        for k in arcs:
            fix.SetCoefficient(x[k], 1.0)
    coverage_proven = proven
    direct = list(range(offsets[_DIRECT], offsets[_DIRECT + 1]))
    if proven and arrays.has_baseline and direct:
        value, _ = stage({k: 1.0 for k in direct}, True, "keep previous plan")
        if value is not None:
            fix = solver.Constraint(float(value), float(value))
            for k in direct:
                fix.SetCoefficient(x[k], 1.0)
    move_costs = np.concatenate([net.costs[_DIRECT], net.costs[_HUB_OUT]])
    move_arcs = np.concatenate(
        [np.arange(offsets[_DIRECT], offsets[_DIRECT + 1]), np.arange(offsets[_HUB_OUT], offsets[_HUB_OUT + 1])]
    )
    if proven and move_costs.any():
        stage(
            {int(k): float(c) for k, c in zip(move_arcs.tolist(), move_costs.tolist()) if c},
            False,
            "skill match and organisation",
        )
    if current is None:
        return MipSolution(GroupMoves.empty(), False, False, covered, bounds)
    flows = current
    groups, lines, amounts = split_hub_flows(
        net.hub_in,
        flows[offsets[_HUB_IN] : offsets[_HUB_IN + 1]],
        net.hub_out,
        flows[offsets[_HUB_OUT] : offsets[_HUB_OUT + 1]],
    )
    moves = GroupMoves(
        np.concatenate([net.direct[0], groups]).astype(np.int64),
        np.concatenate([net.direct[1], lines]).astype(np.int64),
        np.concatenate([flows[offsets[_DIRECT] : offsets[_DIRECT + 1]], amounts]).astype(np.int64),
    ).nonzero()
    return MipSolution(moves, proven, coverage_proven, covered, bounds)


def _plan_flows(arrays: CrisisArrays, net, offsets, plan: GroupMoves) -> np.ndarray:
    """Arc flows of a plan on groups (which obeys every rule): kept moves on their direct arcs,
    others through the hub that joins the group to the line; then up the release tree."""
    flows = np.zeros(offsets[-1], dtype=np.int64)
    direct_index = {
        (g, li): offsets[_DIRECT] + k for k, (g, li) in enumerate(zip(net.direct[0].tolist(), net.direct[1].tolist()))
    }
    in_index: dict[int, list[tuple[int, int]]] = {}
    for k, (g, h) in enumerate(zip(net.hub_in[0].tolist(), net.hub_in[1].tolist())):
        in_index.setdefault(g, []).append((h, offsets[_HUB_IN] + k))
    out_index = {
        (h, li): offsets[_HUB_OUT] + k
        for k, (h, li) in enumerate(zip(net.hub_out[0].tolist(), net.hub_out[1].tolist()))
    }
    heads = np.concatenate(net.heads)
    tails = np.concatenate(net.tails)
    tree_arc_of_head = {int(h): k for k, h in enumerate(heads[: offsets[_GROUPS]].tolist())}
    group_arc = {int(g): offsets[_GROUPS] + k for k, g in enumerate(np.nonzero(arrays.group_eligible)[0].tolist())}
    for g, li, n in zip(plan.group.tolist(), plan.line.tolist(), plan.count.tolist()):
        path = None
        if (g, li) in direct_index and arrays.group_baseline_team[g] == arrays.line_team[li]:
            path = [direct_index[g, li]]
        else:
            for h, k_in in in_index.get(g, []):
                if (h, li) in out_index:
                    path = [k_in, out_index[h, li]]
                    break
        if path is None:
            continue
        path += [group_arc[g], offsets[_LINES] + li]
        node = int(tails[group_arc[g]])
        while node in tree_arc_of_head:
            k = tree_arc_of_head[node]
            path.append(k)
            node = int(tails[k])
        for k in path:
            flows[k] += n
    flows[offsets[_BYPASS]] = arrays.total_units - int(flows[offsets[_LINES] : offsets[_LINES + 1]].sum())
    return flows
