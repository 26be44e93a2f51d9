"""Turn a person's `PathwaysResult` into what the My pathways page shows: three columns (networked,
developmental, the ladder) of numbered steps with their plain-words explanations, and a graph
(nodes and edges for Cytoscape) that shows the same routes at a glance. The graph is decoration
over the text: everything it shows is also in the columns, for screen readers and keyboards."""

from __future__ import annotations

import re
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
    empty_reason: str = ""


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


GRAPH_LABEL_LENGTH = 90


def short_label(title: str, limit: int = GRAPH_LABEL_LENGTH) -> str:
    """Graph labels wrap over lines; only a very long title is shortened (the full title is in
    the step list beside the graph)."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def pathway_graph(scenario: Scenario, person: Person, columns: list[KindColumn]) -> dict:
    """A lane per route (a route drawn entirely by earlier ones leaves none): the person now on
    the left, then each step of the route one column further on; edges carry the route's kind
    (networked, developmental, ladder). A step shared by several routes is one node (where it
    first appears), so the same move is never drawn twice; `lane` and `step` place each node."""
    routes = sum(len(column.pathways) for column in columns)
    nodes = []
    edges = []
    placed: set[str] = set()
    lane = 0
    for column in columns:
        for pathway in column.pathways:
            previous = "you"
            for s, step in enumerate(pathway.steps, start=1):
                node_id = f"step-{step.opportunity_id}"
                if node_id not in placed:
                    placed.add(node_id)
                    nodes.append({"id": node_id, "label": short_label(step.title), "kind": column.kind,
                                  "lane": lane, "step": s})
                edge_id = f"{previous}->{node_id}:{column.kind}"
                if all(e["id"] != edge_id for e in edges):
                    edges.append({"id": edge_id, "source": previous, "target": node_id, "kind": column.kind})
                previous = node_id
            lane += 1
    # Routes whose steps were all drawn already leave their lane empty: close the gaps.
    used = {old: new for new, old in enumerate(sorted({n["lane"] for n in nodes}))}
    for n in nodes:
        n["lane"] = used[n["lane"]]
    lanes = len(used)
    you = {"id": "you", "label": "You now", "kind": "you", "lane": (lanes - 1) / 2 if lanes else 0, "step": 0}
    return {"nodes": [you, *nodes], "edges": edges, "lanes": lanes, "routes": routes,
            "steps": max((n["step"] for n in nodes), default=0)}


def plain_names(note: str, scenario: Scenario) -> str:
    """A note in people's words: skill codes become the catalogue's skill names, opportunity ids
    their titles and team ids the team's name (codes mean nothing to the person reading)."""
    for o in scenario.opportunities:  # "O3 (Title)" reads as just the title
        note = note.replace(f"{o.opportunity_id} ({o.title})", f"“{o.title}”")
    names = {**{t.team_id: t.name for t in scenario.teams},
             **{o.opportunity_id: f"“{o.title}”" for o in scenario.opportunities},
             **scenario.skill_name_by_id}
    names = {code: name for code, name in names.items() if code and code != name}
    if not names:
        return note
    pattern = re.compile(r"(?<![\w-])(" + "|".join(re.escape(c) for c in sorted(names, key=len, reverse=True)) + r")(?![\w-])")
    return pattern.sub(lambda m: names[m.group(1)], note)


def empty_column_reason(kind: str, person: Person, target_title: str | None) -> str:
    """Why a column of routes is empty, in a sentence: the person is not open to a move; the
    ladder has no promotion open in their profession; no move leads towards their aim; or no
    move open to them would grow a skill beyond what they hold."""
    if not person.available:
        return "You are marked as not open to a move in this plan, so no route is shown."
    if kind == "ladder":
        return (f"No promotion in {person.profession} is open to you within {MAX_STEPS} moves right now; "
                "“Out of reach for now” below says what stands in the way.")
    if kind == "networked":
        aim = f"towards {target_title}" if target_title else (
            "towards your aspirations" if person.aspirations else "yet: add the skills you want to grow, and routes will aim for them")
        return f"No move across teams, professions or organisations that is open to you leads {aim}."
    return "No opportunity open to you right now would grow a skill beyond the level you already hold."


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
        if not column.pathways:
            target_title = scenario.opportunity_by_id[target].title if target in scenario.opportunity_by_id else None
            column.empty_reason = empty_column_reason(kind, person, target_title)
        columns.append(column)
    return PathwayPage(columns=columns, unreachable=[plain_names(note, scenario) for note in result.unreachable],
                       graph=pathway_graph(scenario, person, columns))
