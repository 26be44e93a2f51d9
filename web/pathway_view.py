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
    target_reached: bool | None = None


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


GRAPH_LABEL_LENGTH = 48


def short_label(title: str, limit: int = GRAPH_LABEL_LENGTH) -> str:
    """Graph labels stay short (the full title is in the step list beside the graph)."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def pathway_graph(scenario: Scenario, person: Person, columns: list[KindColumn]) -> dict:
    """One lane per route: the person now on the left, then each step of the route one column
    further on; edges carry the route's kind (networked, developmental, ladder). A move on two
    routes appears in both lanes, so lanes never tangle. `lane` and `step` place each node."""
    lanes = sum(len(column.pathways) for column in columns)
    nodes = [{"id": "you", "label": "You now", "kind": "you", "lane": (lanes - 1) / 2 if lanes else 0, "step": 0}]
    edges = []
    lane = 0
    for column in columns:
        for r, pathway in enumerate(column.pathways, start=1):
            previous = "you"
            for s, step in enumerate(pathway.steps, start=1):
                node_id = f"{column.kind}-{r}-{s}"
                nodes.append({"id": node_id, "label": short_label(step.title), "kind": column.kind,
                              "lane": lane, "step": s})
                edges.append({"id": f"{previous}->{node_id}", "source": previous, "target": node_id, "kind": column.kind})
                previous = node_id
            lane += 1
    return {"nodes": nodes, "edges": edges, "lanes": lanes}


def pathway_page(scenario: Scenario, index, person: Person, target: str | None = None,
                 done: frozenset[str] = frozenset()) -> PathwayPage:
    """The person's pathways of each kind, ready to render (at most three of each, three steps),
    aimed at `target` (an opportunity id, usually a role) when given, else at their aspirations;
    never through an opportunity in `done` (moves already made, from their record)."""
    result = index.pathways_for_person(person, target=target or None, max_steps=MAX_STEPS, per_kind=PATHWAYS_PER_KIND,
                                       done=done)
    columns = []
    for kind, (title, blurb) in KIND_TITLES.items():
        column = KindColumn(kind=kind, title=title, blurb=blurb)
        for pathway in result.of_kind(kind):
            column.pathways.append(PathwayView(
                steps=[_step_view(scenario, s) for s in pathway.steps],
                aspirations_percent=round(pathway.aspirations_reached * 100),
                target_reached=pathway.target_reached,
            ))
        columns.append(column)
    return PathwayPage(columns=columns, unreachable=list(result.unreachable), graph=pathway_graph(scenario, person, columns))
