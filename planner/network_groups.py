"""The network of teams seen one level up, so a leader can read it at any size: teams grouped by
service (within their organisation), a link between two services wherever a team of one is
linked to a team of the other, and fixed positions for drawing each level.

A few hundred teams drawn at once are a tangle; twenty-odd services are not. The browser shows
the services first (sized by staff) and, on a click, the teams of one service. The positions
come from a seeded spring layout, so the same scenario is always drawn the same way and every
node lies inside a known box (the chart fits that box into its frame).
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx
import numpy as np
from pydantic import BaseModel, Field

from planner.network import NetworkReport

LAYOUT_SEED = 7
# Up to this many teams the teams themselves are readable at once; above it, services come first.
TEAMS_SHOWN_AT_ONCE = 30


class Position(BaseModel):
    x: float
    y: float


class ServiceGroup(BaseModel):
    id: str
    service: str
    organisation: str
    team_ids: list[str]
    headcount: int
    position: Position


class ServiceLink(BaseModel):
    source: str
    target: str
    links_today: int = Field(description="team links between the two services without the plan")
    links_added: int = Field(description="team links between the two services only the plan makes")
    people_moved: int


class GroupedNetwork(BaseModel):
    teams_shown_first: bool = Field(description="small enough to show every team at once")
    groups: list[ServiceGroup]
    links: list[ServiceLink]
    drawings: dict[str, dict[str, Position]] = Field(
        description="where to draw each node of each drawing: per service id, its teams and (as "
        "'service:<id>') the other services they are linked to; under 'all', every team when "
        "they are shown at once")


def group_key(organisation: str, service: str) -> tuple[str, str]:
    """A team belongs to its service within its organisation (a blank service: the organisation)."""
    return organisation, service or organisation


def spring_positions(ids: list[str], pairs: list[tuple[str, str]]) -> dict[str, Position]:
    """Seeded spring-layout positions in [-1, 1] (a lone node sits in the middle)."""
    if not ids:
        return {}
    g = nx.Graph()
    g.add_nodes_from(ids)
    g.add_edges_from(pairs)
    if len(ids) == 1:
        return {ids[0]: Position(x=0.0, y=0.0)}
    points = nx.spring_layout(g, seed=LAYOUT_SEED, k=2.4 / len(ids) ** 0.5)
    nodes = list(points)
    spread = [_even_out([float(points[n][axis]) for n in nodes]) for axis in (0, 1)]
    return {n: Position(x=round(spread[0][i], 4), y=round(spread[1][i], 4)) for i, n in enumerate(nodes)}


def _even_out(values: list[float]) -> list[float]:
    """Half the position, half its rank, both scaled to [-1, 1]: a spring layout packs linked
    nodes into a dense core and flings loose ones far out; this opens the core up (so labels fit)
    while keeping the order of the nodes along the axis."""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    ranks = np.argsort(np.argsort(values, kind="stable"), kind="stable")
    last = max(len(values) - 1, 1)
    return [(2 * (v - low) / span - 1 + 2 * r / last - 1) / 2 for v, r in zip(values, ranks)]


def grouped_network(report: NetworkReport) -> GroupedNetwork:
    """Services and the links between them, with where to draw services and teams."""
    keys = sorted({group_key(n.organisation, n.service) for n in report.nodes})
    group_id = {key: f"g{i + 1}" for i, key in enumerate(keys)}
    team_group = {n.id: group_id[group_key(n.organisation, n.service)] for n in report.nodes}
    members: dict[str, list] = defaultdict(list)
    for n in report.nodes:
        members[team_group[n.id]].append(n)

    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    # Each service's own drawing: its teams, and the other services its teams are linked to.
    around: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for e in report.edges:
        a, b = team_group[e.source], team_group[e.target]
        if a == b:
            around[a].add((e.source, e.target))
            continue
        around[a].add((e.source, f"service:{b}"))
        around[b].add((e.target, f"service:{a}"))
        tally = counts[(a, b) if a <= b else (b, a)]
        tally[1 if e.from_plan else 0] += 1
        tally[2] += e.people_moved

    group_positions = spring_positions(list(members), list(counts))
    groups = [
        ServiceGroup(id=group_id[key], service=key[1], organisation=key[0],
                     team_ids=[n.id for n in members[group_id[key]]],
                     headcount=sum(n.headcount for n in members[group_id[key]]),
                     position=group_positions[group_id[key]])
        for key in keys
    ]
    links = [ServiceLink(source=a, target=b, links_today=today, links_added=added, people_moved=moved)
             for (a, b), (today, added, moved) in sorted(counts.items())]

    shown_first = len(report.nodes) <= TEAMS_SHOWN_AT_ONCE
    drawings = {}
    if shown_first:
        drawings["all"] = spring_positions([n.id for n in report.nodes], [(e.source, e.target) for e in report.edges])
    for gid, teams in members.items():
        pairs = sorted(around[gid])
        neighbours = sorted({b for _a, b in pairs if b.startswith("service:")})
        drawings[gid] = spring_positions([n.id for n in teams] + neighbours, pairs)
    return GroupedNetwork(teams_shown_first=shown_first, groups=groups, links=links, drawings=drawings)
