"""The organisation as a network of teams: islands, bridges, and how a plan connects them.

Teams are the nodes. Two teams are linked when (the three kinds of link):

- `move`: a plan places someone from one team on an opportunity hosted by the other;
- `shared`: a plan places people from both teams on the same opportunity (they work together);
- `skills`: they have skills in common. Each team's skill profile is the set of skills someone
  in it holds at practitioner level (3) or above; each team is linked to the (up to)
  `SKILL_NEIGHBOURS` teams whose profiles overlap most, when at least half the skills of the two
  profiles together are shared (Jaccard >= `SKILL_OVERLAP`). This keeps only the strongest
  likenesses, so the picture shows real clusters rather than everyone linked to everyone.

"Before" is the network without the plan (skills in common only); "after" adds the plan's moves
and shared placements. The metrics are the ones a leader asks about: teams with no link to
another team (islands), the share of teams linked to a team of another organisation, how many
steps apart two teams are on average (over the pairs that are connected at all), how many
separate groups there are, and the bridges: links whose loss would split a group in two.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Literal

import networkx as nx
import numpy as np
from pydantic import BaseModel, Field

from planner.domain import Placement, Plan, Scenario

LinkKind = Literal["move", "shared", "skills", "record"]
PRACTITIONER = 3
SKILL_NEIGHBOURS = 3
SKILL_OVERLAP = 0.5


class PlanFileError(ValueError):
    """A plan file that cannot be read against this scenario; carries every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# ---------------------------------------------------------------------------------------------
# Report model (what the CLI prints as JSON and the browser draws)
# ---------------------------------------------------------------------------------------------


class NetworkNode(BaseModel):
    id: str
    label: str
    organisation: str
    service: str
    headcount: int
    linked_before: bool = Field(description="has at least one link to another team before the plan")
    linked_after: bool


class NetworkEdge(BaseModel):
    source: str
    target: str
    kinds: list[LinkKind]
    people_moved: int = Field(0, description="plan placements between the two teams, either way")
    shared_placements: int = Field(0, description="opportunities the plan fills from both teams")
    skills_in_common: list[str] = Field(default_factory=list)
    cross_organisation: bool
    from_plan: bool = Field(description="the link exists only because of the plan")


class Bridge(BaseModel):
    source: str
    target: str


class NetworkMetrics(BaseModel):
    teams: int
    links: int
    isolated_teams: int = Field(description="teams with no link to another team")
    isolated_team_ids: list[str]
    linked_across_organisations_share: float = Field(description="share of teams linked to another organisation's team")
    average_steps: float | None = Field(description="average steps between two teams, over connected pairs")
    connected_pairs_share: float = Field(description="share of all team pairs that are connected at all")
    groups: int = Field(description="separate groups of connected teams (an island counts as one)")
    largest_group_share: float
    bridges: int = Field(description="links whose loss would split a group")
    bridge_links: list[Bridge]
    bridging_teams: list[str] = Field(description="teams whose loss would split a group")


class ServiceFlow(BaseModel):
    """People a plan moves from one service to another (for a Sankey chart)."""

    from_service: str
    to_service: str
    people: int


class NetworkReport(BaseModel):
    nodes: list[NetworkNode]
    edges: list[NetworkEdge]
    before: NetworkMetrics
    after: NetworkMetrics | None = Field(description="null when no plan was given")
    flows: list[ServiceFlow]
    summary: list[str] = Field(description="the findings in plain words")


# ---------------------------------------------------------------------------------------------
# Links
# ---------------------------------------------------------------------------------------------


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def skill_profiles(scenario: Scenario) -> dict[str, set[str]]:
    """Each team's skills held at practitioner level (3) or above by at least one of its people."""
    profiles: dict[str, set[str]] = {t.team_id: set() for t in scenario.teams}
    for p in scenario.people:
        profiles[p.team_id].update(s for s, lv in p.skills.items() if lv >= PRACTITIONER)
    return profiles


def skill_links(scenario: Scenario) -> dict[tuple[str, str], list[str]]:
    """Links between teams with skills in common: each team to its closest `SKILL_NEIGHBOURS`
    teams by overlap of skill profiles, when the overlap (Jaccard) is at least `SKILL_OVERLAP`."""
    profiles = skill_profiles(scenario)
    teams = [t for t, prof in profiles.items() if prof]
    if len(teams) < 2:
        return {}
    skills = sorted(set().union(*(profiles[t] for t in teams)))
    col = {s: i for i, s in enumerate(skills)}
    held = np.zeros((len(teams), len(skills)), dtype=np.int32)
    for r, t in enumerate(teams):
        held[r, [col[s] for s in profiles[t]]] = 1
    common = held @ held.T
    sizes = held.sum(axis=1)
    union = sizes[:, None] + sizes[None, :] - common
    overlap = np.where(union > 0, common / np.maximum(union, 1), 0.0)
    np.fill_diagonal(overlap, -1.0)
    links: dict[tuple[str, str], list[str]] = {}
    for r, t in enumerate(teams):
        order = np.lexsort((np.arange(len(teams)), -overlap[r]))[:SKILL_NEIGHBOURS]
        for c in order:
            if overlap[r, c] + 1e-9 < SKILL_OVERLAP:
                break
            other = teams[c]
            links[_pair(t, other)] = sorted(profiles[t] & profiles[other])
    return links


def plan_links(scenario: Scenario, placements: Iterable[Placement]) -> tuple[Counter, Counter]:
    """(moves, shared) between pairs of teams: a move joins a person's home team and the host
    team; people from two teams placed on the same opportunity join their home teams."""
    people = scenario.person_by_id
    opps = scenario.opportunity_by_id
    moves: Counter = Counter()
    shared: Counter = Counter()
    homes_by_opportunity: dict[tuple[str, int], set[str]] = defaultdict(set)
    for pl in placements:
        home = people[pl.person_id].team_id
        host = opps[pl.opportunity_id].host_team_id
        if home != host:
            moves[_pair(home, host)] += 1
        homes_by_opportunity[(pl.opportunity_id, pl.period)].add(home)
    for homes in homes_by_opportunity.values():
        for a, b in combinations(sorted(homes), 2):
            shared[(a, b)] += 1
    return moves, shared


def service_label(team) -> str:
    """A team's service, or its organisation when the service is blank."""
    return team.service or team.organisation


def service_flows(scenario: Scenario, placements: Iterable[Placement]) -> list[ServiceFlow]:
    """People moved from each service to each other service, largest first."""
    teams = scenario.team_by_id
    people = scenario.person_by_id
    opps = scenario.opportunity_by_id
    counts: Counter = Counter()
    for pl in placements:
        home = teams[people[pl.person_id].team_id]
        host = teams[opps[pl.opportunity_id].host_team_id]
        counts[(service_label(home), service_label(host))] += 1
    return [
        ServiceFlow(from_service=a, to_service=b, people=n)
        for (a, b), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


# ---------------------------------------------------------------------------------------------
# Metrics
# ---------------------------------------------------------------------------------------------


def record_links(scenario: Scenario, on_record: Iterable[tuple[str, str]]) -> Counter:
    """Links the record already makes: a person away on an assignment joins their home team and
    the team they are with (teams no longer in the scenario are left out)."""
    teams = scenario.team_by_id
    return Counter(_pair(home, host) for home, host in on_record if home != host and home in teams and host in teams)


def team_graph(scenario: Scenario, links: Iterable[tuple[str, str]]) -> nx.Graph:
    """An undirected graph of every team and the given links (whatever their kind)."""
    g = nx.Graph()
    for t in scenario.teams:
        g.add_node(t.team_id, organisation=t.organisation)
    g.add_edges_from(links)
    return g


def network_metrics(g: nx.Graph) -> NetworkMetrics:
    """The leader's measures of one network of teams (see the module docstring)."""
    n = g.number_of_nodes()
    isolated = sorted(t for t in g.nodes if g.degree(t) == 0)
    org = nx.get_node_attributes(g, "organisation")
    across = sum(1 for t in g.nodes if any(org[u] != org[t] for u in g.neighbors(t)))
    total_steps, connected_pairs = 0.0, 0
    for component in nx.connected_components(g):
        size = len(component)
        if size < 2:
            continue
        pairs = size * (size - 1) // 2
        total_steps += nx.average_shortest_path_length(g.subgraph(component).copy()) * pairs
        connected_pairs += pairs
    all_pairs = n * (n - 1) // 2
    components = list(nx.connected_components(g))
    bridges = sorted(_pair(a, b) for a, b in nx.bridges(g))
    return NetworkMetrics(
        teams=n,
        links=g.number_of_edges(),
        isolated_teams=len(isolated),
        isolated_team_ids=isolated,
        linked_across_organisations_share=round(across / n, 4) if n else 0.0,
        average_steps=round(total_steps / connected_pairs, 3) if connected_pairs else None,
        connected_pairs_share=round(connected_pairs / all_pairs, 4) if all_pairs else 0.0,
        groups=len(components),
        largest_group_share=round(max((len(c) for c in components), default=0) / n, 4) if n else 0.0,
        bridges=len(bridges),
        bridge_links=[Bridge(source=a, target=b) for a, b in bridges],
        bridging_teams=sorted(nx.articulation_points(g)),
    )


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def summarise(before: NetworkMetrics, after: NetworkMetrics | None) -> list[str]:
    """The findings in plain words, before and (when there is a plan) after."""
    lines = []
    if after is None:
        lines.append(
            f"{before.isolated_teams} of {before.teams} teams have no link to another team; "
            f"the teams form {before.groups} separate groups."
        )
        lines.append(f"{_percent(before.linked_across_organisations_share)} of teams are linked to another organisation.")
        if before.average_steps is not None:
            lines.append(f"Connected teams are {before.average_steps:.1f} steps apart on average.")
        lines.append(f"{before.bridges} links are bridges: losing one would split a group.")
        return lines
    lines.append(
        f"Teams with no link to another team: {before.isolated_teams} before the plan, "
        f"{after.isolated_teams} after (of {before.teams})."
    )
    lines.append(
        f"Teams linked to another organisation: {_percent(before.linked_across_organisations_share)} before, "
        f"{_percent(after.linked_across_organisations_share)} after."
    )
    lines.append(f"Separate groups of teams: {before.groups} before, {after.groups} after.")
    lines.append(
        f"Team pairs connected at all: {_percent(before.connected_pairs_share)} before, "
        f"{_percent(after.connected_pairs_share)} after."
    )
    if before.average_steps is not None and after.average_steps is not None:
        lines.append(
            f"Average steps between connected teams: {before.average_steps:.1f} before, {after.average_steps:.1f} after."
        )
    lines.append(f"Bridges (links whose loss would split a group): {before.bridges} before, {after.bridges} after.")
    return lines


# ---------------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------------


def _placements_of(placements: Plan | Iterable[Placement] | None) -> list[Placement] | None:
    if placements is None:
        return None
    if isinstance(placements, Plan):
        return list(placements.placements)
    return list(placements)


def organisation_network(scenario: Scenario, placements: Plan | Iterable[Placement] | None = None,
                         on_record: Iterable[tuple[str, str]] = ()) -> NetworkReport:
    """Teams, their links, and the leader's metrics before and (given a plan) after it.
    `on_record`: (home team, host team) of each assignment in force in the record, links the
    organisation already has (counted before the plan)."""
    plan = _placements_of(placements)
    if plan is not None:
        unknown = [
            f"placement {i + 1}: unknown {what} {value!r}"
            for i, pl in enumerate(plan)
            for what, value, known in (
                ("person", pl.person_id, scenario.person_by_id),
                ("opportunity", pl.opportunity_id, scenario.opportunity_by_id),
            )
            if value not in known
        ]
        if unknown:
            raise PlanFileError(unknown)
    skills = skill_links(scenario)
    moves, shared = plan_links(scenario, plan or [])
    teams = scenario.team_by_id
    recorded = record_links(scenario, on_record)
    existing = set(skills) | set(recorded)

    before_graph = team_graph(scenario, existing)
    before = network_metrics(before_graph)
    after_graph = team_graph(scenario, existing | set(moves) | set(shared)) if plan is not None else None
    after = network_metrics(after_graph) if after_graph is not None else None

    edges = []
    for a, b in sorted(existing | set(moves) | set(shared)):
        kinds: list[LinkKind] = [k for k, src in (("move", moves), ("shared", shared), ("skills", skills),
                                                  ("record", recorded)) if (a, b) in src]
        edges.append(
            NetworkEdge(
                source=a,
                target=b,
                kinds=kinds,
                people_moved=moves.get((a, b), 0),
                shared_placements=shared.get((a, b), 0),
                skills_in_common=skills.get((a, b), []),
                cross_organisation=teams[a].organisation != teams[b].organisation,
                from_plan=(a, b) not in existing,
            )
        )
    headcount = scenario.headcount_by_team
    final = after_graph if after_graph is not None else before_graph
    nodes = [
        NetworkNode(
            id=t.team_id,
            label=t.name,
            organisation=t.organisation,
            service=t.service,
            headcount=headcount[t.team_id],
            linked_before=before_graph.degree(t.team_id) > 0,
            linked_after=final.degree(t.team_id) > 0,
        )
        for t in scenario.teams
    ]
    return NetworkReport(
        nodes=nodes,
        edges=edges,
        before=before,
        after=after,
        flows=service_flows(scenario, plan or []),
        summary=summarise(before, after),
    )


# ---------------------------------------------------------------------------------------------
# Reading plan.csv (person_id,opportunity_id,period,score[,explanation...])
# ---------------------------------------------------------------------------------------------


def read_plan_placements(path: str | Path, scenario: Scenario) -> list[Placement]:
    """Read a plan.csv written by the optimiser; every problem is reported with its row number as
    a spreadsheet shows it (the header is row 1)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PlanFileError([f"{path}: no such plan file"]) from None
    except UnicodeDecodeError:
        raise PlanFileError([f"{path}: not a UTF-8 CSV file"]) from None
    reader = csv.DictReader(io.StringIO(text))
    columns = set(reader.fieldnames or [])
    missing = [c for c in ("person_id", "opportunity_id") if c not in columns]
    if missing:
        raise PlanFileError([f"{path.name}: missing column(s) {', '.join(missing)}; expected person_id,opportunity_id,period,score"])
    problems, placements = [], []
    for row_number, row in enumerate(reader, start=2):
        person = (row.get("person_id") or "").strip()
        opportunity = (row.get("opportunity_id") or "").strip()
        period_text = (row.get("period") or "1").strip() or "1"
        if person not in scenario.person_by_id:
            problems.append(f"{path.name}, row {row_number}, column person_id: unknown person {person!r}")
        if opportunity not in scenario.opportunity_by_id:
            problems.append(f"{path.name}, row {row_number}, column opportunity_id: unknown opportunity {opportunity!r}")
        try:
            period = int(period_text)
        except ValueError:
            problems.append(f"{path.name}, row {row_number}, column period: {period_text!r} is not a whole number")
            continue
        try:
            score = float((row.get("score") or "0").strip() or 0)
        except ValueError:
            score = 0.0
        placements.append(Placement(person_id=person, opportunity_id=opportunity, period=period, score=score))
    if problems:
        raise PlanFileError(problems)
    return placements
