"""The network view, for leaders (HR and admins): the organisation as a graph of teams before
and after a plan, the pathways issue's metrics (islands, groups, steps apart, bridges, links
across organisations), and the flow of people between services as a Sankey chart.

Everything here is about teams and services, never about a named person. Assignments in force
in the record (approved placements, confirmed redeployments) are links the organisation already
has: they count before the plan. The figures come from
`planner.network.organisation_network`; this module only chooses the plan and draws.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask import Blueprint, abort, jsonify, render_template

from planner.network_groups import TEAMS_SHOWN_AT_ONCE, grouped_network
from planner.services.assignments import team_links_on
from web.data_access import current_scenario, engine
from web.security import int_param, roles_required

bp = Blueprint("network", __name__, url_prefix="/network")

NETWORK_ROLES = ("hr", "admin")
NAV = [("network.index", "Network", NETWORK_ROLES)]

# The metrics of `NetworkMetrics` a leader reads, in order, with how to show them.
METRIC_ROWS = [
    ("teams", "Teams", "count"),
    ("links", "Links between teams", "count"),
    ("isolated_teams", "Teams with no link (islands)", "count"),
    ("groups", "Separate groups of teams", "count"),
    ("largest_group_share", "Share of teams in the largest group", "share"),
    ("connected_pairs_share", "Team pairs connected at all", "share"),
    ("average_steps", "Average steps between connected teams", "steps"),
    ("linked_across_organisations_share", "Teams linked to another organisation", "share"),
    ("bridges", "Bridges (links whose loss splits a group)", "count"),
]


def _chosen_plan():
    """The plan asked for (`?plan_id=`), else the newest approved matching plan, else the newest."""
    from planner.store import NotFound, get_plan, latest_plan

    plan_id = int_param("plan_id")
    if plan_id is not None:
        try:
            stored = get_plan(engine(), plan_id)
        except NotFound:
            abort(404)
        if stored.kind != "matching":
            abort(404)
        return stored
    return latest_plan(engine(), "matching", status="approved") or latest_plan(engine(), "matching")


def _report(scenario, stored):
    """The network report of the scenario and the plan's placements that still resolve (people
    or opportunities removed since the plan was made are left out, and counted)."""
    from planner.domain import Placement
    from planner.network import organisation_network

    on_record = team_links_on(engine(), scenario, date.today())
    if stored is None:
        return organisation_network(scenario, on_record=on_record), 0
    placements = [Placement.model_validate(p) for p in (stored.result or {}).get("placements", [])]
    usable = [p for p in placements
              if p.person_id in scenario.person_by_id and p.opportunity_id in scenario.opportunity_by_id]
    return organisation_network(scenario, usable, on_record), len(placements) - len(usable)


def link_tables(report, grouped):
    """The graph in words, for screen readers and anyone who prefers a table: each service with
    the services it is linked to (today, and only through the plan), and each team likewise."""
    team_name = {n.id: n.label for n in report.nodes}
    group_name = {g.id: g.service for g in grouped.groups}
    team_today, team_added = defaultdict(list), defaultdict(list)
    for e in report.edges:
        side = team_added if e.from_plan else team_today
        side[e.source].append(team_name[e.target])
        side[e.target].append(team_name[e.source])
    group_today, group_added = defaultdict(list), defaultdict(list)
    for link in grouped.links:
        for a, b in ((link.source, link.target), (link.target, link.source)):
            if link.links_today:
                group_today[a].append(f"{group_name[b]} ({link.links_today})")
            if link.links_added:
                group_added[a].append(f"{group_name[b]} ({link.links_added})")
    services = [(g.service, g.organisation, len(g.team_ids), g.headcount, group_today[g.id], group_added[g.id])
                for g in grouped.groups]
    service_of = {t: g for g in grouped.groups for t in g.team_ids}
    teams = [(n.label, service_of[n.id].service, n.organisation, n.headcount,
              sorted(team_today[n.id]), sorted(team_added[n.id]))
             for n in sorted(report.nodes, key=lambda n: (service_of[n.id].service, n.label))]
    return services, teams


def metric_text(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "share":
        return f"{round(value * 100)}%"
    if kind == "steps":
        return f"{value:.1f}"
    return str(value)


@bp.get("/")
@roles_required(*NETWORK_ROLES)
def index():
    from planner.store import list_plans

    scenario = current_scenario()
    if scenario is None:
        return render_template("network/index.html", scenario=None, plans=[], stored=None)
    stored = _chosen_plan()
    report, dropped = _report(scenario, stored)
    metrics = [(label, metric_text(getattr(report.before, key), kind),
                metric_text(getattr(report.after, key), kind) if report.after else None)
               for key, label, kind in METRIC_ROWS]
    names = {t.team_id: t.name for t in scenario.teams}
    new_links = [(names[e.source], names[e.target], e.people_moved, e.shared_placements, e.cross_organisation)
                 for e in report.edges if e.from_plan]
    services, teams = link_tables(report, grouped_network(report))
    return render_template("network/index.html", scenario=scenario, plans=list_plans(engine(), "matching"),
                           stored=stored, service_rows=services, team_rows=teams,
                           teams_first=len(report.nodes) <= TEAMS_SHOWN_AT_ONCE, report=report, metrics=metrics, new_links=new_links, dropped=dropped,
                           bridging=[names.get(t, t) for t in (report.after or report.before).bridging_teams],
                           islands=[names.get(t, t) for t in (report.after or report.before).isolated_team_ids])


@bp.get("/data.json")
@roles_required(*NETWORK_ROLES)
def data():
    """What the charts draw: nodes, links (with whether the plan made them) and service flows."""
    scenario = current_scenario()
    if scenario is None:
        abort(404)
    stored = _chosen_plan()
    report, _dropped = _report(scenario, stored)
    return jsonify({
        "plan": None if stored is None else {"id": stored.id, "version": stored.version, "status": stored.status},
        "nodes": [n.model_dump() for n in report.nodes],
        "edges": [e.model_dump() for e in report.edges],
        "flows": [f.model_dump() for f in report.flows],
        "organisations": sorted({n.organisation for n in report.nodes}),
        "grouped": grouped_network(report).model_dump(),
    })
