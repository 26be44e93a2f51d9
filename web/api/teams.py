"""Teams and opportunities: read by every role; HR adds and replaces opportunities, each checked
exactly like a row of opportunities.csv (same rules, same messages, 422 with the problems)."""

from __future__ import annotations

from flask import abort, url_for
from pydantic import BaseModel
from spectree import Response

from planner.domain import Opportunity, Problem, ScenarioError, Team
from planner.scenario_io.records import validate_opportunity
from planner.store import NotFound
from planner.store.opportunities import add_opportunity, replace_opportunity
from web.api.core import (
    ErrorOut,
    InputRefused,
    PageQuery,
    ProblemsOut,
    actor,
    api_roles,
    bp,
    describe,
    json_body,
    page_of,
    parse_query,
    scenario_or_404,
)
from web.data_access import engine, scenario_changed

ALL_ROLES = ("staff", "hr", "emergency", "admin")
OPPORTUNITY_WRITERS = ("hr",)


class TeamsPage(BaseModel):
    items: list[Team]
    page: int
    per_page: int
    total: int
    next: str | None


class OpportunitiesPage(BaseModel):
    items: list[Opportunity]
    page: int
    per_page: int
    total: int
    next: str | None


def _dump(item) -> dict:
    return item.model_dump(mode="json")


@bp.get("/teams")
@api_roles(*ALL_ROLES)
@describe(tags=("teams",), query=PageQuery, resp=Response(HTTP_200=TeamsPage, HTTP_401=ErrorOut, HTTP_422=ProblemsOut))
def list_teams():
    """Every team: organisation, service, how many may be released, critical skills, status."""
    query = parse_query(PageQuery)
    return page_of(scenario_or_404().teams, query, "api.list_teams", _dump)


@bp.get("/teams/<team_id>")
@api_roles(*ALL_ROLES)
@describe(tags=("teams",), resp=Response(HTTP_200=Team, HTTP_401=ErrorOut, HTTP_404=ErrorOut))
def get_team(team_id: str):
    """One team."""
    team = scenario_or_404().team_by_id.get(team_id)
    if team is None:
        abort(404, description="There is no team with this id.")
    return _dump(team)


@bp.get("/opportunities")
@api_roles(*ALL_ROLES)
@describe(tags=("opportunities",), query=PageQuery,
          resp=Response(HTTP_200=OpportunitiesPage, HTTP_401=ErrorOut, HTTP_422=ProblemsOut))
def list_opportunities():
    """Every opportunity (secondments, projects, development moves, shadowing, roles)."""
    query = parse_query(PageQuery)
    return page_of(scenario_or_404().opportunities, query, "api.list_opportunities", _dump)


@bp.get("/opportunities/<opportunity_id>")
@api_roles(*ALL_ROLES)
@describe(tags=("opportunities",), resp=Response(HTTP_200=Opportunity, HTTP_401=ErrorOut, HTTP_404=ErrorOut))
def get_opportunity(opportunity_id: str):
    """One opportunity."""
    opportunity = scenario_or_404().opportunity_by_id.get(opportunity_id)
    if opportunity is None:
        abort(404, description="There is no opportunity with this id.")
    return _dump(opportunity)


def _checked_opportunity(record) -> Opportunity:
    try:
        return validate_opportunity(record, scenario_or_404())
    except ScenarioError as error:
        raise InputRefused(error.problems) from None


@bp.post("/opportunities")
@api_roles(*OPPORTUNITY_WRITERS)
@describe(tags=("opportunities",), json=Opportunity,
          resp=Response(HTTP_201=Opportunity, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_422=ProblemsOut))
def create_opportunity():
    """Add an opportunity (HR). Checked like a row of opportunities.csv: 422 lists every problem
    with its column, message and suggestion; nothing is saved then."""
    opportunity = _checked_opportunity(json_body())
    try:
        add_opportunity(engine(), opportunity, actor=actor())
    except ScenarioError as error:
        raise InputRefused(error.problems) from None
    except NotFound:
        abort(404, description="No scenario has been imported yet.")
    scenario_changed()
    location = url_for("api.get_opportunity", opportunity_id=opportunity.opportunity_id)
    return _dump(opportunity), 201, {"Location": location}


@bp.put("/opportunities/<opportunity_id>")
@api_roles(*OPPORTUNITY_WRITERS)
@describe(tags=("opportunities",), json=Opportunity,
          resp=Response(HTTP_200=Opportunity, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_404=ErrorOut,
                        HTTP_422=ProblemsOut))
def update_opportunity(opportunity_id: str):
    """Replace an opportunity (HR): send every field, as in a row of opportunities.csv; the id
    is the one in the URL (a different `opportunity_id` in the body is refused)."""
    record = json_body()
    if isinstance(record, dict):
        record.setdefault("opportunity_id", opportunity_id)
    opportunity = _checked_opportunity(record)
    if opportunity.opportunity_id != opportunity_id:
        raise InputRefused([Problem(file="request body", column="opportunity_id", value=opportunity.opportunity_id,
                                    message="differs from the opportunity in the URL",
                                    suggestion="an opportunity's id cannot be changed; leave the field out")])
    try:
        replace_opportunity(engine(), opportunity, actor=actor())
    except NotFound:
        abort(404, description="There is no opportunity with this id.")
    scenario_changed()
    return _dump(opportunity)
