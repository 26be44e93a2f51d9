"""People and a person's pathways. Every read of a person goes through
`web.security.get_person_for` (403 for another person's record on a staff token, 404 for no
such person) and is audited by person id."""

from __future__ import annotations

from pydantic import BaseModel, Field
from spectree import Response

from planner.domain import Person, Problem
from planner.pathways import MAX_STEPS_LIMIT, PathwayInputError, PathwaysResult
from planner.services.assignments import moves_already_made
from planner.store._common import person_target
from web.api.core import (
    ErrorOut,
    InputRefused,
    PageQuery,
    ProblemsOut,
    QueryModel,
    api_roles,
    audit_read,
    bp,
    describe,
    page_of,
    parse_query,
    scenario_or_404,
)
from web.data_access import derived, engine, pathway_index
from web.security import current_user, get_person_for

EVERYONE_ROLES = ("hr", "emergency", "admin")


class PeoplePage(BaseModel):
    items: list[Person]
    page: int
    per_page: int
    total: int
    next: str | None


@bp.get("/people")
@api_roles(*EVERYONE_ROLES)
@describe(tags=("people",), query=PageQuery,
          resp=Response(HTTP_200=PeoplePage, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_422=ProblemsOut))
def list_people():
    """Everyone in the stored scenario, in import order, a page at a time (HR, emergency
    planners, admins; a staff token reads only its own person at /people/{person_id})."""
    query = parse_query(PageQuery)
    scenario = scenario_or_404()
    body = page_of(scenario.people, query, "api.list_people", lambda p: p.model_dump(mode="json"))
    audit_read("people", f"page={query.page} per_page={query.per_page} count={len(body['items'])}")
    return body


@bp.get("/people/<person_id>")
@api_roles("staff", *EVERYONE_ROLES)
@describe(tags=("people",), resp=Response(HTTP_200=Person, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_404=ErrorOut))
def get_person(person_id: str):
    """One person's record (a staff token: only its own person)."""
    person = get_person_for(current_user(), person_id)
    audit_read(person_target(person.person_id), "record")
    return person.model_dump(mode="json")


class PathwaysQuery(QueryModel):
    target: str = Field(default="", max_length=200, description="an opportunity id to aim for (optional)")
    max_steps: int = Field(default=3, ge=1, le=MAX_STEPS_LIMIT)


@bp.get("/people/<person_id>/pathways")
@api_roles("staff", *EVERYONE_ROLES)
@describe(tags=("people",), query=PathwaysQuery,
          resp=Response(HTTP_200=PathwaysResult, HTTP_401=ErrorOut, HTTP_403=ErrorOut, HTTP_404=ErrorOut,
                        HTTP_422=ProblemsOut))
def person_pathways(person_id: str):
    """Networked, developmental and ladder pathways for a person, each step explained."""
    person = get_person_for(current_user(), person_id)
    query = parse_query(PathwaysQuery)
    scenario = scenario_or_404()
    if query.target and query.target not in scenario.opportunity_by_id:
        raise InputRefused([Problem(file="query", column="target", value=query.target,
                                    message=f"unknown opportunity {query.target!r}")])
    # Moves already made (the record) are never proposed again; they are part of the cache key.
    done = frozenset(m.opportunity_id for m in moves_already_made(engine(), person.person_id, scenario))
    try:
        result = derived(("api_pathways", person.person_id, query.target, query.max_steps, done),
                         lambda: pathway_index().pathways_for_person(person, target=query.target or None,
                                                                     max_steps=query.max_steps, done=done))
    except PathwayInputError as error:
        raise InputRefused([Problem(file="query", message=str(error))]) from None
    audit_read(person_target(person.person_id), "pathways")
    return result.model_dump(mode="json")
