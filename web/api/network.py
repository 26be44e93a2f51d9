"""The organisation as a network of teams, before and after a matching plan (teams and services
only, never a named person)."""

from __future__ import annotations

from flask import abort
from pydantic import Field
from spectree import Response

from planner.domain import Placement
from planner.network import NetworkReport, organisation_network
from planner.store import NotFound, get_plan, latest_plan
from web.api.core import ErrorOut, ProblemsOut, QueryModel, api_roles, bp, describe, parse_query, scenario_or_404
from web.data_access import engine
from web.network_view import NETWORK_ROLES


class NetworkQuery(QueryModel):
    plan_id: int | None = Field(default=None, ge=1, description="a matching plan (default: the newest approved, "
                                                              "else the newest)")


def _chosen_plan(plan_id: int | None):
    if plan_id is None:
        return latest_plan(engine(), "matching", status="approved") or latest_plan(engine(), "matching")
    try:
        stored = get_plan(engine(), plan_id)
    except NotFound:
        stored = None
    if stored is None or stored.kind != "matching":
        abort(404, description="There is no matching plan with this id.")
    return stored


@bp.get("/network")
@api_roles(*NETWORK_ROLES)
@describe(tags=("network",), query=NetworkQuery,
          resp=Response(HTTP_200=NetworkReport, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_404=ErrorOut,
                        HTTP_422=ProblemsOut))
def network():
    """Teams, the links between them (shared skills, and the moves of a plan), the metrics
    (islands, groups, steps apart, bridges) and the flows between services."""
    query = parse_query(NetworkQuery)
    scenario = scenario_or_404()
    stored = _chosen_plan(query.plan_id)
    placements = None
    if stored is not None:
        # People or opportunities removed since the plan was made are left out.
        placements = [p for p in (Placement.model_validate(item) for item in (stored.result or {}).get("placements", []))
                      if p.person_id in scenario.person_by_id and p.opportunity_id in scenario.opportunity_by_id]
    report = organisation_network(scenario, placements)
    body = report.model_dump(mode="json")
    body["plan_id"] = None if stored is None else stored.id
    return body
