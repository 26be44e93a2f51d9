"""Host managers post and edit their teams' opportunities in the web app.

A posted opportunity is checked with exactly the rules and messages of a row of
opportunities.csv (`planner.scenario_io.one_row`) and stored in the stored scenario, so the next
plan offers it. A manager posts and edits only for the teams they manage.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Engine

from planner.domain import Opportunity, Problem, Scenario
from planner.scenario_io.one_row import check_opportunity_row
from planner.services import events
from planner.services.consent import NotTheirs
from planner.store.postings import save_opportunity


class OpportunityRejected(ValueError):
    """The posted row breaks the rules of opportunities.csv; `problems` says where and why."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(p.describe() for p in problems))


def host_manager_posts_for_own_team(host_team_id: str, managed_teams: Iterable[str]) -> None:
    """An opportunity is posted or changed only by a line manager of the team that hosts it."""
    if host_team_id not in set(managed_teams):
        raise NotTheirs("You can post and change opportunities only for the teams you manage.")


def opportunities_of_teams(scenario: Scenario, managed_teams: Iterable[str]) -> list[Opportunity]:
    """The opportunities hosted by the manager's teams, in stored order."""
    teams = set(managed_teams)
    return [o for o in scenario.opportunities if o.host_team_id in teams]


def post_opportunity(engine: Engine, scenario: Scenario, cells: dict[str, str], *, managed_teams: Iterable[str],
                     username: str) -> Opportunity:
    """Check a new opportunity row like an import, then store it for the manager's team
    (audited through `events.opportunity_posted`). Raises OpportunityRejected or NotTheirs."""
    managed = tuple(managed_teams)
    opportunity, problems = check_opportunity_row(cells, scenario, new=True)
    if opportunity is None:
        raise OpportunityRejected(problems)
    host_manager_posts_for_own_team(opportunity.host_team_id, managed)
    save_opportunity(engine, opportunity, on_saved=lambda c, _created: events.opportunity_posted(
        c, opportunity.opportunity_id, opportunity.host_team_id, username))
    return opportunity


def edit_opportunity(engine: Engine, scenario: Scenario, opportunity_id: str, cells: dict[str, str], *,
                     managed_teams: Iterable[str], username: str) -> Opportunity:
    """Check a changed row of one of the manager's teams' opportunities like an import (its id
    stays), then store it (audited through `events.opportunity_edited`). The opportunity must
    be hosted by one of their teams before and after the change."""
    managed = tuple(managed_teams)
    current = scenario.opportunity_by_id.get(opportunity_id)
    if current is None:
        raise NotTheirs("No such opportunity among your teams'.")
    host_manager_posts_for_own_team(current.host_team_id, managed)
    opportunity, problems = check_opportunity_row({**cells, "opportunity_id": opportunity_id}, scenario, new=False)
    if opportunity is None:
        raise OpportunityRejected(problems)
    host_manager_posts_for_own_team(opportunity.host_team_id, managed)
    save_opportunity(engine, opportunity, on_saved=lambda c, _created: events.opportunity_edited(
        c, opportunity.opportunity_id, opportunity.host_team_id, username))
    return opportunity
