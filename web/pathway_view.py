"""Turn a person's `PathwaysResult` into what the My pathways page shows: three columns (networked,
developmental, the ladder) of numbered steps with their plain-words explanations, and a graph
(nodes and edges for Cytoscape) that shows the same routes at a glance. The graph is decoration
over the text: everything it shows is also in the columns, for screen readers and keyboards."""

from __future__ import annotations

from dataclasses import dataclass, field

from planner.domain import Person, Scenario

KIND_TITLES = {
    "networked": ("Networked", "Routes across teams, professions and organisations towards your aspirations."),
    "developmental": ("Developmental", "Routes that grow the most skill, your aspirations first."),
    "ladder": ("The ladder", "The traditional route: promotions within your own profession."),
}
CROSSING_WORDS = {"team": "another team", "profession": "another profession", "organisation": "another organisation"}
PATHWAYS_PER_KIND = 3
MAX_STEPS = 3


@dataclass
class StepView:
    opportunity_id: str
    title: str
    kind_label: str
    host: str
    organisation: str
    explanation: str
    crosses: list[str]


@dataclass
class PathwayView:
    steps: list[StepView]
    aspirations_percent: int


@dataclass
class KindColumn:
    kind: str
    title: str
    blurb: str
    pathways: list[PathwayView] = field(default_factory=list)


@dataclass
class PathwayPage:
    columns: list[KindColumn]
    unreachable: list[str]
    graph: dict


def _step_view(scenario: Scenario, step) -> StepView:
    opportunity = scenario.opportunity_by_id[step.opportunity_id]
    host = scenario.team_by_id[step.team_id]
    return StepView(
        opportunity_id=opportunity.opportunity_id,
        title=opportunity.title,
        kind_label=opportunity.kind.value.replace("_", " "),
        host=host.name,
        organisation=host.organisation,
        explanation=step.explanation,
        crosses=[CROSSING_WORDS[c] for c in step.crosses if c != "team"],
    )


def pathway_graph(scenario: Scenario, person: Person, columns: list[KindColumn]) -> dict:
    """Nodes: the person now, then each opportunity on a route; edges: one per step, labelled by
    the kind of pathway it belongs to (a move shared by two kinds gets an edge per kind)."""
    nodes = {"you": {"id": "you", "label": "You now", "kind": "you"}}
    edges: dict[str, dict] = {}
    for column in columns:
        for pathway in column.pathways:
            previous = "you"
            for step in pathway.steps:
                node_id = f"o:{step.opportunity_id}"
                nodes.setdefault(node_id, {"id": node_id, "label": step.title, "kind": "step", "host": step.host})
                edge_id = f"{column.kind}:{previous}->{node_id}"
                edges.setdefault(edge_id, {"id": edge_id, "source": previous, "target": node_id, "kind": column.kind})
                previous = node_id
    return {"nodes": list(nodes.values()), "edges": list(edges.values())}


def pathway_page(scenario: Scenario, index, person: Person) -> PathwayPage:
    """The person's pathways of each kind, ready to render (at most three of each, three steps)."""
    result = index.pathways_for_person(person, max_steps=MAX_STEPS, per_kind=PATHWAYS_PER_KIND)
    columns = []
    for kind, (title, blurb) in KIND_TITLES.items():
        column = KindColumn(kind=kind, title=title, blurb=blurb)
        for pathway in result.of_kind(kind):
            column.pathways.append(PathwayView(
                steps=[_step_view(scenario, s) for s in pathway.steps],
                aspirations_percent=round(pathway.aspirations_reached * 100),
            ))
        columns.append(column)
    return PathwayPage(columns=columns, unreachable=list(result.unreachable), graph=pathway_graph(scenario, person, columns))
