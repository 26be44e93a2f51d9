"""Redeployment as a min-cost network flow, and why its answer is the lexicographic optimum.

The network, from source to sink:

    source -> team (capacity: the team's release limit; paused teams have none)
           -> critical-skill holders of that team (capacity: how many holders may leave)
           -> group of interchangeable people (capacity: its size)
           -> demand line (when the group may cover it; cost: skill surplus, other employer,
              and, when re-planning, not keeping the previous plan)
           -> sink (capacity: units demanded; reward by priority)

Critical-skill holder sets nest inside their team's node only when they form a laminar family
(any two are nested or disjoint); a set that overlaps another without nesting cannot be a node.
Such sets are left out here (a relaxation) and checked afterwards: when the flow keeps them, the
relaxation's optimum is feasible, hence optimal (`solver.py`); when it does not, the exact
CP-SAT model (`exact.py`) decides.

Why one weighted flow gives the lexicographic optimum. For any capacitated network the
function "most units coverable in a set of demand lines" is submodular, so the vectors of units
covered per line form an integral polymatroid. On a polymatroid the greedy order (priority 1
first, then 2, ...) reaches the most units in every prefix of priorities at once, and every
maximiser of sum_p w_p X_p with w_1 > w_2 > ... > 0 must reach all those prefix maxima (the
objective is sum_k (w_k - w_k+1) x (X_1 + ... + X_k) with every coefficient positive). With
reward M x (P - rank) per unit and M larger than all secondary costs together, the secondary
costs break ties only among lexicographic optima. The solver is exact integer min-cost flow.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from optimiser.redeploy.arrays import (
    CROSS_ORGANISATION_COST,
    MAX_MOVE_COST,
    SURPLUS_LEVEL_COST,
    CrisisArrays,
    CriticalConstraint,
)

SOURCE, SINK = 0, 1
_INT64_SAFE = 2**62


@dataclass
class ReleaseTree:
    """Where each group's people are counted against their team's limits."""

    group_parent: np.ndarray  # node id feeding each group
    tails: list[int]
    heads: list[int]
    caps: list[int]
    next_node: int
    side: list[CriticalConstraint]  # critical skills that overlap without nesting: checked afterwards
    active: list[CriticalConstraint]  # critical skills that can bind (others are implied by the team limit)


def eligible_groups(a: CrisisArrays) -> np.ndarray:
    mask = np.zeros(len(a.group_size), dtype=bool)
    mask[a.arc_group] = True
    return mask


def critical_skill_can_bind(a: CrisisArrays, c: CriticalConstraint, holder_supply: int) -> bool:
    """A critical skill limits the plan only when fewer of its holders may leave than could be
    chosen, and fewer than the team may release anyway."""
    limit = a.team_limit[c.team]
    return c.may_leave < holder_supply and (limit < 0 or c.may_leave < limit)


def build_release_tree(a: CrisisArrays) -> ReleaseTree:
    """Team and critical-skill nodes, nesting laminar holder sets; overlapping sets go aside."""
    n_groups = len(a.group_size)
    group_parent = np.full(n_groups, SOURCE, dtype=np.int64)
    tails, heads, caps = [], [], []
    node = 2
    side: list[CriticalConstraint] = []
    active: list[CriticalConstraint] = []
    elig = eligible_groups(a)
    groups_of_team: dict[int, list[int]] = {}
    for g in np.nonzero(elig)[0].tolist():
        groups_of_team.setdefault(int(a.group_team[g]), []).append(g)
    crit_of_team: dict[int, list[CriticalConstraint]] = {}
    for c in a.critical:
        crit_of_team.setdefault(c.team, []).append(c)
    for team, groups in groups_of_team.items():
        limit = int(a.team_limit[team])
        if limit < 0:  # paused: no team node
            continue
        team_node = node
        node += 1
        tails.append(SOURCE)
        heads.append(team_node)
        caps.append(limit)
        placed: list[tuple[frozenset[int], int, int]] = [(frozenset(groups), team_node, 1 << 62)]
        sets = []
        for c in crit_of_team.get(team, []):
            holders = frozenset(g for g in groups if a.group_critical_bits[g] >> c.bit & 1)
            supply = int(a.group_size[list(holders)].sum()) if holders else 0
            if critical_skill_can_bind(a, c, supply):
                active.append(c)
                sets.append((holders, c))
        sets.sort(key=lambda sc: (-len(sc[0]), sc[1].bit))
        for holders, c in sets:
            if not all(holders <= p or not (holders & p) for p, _, _ in placed):
                side.append(c)
                continue
            _, parent_node, _ = min((p for p in placed if holders <= p[0]), key=lambda p: len(p[0]))
            tails.append(parent_node)
            heads.append(node)
            caps.append(c.may_leave)
            placed.append((holders, node, c.may_leave))
            node += 1
        for g in groups:
            group_parent[g] = min((p for p in placed if g in p[0]), key=lambda p: len(p[0]))[1]
    return ReleaseTree(group_parent, tails, heads, caps, node, side, active)


@dataclass
class FlowSolution:
    arc_flow: np.ndarray  # flow on each candidate arc (group -> line)
    objective: int
    side: list[CriticalConstraint]
    active: list[CriticalConstraint]


def lexicographic_weights(a: CrisisArrays) -> tuple[np.ndarray, np.ndarray]:
    """Arc costs (re-plan and move costs) and per-line rewards, scaled so coverage dominates."""
    units = max(1, a.total_units)
    move_cost = a.arc_move_cost()
    keep_weight = MAX_MOVE_COST * units + 1 if a.has_baseline else 0
    arc_cost = move_cost + keep_weight * (1 - a.arc_kept)
    scale = (keep_weight + MAX_MOVE_COST) * units + 1
    n_ranks = len(a.priorities)
    line_reward = scale * (n_ranks - a.line_rank)
    return arc_cost.astype(np.int64), line_reward.astype(np.int64)


def weights_fit(a: CrisisArrays, nodes: int) -> bool:
    """The flow solver scales costs by the number of nodes; stay clear of 64-bit overflow."""
    arc_cost, reward = lexicographic_weights(a)
    top = int(reward.max(initial=0)) + int(arc_cost.max(initial=0))
    return top * (nodes + 1) * 4 < _INT64_SAFE and top * max(1, a.total_units) * 4 < _INT64_SAFE


def clean_lines(a: CrisisArrays) -> np.ndarray:
    """Demand lines whose team has nobody who could be moved: any holder may cover them, so they
    can be fed through shared skill hubs instead of one arc per group."""
    movable_teams = np.zeros(len(a.team_ids), dtype=bool)
    movable_teams[a.group_team] = True
    return ~movable_teams[a.line_team]


@dataclass
class Network:
    """Arc lists of the flow network, with what each arc means."""

    tails: list
    heads: list
    caps: list
    costs: list
    direct: np.ndarray  # indices into the candidate arcs fed directly (group -> line)
    hub_in: tuple[np.ndarray, np.ndarray]  # (group, hub) arcs
    hub_out: tuple[np.ndarray, np.ndarray]  # (hub, line) arcs
    n_nodes: int


def build_network(a: CrisisArrays, tree: ReleaseTree) -> Network:
    """Groups reach lines of clean teams through hubs keyed by (skill, level held, organisation),
    which carry the same costs as direct arcs; other lines get one arc per eligible group.
    A hub path costs exactly what the direct arc would."""
    n_groups, n_lines = len(a.group_size), len(a.line_count)
    arc_cost, line_reward = lexicographic_weights(a)
    keep_weight = (MAX_MOVE_COST * max(1, a.total_units) + 1) if a.has_baseline else 0
    clean = clean_lines(a)
    # Direct arcs: lines of teams with movable people, resting people's kept moves, and kept moves.
    direct = np.nonzero(~clean[a.arc_line] | a.group_restricted[a.arc_group] | (a.arc_kept == 1))[0]
    # Hubs: (skill, level, organisation) for free groups, towards clean lines.
    clean_idx = np.nonzero(clean)[0]
    free = np.nonzero(~a.group_restricted & eligible_groups(a))[0]
    hub_key_in, hub_group = [], []
    n_org = int(a.team_org.max(initial=0)) + 1
    for s in np.unique(a.line_skill[clean_idx]).tolist():
        lv = a.group_levels[free, s]
        has = lv > 0
        hub_group.append(free[has])
        hub_key_in.append((s * 6 + lv[has]) * n_org + a.team_org[a.group_team[free[has]]])
    hub_group = np.concatenate(hub_group) if hub_group else np.zeros(0, np.int64)
    hub_key_in = np.concatenate(hub_key_in) if hub_key_in else np.zeros(0, np.int64)
    hubs, hub_of_in = np.unique(hub_key_in, return_inverse=True)
    hub_skill, hub_level, hub_org = hubs // n_org // 6, hubs // n_org % 6, hubs % n_org
    out_hub, out_line = [], []
    for li in clean_idx.tolist():
        ok = np.nonzero((hub_skill == a.line_skill[li]) & (hub_level >= a.line_level[li]))[0]
        out_hub.append(ok)
        out_line.append(np.full(len(ok), li, dtype=np.int64))
    out_hub = np.concatenate(out_hub) if out_hub else np.zeros(0, np.int64)
    out_line = np.concatenate(out_line) if out_line else np.zeros(0, np.int64)
    out_cost = (SURPLUS_LEVEL_COST * (hub_level[out_hub] - a.line_level[out_line])
                + CROSS_ORGANISATION_COST * (hub_org[out_hub] != a.team_org[a.line_team[out_line]]))

    first = tree.next_node
    group_node = first + np.arange(n_groups, dtype=np.int64)
    line_node = first + n_groups + np.arange(n_lines, dtype=np.int64)
    hub_node = first + n_groups + n_lines + np.arange(len(hubs), dtype=np.int64)
    eg = np.nonzero(eligible_groups(a))[0]
    units = a.total_units
    tails = [np.array(tree.tails, dtype=np.int64), tree.group_parent[eg], group_node[a.arc_group[direct]],
             group_node[hub_group], hub_node[out_hub], line_node, np.array([SOURCE])]
    heads = [np.array(tree.heads, dtype=np.int64), group_node[eg], line_node[a.arc_line[direct]],
             hub_node[hub_of_in], line_node[out_line], np.full(n_lines, SINK, dtype=np.int64), np.array([SINK])]
    caps = [np.array(tree.caps, dtype=np.int64), a.group_size[eg],
            np.minimum(a.group_size[a.arc_group[direct]], a.line_count[a.arc_line[direct]]),
            a.group_size[hub_group], a.line_count[out_line], a.line_count, np.array([units])]
    costs = [np.zeros(len(tree.tails) + len(eg), dtype=np.int64), arc_cost[direct],
             np.full(len(hub_group), keep_weight, dtype=np.int64), out_cost.astype(np.int64), -line_reward,
             np.zeros(1, dtype=np.int64)]
    return Network(tails, heads, caps, costs, direct, (hub_group, hub_of_in), (out_hub, out_line),
                   int(hub_node[-1] + 1) if len(hubs) else first + n_groups + n_lines)


def solve_flow(a: CrisisArrays, tree: ReleaseTree) -> FlowSolution:
    """Solve the network exactly with OR-Tools' min-cost flow; return the flow per candidate arc."""
    net = build_network(a, tree)
    if not weights_fit(a, net.n_nodes):
        raise OverflowError("too many demand units for exact flow weights")
    sizes = [len(t) for t in net.tails]
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(net.tails), np.concatenate(net.heads), np.concatenate(net.caps), np.concatenate(net.costs)
    )
    units = a.total_units
    smcf.set_nodes_supplies(np.array([SOURCE, SINK]), np.array([units, -units]))
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    flows = np.asarray(smcf.flows(arcs), dtype=np.int64)
    offsets = np.cumsum([0] + sizes)
    arc_flow = np.zeros(len(a.arc_group), dtype=np.int64)
    arc_flow[net.direct] = flows[offsets[2]:offsets[3]]
    in_flow, out_flow = flows[offsets[3]:offsets[4]], flows[offsets[4]:offsets[5]]
    groups, lines, amounts = split_hub_flows(net.hub_in, in_flow, net.hub_out, out_flow)
    if len(groups):
        arc_flow[arc_index(a, groups, lines)] += amounts
    return FlowSolution(arc_flow, int(smcf.optimal_cost()), tree.side, tree.active)


def split_hub_flows(hub_in, in_flow, hub_out, out_flow):
    """Pair the units entering each hub (from groups) with the units leaving it (to lines): every
    group entering a hub may cover every line the hub feeds, at the same cost."""
    (in_group, in_hub), (out_hub, out_line) = hub_in, hub_out
    ii = np.nonzero(in_flow)[0]
    oo = np.nonzero(out_flow)[0]
    ii = ii[np.argsort(in_hub[ii], kind="stable")]
    oo = oo[np.argsort(out_hub[oo], kind="stable")]
    # Cumulative units per hub on both sides; units are matched by position in the hub's queue.
    in_end = np.cumsum(in_flow[ii])
    out_end = np.cumsum(out_flow[oo])
    cuts = np.union1d(in_end, out_end)
    starts = np.concatenate([[0], cuts[:-1]])
    lengths = cuts - starts
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    gi = ii[np.searchsorted(in_end, starts, side="right")]
    lo = oo[np.searchsorted(out_end, starts, side="right")]
    return in_group[gi], out_line[lo], lengths


def arc_index(a: CrisisArrays, groups: np.ndarray, lines: np.ndarray) -> np.ndarray:
    """Positions of (group, line) pairs among the candidate arcs."""
    n_lines = len(a.line_count)
    keys = a.arc_group * n_lines + a.arc_line
    order = np.argsort(keys)
    pos = np.searchsorted(keys[order], groups * n_lines + lines)
    return order[pos]


def critical_skill_overuse(a: CrisisArrays, arc_flow: np.ndarray, c: CriticalConstraint) -> int:
    """How many more holders of a critical skill leave than may leave (0 when the rule holds)."""
    on = (a.group_team[a.arc_group] == c.team) & ((a.group_critical_bits[a.arc_group] >> c.bit) & 1).astype(bool)
    return max(0, int(arc_flow[on].sum()) - c.may_leave)


def repair(a: CrisisArrays, arc_flow: np.ndarray, side: list[CriticalConstraint]) -> np.ndarray:
    """Make a relaxed solution feasible by withdrawing the least urgent, costliest moves of holders
    of an over-used critical skill. Withdrawing a move never breaks another rule."""
    flow = arc_flow.copy()
    for c in side:
        excess = critical_skill_overuse(a, flow, c)
        if not excess:
            continue
        on = np.nonzero(
            (a.group_team[a.arc_group] == c.team) & ((a.group_critical_bits[a.arc_group] >> c.bit) & 1).astype(bool)
            & (flow > 0)
        )[0]
        order = on[np.lexsort((-a.arc_move_cost()[on], -a.line_rank[a.arc_line[on]]))]
        for arc in order.tolist():
            take = min(excess, int(flow[arc]))
            flow[arc] -= take
            excess -= take
            if not excess:
                break
    return flow
