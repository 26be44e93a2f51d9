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
relaxation's optimum is feasible, hence optimal (`solver.py`); when it does not, the same network
with those rows added is solved exactly as a MIP (`mip.py`).

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

from optimiser.redeploy import rules
from optimiser.redeploy.arrays import (
    CROSS_ORGANISATION_COST,
    MAX_MOVE_COST,
    SURPLUS_LEVEL_COST,
    CrisisArrays,
    CriticalConstraint,
    GroupMoves,
    kept_moves,
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


def eligible_groups(arrays: CrisisArrays) -> np.ndarray:
    return arrays.group_eligible


def critical_skill_can_bind(arrays: CrisisArrays, c: CriticalConstraint, holder_supply: int) -> bool:
    """A critical skill limits the plan only when fewer of its holders may leave than could be
    chosen, and fewer than the team may release anyway."""
    limit = arrays.team_limit[c.team]
    return c.may_leave < holder_supply and (limit < 0 or c.may_leave < limit)


def build_release_tree(arrays: CrisisArrays) -> ReleaseTree:
    """Team and critical-skill nodes, nesting laminar holder sets; overlapping sets go aside."""
    n_groups = len(arrays.group_size)
    group_parent = np.full(n_groups, SOURCE, dtype=np.int64)
    tails, heads, caps = [], [], []
    node = 2
    side: list[CriticalConstraint] = []
    elig = eligible_groups(arrays)
    groups_of_team: dict[int, list[int]] = {}
    for g in np.nonzero(elig)[0].tolist():
        groups_of_team.setdefault(int(arrays.group_team[g]), []).append(g)
    crit_of_team: dict[int, list[CriticalConstraint]] = {}
    for c in arrays.critical:
        crit_of_team.setdefault(c.team, []).append(c)
    for team, groups in groups_of_team.items():
        limit = int(arrays.team_limit[team])
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
            holders = frozenset(g for g in groups if arrays.group_critical_bits[g] >> c.bit & 1)
            supply = int(arrays.group_size[list(holders)].sum()) if holders else 0
            if critical_skill_can_bind(arrays, c, supply):
                sets.append((holders, c))
        sets.sort(key=lambda sc: (-len(sc[0]), sc[1].bit))
        for holders, c in sets:
            if not all(holders <= p or not (holders & p) for p, _, _ in placed):
                side.append(c)
                continue
            _, parent_node, _ = _smallest_enclosing(placed, lambda p, holders=holders: holders <= p)
            tails.append(parent_node)
            heads.append(node)
            caps.append(c.may_leave)
            placed.append((holders, node, c.may_leave))
            node += 1
        for g in groups:
            group_parent[g] = _smallest_enclosing(placed, lambda p, g=g: g in p)[1]
    return ReleaseTree(group_parent, tails, heads, caps, node, side)


def _smallest_enclosing(placed, encloses):
    """The innermost placed set that encloses: smallest, and among equal sets the last placed
    (equal sets are chained one under the other, so the last is the deepest)."""
    candidates = [(len(p[0]), -k, p) for k, p in enumerate(placed) if encloses(p[0])]
    return min(candidates, key=lambda c: (c[0], c[1]))[2]


@dataclass
class FlowSolution:
    moves: GroupMoves
    objective: int
    side: list[CriticalConstraint]


def lexicographic_weights(arrays: CrisisArrays) -> tuple[int, np.ndarray]:
    """(cost of a move that does not keep a previous redeployment, reward per unit of each line),
    scaled so that coverage dominates keeping, and keeping dominates move costs."""
    units = max(1, arrays.total_units)
    keep_weight = MAX_MOVE_COST * units + 1 if arrays.has_baseline else 0
    scale = (keep_weight + MAX_MOVE_COST) * units + 1
    line_reward = scale * (len(arrays.priorities) - arrays.line_rank)
    return keep_weight, line_reward.astype(np.int64)


def weights_fit(arrays: CrisisArrays, nodes: int) -> bool:
    """The flow solver scales costs by the number of nodes; stay clear of 64-bit overflow."""
    keep_weight, reward = lexicographic_weights(arrays)
    top = int(reward.max(initial=0)) + keep_weight + MAX_MOVE_COST
    return top * (nodes + 1) * 4 < _INT64_SAFE and top * max(1, arrays.total_units) * 4 < _INT64_SAFE


@dataclass
class HubLayout:
    """Hubs let groups reach lines without one arc per (group, line) pair.

    A hub gathers people holding one skill at one level, from one organisation and one region,
    from one set of teams; every person entering it may cover every line it feeds at the same
    cost. A hub feeds only lines of teams its region may be redeployed to
    (`rules.redeployed_within_region`). The set of
    teams makes "never in their own team" exact: teams without demand they could cover form one
    set (REST); teams with such demand are leaves of a binary tree, and a line of leaf j is fed by
    REST and by the sibling subtrees on the path from j to the root, which together hold exactly
    every team but j. Lines of other teams are fed by REST and the whole tree. A (group, line) pair
    is thus joined by exactly one hub exactly when the group may cover the line.
    """

    dirty_index: np.ndarray  # per team: leaf index in the tree, -1 when in REST
    depth: int
    leaves: int

    def where(self, level: int, block: int) -> int:
        return 1 + level * self.leaves + block

    def sources_of(self, team: int) -> list[int]:
        """Hub sets a group of this team enters."""
        k = int(self.dirty_index[team])
        if k < 0:
            return [0]
        return [self.where(lvl, k >> lvl) for lvl in range(self.depth + 1)]

    def feeds_of(self, team: int) -> list[int]:
        """Hub sets that feed a line of this team: together, every team but this one."""
        k = int(self.dirty_index[team])
        if k < 0:
            return [0] + ([self.where(self.depth, 0)] if self.leaves else [])
        return [0] + [
            self.where(lvl, (k >> lvl) ^ 1) for lvl in range(self.depth) if ((k >> lvl) ^ 1) << lvl < self.leaves
        ]


def hub_layout(arrays: CrisisArrays) -> HubLayout:
    movable_team = np.zeros(len(arrays.team_ids), dtype=bool)
    movable_team[arrays.group_team[arrays.group_eligible]] = True
    dirty = np.unique(arrays.line_team[movable_team[arrays.line_team]])
    index = np.full(len(arrays.team_ids), -1, dtype=np.int64)
    index[dirty] = np.arange(len(dirty))
    depth = int(np.ceil(np.log2(len(dirty)))) if len(dirty) > 1 else 0
    return HubLayout(index, depth, len(dirty))


@dataclass
class Network:
    """Arc lists of the flow network, in blocks, with what the move blocks mean."""

    tails: list
    heads: list
    caps: list
    costs: list
    direct: tuple[np.ndarray, np.ndarray]  # (group, line) of direct arcs: kept previous redeployments
    hub_in: tuple[np.ndarray, np.ndarray]  # (group, hub) arcs
    hub_out: tuple[np.ndarray, np.ndarray]  # (hub, line) arcs
    n_nodes: int


def build_network(arrays: CrisisArrays, tree: ReleaseTree) -> Network:
    """The flow network of `solve_flow`: release tree, groups, hubs, lines. Kept previous
    redeployments also get a direct arc without the keep cost."""
    n_groups, n_lines = len(arrays.group_size), len(arrays.line_count)
    keep_weight, line_reward = lexicographic_weights(arrays)
    layout = hub_layout(arrays)
    n_skills = max(1, len(arrays.demanded_skills))
    n_org = int(arrays.team_org.max(initial=0)) + 1
    n_region = int(arrays.team_region.max(initial=0)) + 1

    def hub_key(where, skill, level, org, region):
        return (((where * n_skills + skill) * 6 + level) * n_org + org) * n_region + region

    # Which (hub set, skill) pairs some line uses.
    line_feeds = [layout.feeds_of(int(t)) for t in arrays.line_team.tolist()]
    used = {(w, int(s)) for feeds, s in zip(line_feeds, arrays.line_skill.tolist()) for w in feeds}
    used_keys = np.array(sorted(w * n_skills + s for w, s in used), dtype=np.int64)

    # Group -> hub arcs, one pass per skill.
    free = np.nonzero(~arrays.group_restricted & arrays.group_eligible)[0]
    sources = {t: layout.sources_of(t) for t in np.unique(arrays.group_team[free]).tolist()}
    in_group, in_key = [], []
    for s in np.unique(arrays.line_skill).tolist():
        gs = free[arrays.group_levels[free, s] > 0]
        g, where = _expand_sources(gs, arrays.group_team, sources)
        keep = np.isin(where * n_skills + s, used_keys)
        g, where = g[keep], where[keep]
        in_group.append(g)
        team = arrays.group_team[g]
        in_key.append(hub_key(where, s, arrays.group_levels[g, s], arrays.team_org[team], arrays.team_region[team]))
    in_group = np.concatenate(in_group) if in_group else np.zeros(0, np.int64)
    in_key = np.concatenate(in_key) if in_key else np.zeros(0, np.int64)
    hubs, in_hub = np.unique(in_key, return_inverse=True)
    in_hub = in_hub.reshape(-1)
    hub_region = hubs % n_region
    hub_org = hubs // n_region % n_org
    hub_level = hubs // n_region // n_org % 6
    hub_ws = hubs // n_region // n_org // 6  # where * n_skills + skill
    order = np.argsort(hub_ws, kind="stable")
    ws_sorted = hub_ws[order]

    # Hub -> line arcs.
    out_hub, out_line = [], []
    for li, feeds in enumerate(line_feeds):
        s, lv = int(arrays.line_skill[li]), int(arrays.line_level[li])
        for w in feeds:
            lo, hi = np.searchsorted(ws_sorted, w * n_skills + s, "left"), np.searchsorted(ws_sorted, w * n_skills + s, "right")
            hub_idx = order[lo:hi]
            hub_idx = hub_idx[hub_level[hub_idx] >= lv]
            hub_idx = hub_idx[rules.within_region_mask(hub_region[hub_idx], arrays.team_region[arrays.line_team[li]])]
            out_hub.append(hub_idx)
            out_line.append(np.full(len(hub_idx), li, dtype=np.int64))
    out_hub = np.concatenate(out_hub) if out_hub else np.zeros(0, np.int64)
    out_line = np.concatenate(out_line) if out_line else np.zeros(0, np.int64)
    out_cost = SURPLUS_LEVEL_COST * (hub_level[out_hub] - arrays.line_level[out_line]) + CROSS_ORGANISATION_COST * (
        hub_org[out_hub] != arrays.team_org[arrays.line_team[out_line]]
    )

    direct_group, direct_line = kept_moves(arrays)
    first = tree.next_node
    group_node = first + np.arange(n_groups, dtype=np.int64)
    line_node = first + n_groups + np.arange(n_lines, dtype=np.int64)
    hub_node = first + n_groups + n_lines + np.arange(len(hubs), dtype=np.int64)
    eg = np.nonzero(arrays.group_eligible)[0]
    units = arrays.total_units
    tails = [
        np.array(tree.tails, dtype=np.int64),
        tree.group_parent[eg],
        group_node[direct_group],
        group_node[in_group],
        hub_node[out_hub],
        line_node,
        np.array([SOURCE]),
    ]
    heads = [
        np.array(tree.heads, dtype=np.int64),
        group_node[eg],
        line_node[direct_line],
        hub_node[in_hub],
        line_node[out_line],
        np.full(n_lines, SINK, dtype=np.int64),
        np.array([SINK]),
    ]
    caps = [
        np.array(tree.caps, dtype=np.int64),
        arrays.group_size[eg],
        np.minimum(arrays.group_size[direct_group], arrays.line_count[direct_line]),
        arrays.group_size[in_group],
        arrays.line_count[out_line],
        arrays.line_count,
        np.array([units]),
    ]
    costs = [
        np.zeros(len(tree.tails), dtype=np.int64),
        np.zeros(len(eg), dtype=np.int64),
        arrays.move_cost(direct_group, direct_line),
        np.full(len(in_group), keep_weight, dtype=np.int64),
        out_cost.astype(np.int64),
        -line_reward,
        np.zeros(1, dtype=np.int64),
    ]
    return Network(
        tails,
        heads,
        caps,
        costs,
        (direct_group, direct_line),
        (in_group, in_hub),
        (out_hub, out_line),
        first + n_groups + n_lines + len(hubs),
    )


def _expand_sources(groups: np.ndarray, group_team: np.ndarray, sources: dict[int, list[int]]):
    """(groups, hub set) arrays: each group once per hub set its team enters."""
    if not len(groups):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    teams = group_team[groups].tolist()
    counts = np.array([len(sources[t]) for t in teams], dtype=np.int64)
    where = np.concatenate([np.array(sources[t], dtype=np.int64) for t in teams])
    return np.repeat(groups, counts), where


def solve_flow(arrays: CrisisArrays, tree: ReleaseTree) -> FlowSolution:
    """Solve the network exactly with OR-Tools' min-cost flow; return the moves per group and line."""
    net = build_network(arrays, tree)
    if not weights_fit(arrays, net.n_nodes):
        raise OverflowError("too many demand units for exact flow weights")
    sizes = [len(t) for t in net.tails]
    smcf = min_cost_flow.SimpleMinCostFlow()
    arcs = smcf.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(net.tails), np.concatenate(net.heads), np.concatenate(net.caps), np.concatenate(net.costs)
    )
    units = arrays.total_units
    smcf.set_nodes_supplies(np.array([SOURCE, SINK]), np.array([units, -units]))
    status = smcf.solve()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow ended with status {status}")
    flows = np.asarray(smcf.flows(arcs), dtype=np.int64)
    offsets = np.cumsum([0] + sizes)
    direct_flow = flows[offsets[2] : offsets[3]]
    in_flow, out_flow = flows[offsets[3] : offsets[4]], flows[offsets[4] : offsets[5]]
    groups, lines, amounts = split_hub_flows(net.hub_in, in_flow, net.hub_out, out_flow)
    moves = GroupMoves(
        np.concatenate([net.direct[0], groups]).astype(np.int64),
        np.concatenate([net.direct[1], lines]).astype(np.int64),
        np.concatenate([direct_flow, amounts]).astype(np.int64),
    ).nonzero()
    return FlowSolution(moves, int(smcf.optimal_cost()), tree.side)


def split_hub_flows(hub_in, in_flow, hub_out, out_flow):
    """Pair the units entering each hub (from groups) with the units leaving it (to lines): every
    group entering a hub may cover every line the hub feeds, at the same cost."""
    (in_group, in_hub), (out_hub, out_line) = hub_in, hub_out
    ii = np.nonzero(in_flow)[0]
    oo = np.nonzero(out_flow)[0]
    ii = ii[np.argsort(in_hub[ii], kind="stable")]
    oo = oo[np.argsort(out_hub[oo], kind="stable")]
    # Cumulative units on both sides, hub after hub (flow is conserved in each hub, so the hub
    # boundaries coincide); units are matched by position.
    in_end = np.cumsum(in_flow[ii])
    out_end = np.cumsum(out_flow[oo])
    cuts = np.union1d(in_end, out_end)
    starts = np.concatenate([[0], cuts[:-1]]).astype(np.int64)
    lengths = cuts - starts
    keep = lengths > 0
    starts, lengths = starts[keep], lengths[keep]
    gi = ii[np.searchsorted(in_end, starts, side="right")]
    lo = oo[np.searchsorted(out_end, starts, side="right")]
    return in_group[gi], out_line[lo], lengths


def holders_moved(arrays: CrisisArrays, moves: GroupMoves, c: CriticalConstraint) -> int:
    on = (arrays.group_team[moves.group] == c.team) & ((arrays.group_critical_bits[moves.group] >> c.bit) & 1 == 1)
    return int(moves.count[on].sum())


def critical_skill_overuse(arrays: CrisisArrays, moves: GroupMoves, c: CriticalConstraint) -> int:
    """How many more holders of a critical skill leave than may leave (0 when the rule holds)."""
    return max(0, holders_moved(arrays, moves, c) - c.may_leave)


def repair(arrays: CrisisArrays, moves: GroupMoves, side: list[CriticalConstraint]) -> GroupMoves:
    """Make a relaxed plan feasible by withdrawing the least urgent, costliest moves of holders of
    an over-used critical skill. Withdrawing a move never breaks another rule."""
    count = moves.count.copy()
    cost = arrays.move_cost(moves.group, moves.line)
    for c in side:
        fixed = GroupMoves(moves.group, moves.line, count)
        excess = critical_skill_overuse(arrays, fixed, c)
        if not excess:
            continue
        on = np.nonzero(
            (arrays.group_team[moves.group] == c.team)
            & ((arrays.group_critical_bits[moves.group] >> c.bit) & 1 == 1)
            & (count > 0)
        )[0]
        for k in on[np.lexsort((-cost[on], -arrays.line_rank[moves.line[on]]))].tolist():
            take = min(excess, int(count[k]))
            count[k] -= take
            excess -= take
            if not excess:
                break
    return GroupMoves(moves.group, moves.line, count).nonzero()
