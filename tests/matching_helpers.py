"""Tiny hand-made scenarios for the matching tests: a few teams, people and opportunities, each
test changing only what its rule needs."""

from __future__ import annotations

from planner.domain import Opportunity, Person, Policy, Scenario, Team

FAST = {"time_limit_s": 5.0, "workers": 1, "random_seed": 0}


def team(team_id: str, org: str = "council", **kw) -> Team:
    kw.setdefault("max_release_share", 1.0)
    return Team(team_id=team_id, name=f"Team {team_id}", organisation=org, **kw)


def person(person_id: str, team_id: str = "home", grade: int = 5, **kw) -> Person:
    kw.setdefault("profession", "finance")
    return Person(person_id=person_id, name=f"Person {person_id}", team_id=team_id, grade=grade, **kw)


def opportunity(opp_id: str, host: str = "host", **kw) -> Opportunity:
    kw.setdefault("kind", "secondment")
    return Opportunity(opportunity_id=opp_id, title=f"Opportunity {opp_id}", host_team_id=host, **kw)


def scenario(people, opps, teams=None, **policy) -> Scenario:
    teams = teams or [team("home"), team("host")]
    return Scenario(teams=tuple(teams), people=tuple(people), opportunities=tuple(opps),
                    policy=Policy(**{**FAST, **policy}))


def placed(plan) -> set[tuple[str, str]]:
    return {(p.person_id, p.opportunity_id) for p in plan.placements}
