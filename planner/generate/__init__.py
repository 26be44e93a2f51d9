"""Seeded scenario generator: a realistic, fictional workforce of any size.

`generate_scenario(people, seed, crisis)` builds the staff of Riverbrook's four employers
(`planner.sample_place`): teams of 8-60 people whose number grows with the workforce, skills
that follow each person's profession and grade, a few rare skills, part-time staff, social
workers and planners who must keep practising, aspirations, opportunities of every kind (about
one per 7.5 people) and ranked preferences, mostly for opportunities the person could (nearly)
take. With `crisis=True` the same place is in an emergency: paused and critical services,
crisis demand by skill and priority, and recent redeployments. With `regions=R` the workforce
is national: R English regions, each drawn as a place of its size with its own employers, and
about one opportunity in ten remote (`planner.generate.regions`).

The same `people` and `seed` always give the same scenario; the crisis extras come from a
separate random stream, so a crisis scenario is its calm twin plus the crisis.

Everything is drawn with numpy over arrays; only the final pydantic objects are built per item.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from planner import sample_place as place
from planner.domain import Demand, Policy, Scenario, Skill
from planner.generate.crisis import (
    draw_crisis_demand,
    draw_crisis_statuses,
    draw_last_redeployed,
)
from planner.generate.critical_skills import set_critical_skills
from planner.generate.measure import eligible_pair_count
from planner.generate.models import opportunity_models, person_models, team_models
from planner.generate.opportunities import draw_opportunities
from planner.generate.people import draw_people
from planner.generate.regions import MAX_REGIONS, MIN_PEOPLE_PER_REGION, draw_regional_teams, draw_remote
from planner.generate.settings import (
    GENERATED_TIME_LIMIT_S,
    MAX_PEOPLE,
    MIN_PEOPLE,
    PLAN_DATE,
    SAMPLE_PEOPLE,
    SAMPLE_SEED,
)
from planner.generate.teams import draw_release_limits, draw_teams
from planner.generate.wishes import draw_aspirations, draw_preferences


def generate_scenario(people: int, seed: int, crisis: bool = False, regions: int = 0) -> Scenario:
    """A fictional Riverbrook scenario of `people` staff, the same for the same seed. With
    `regions` (1 to `MAX_REGIONS`), a national one: the staff spread over that many English
    regions, each with its own employers, and about one opportunity in ten remote
    (`planner.generate.regions`); without, the scenario has no regions at all."""
    if not MIN_PEOPLE <= people <= MAX_PEOPLE:
        raise ValueError(f"people must be between {MIN_PEOPLE} and {MAX_PEOPLE:,}, not {people}")
    if regions and not 1 <= regions <= MAX_REGIONS:
        raise ValueError(f"regions must be between 1 and {MAX_REGIONS}, not {regions}")
    if regions and people < MIN_PEOPLE_PER_REGION * regions:
        raise ValueError(f"{regions} regions need at least {MIN_PEOPLE_PER_REGION * regions:,} people "
                         f"({MIN_PEOPLE_PER_REGION} per region), not {people:,}")
    rng = np.random.default_rng([seed, 0])
    teams = draw_regional_teams(people, regions, rng) if regions else draw_teams(people, rng)
    staff = draw_people(teams, rng)
    opps = draw_opportunities(teams, staff, rng)
    if regions:  # from a stream of its own, like the crisis extras
        opps.remote = draw_remote(opps.count, np.random.default_rng([seed, 3]))
    staff.aspirations = draw_aspirations(staff, opps, rng)
    staff.preferences = draw_preferences(staff, opps, teams, rng)
    teams.critical = set_critical_skills(teams, staff, rng)
    teams.release_share, teams.min_staff = draw_release_limits(teams, rng)

    demand: list[Demand] = []
    policy = Policy(time_limit_s=GENERATED_TIME_LIMIT_S)
    statuses = ["normal"] * teams.count
    last_redeployed: list[date | None] = [None] * people
    if crisis:
        crisis_rng = np.random.default_rng([seed, 1])
        statuses = draw_crisis_statuses(teams)
        last_redeployed = draw_last_redeployed(people, crisis_rng)
        demand = draw_crisis_demand(teams, statuses, people, crisis_rng)
        policy = Policy(time_limit_s=GENERATED_TIME_LIMIT_S, plan_date=PLAN_DATE, rest_days=28)

    return Scenario(
        skills=tuple(Skill(skill_id=s, name=n, category=c) for s, n, c in place.SKILLS),
        teams=team_models(teams, statuses),
        people=person_models(staff, teams, opps, last_redeployed),
        opportunities=opportunity_models(opps, teams),
        demand=tuple(demand),
        policy=policy,
    )


__all__ = ["MAX_PEOPLE", "MAX_REGIONS", "MIN_PEOPLE", "PLAN_DATE", "SAMPLE_PEOPLE", "SAMPLE_SEED", "eligible_pair_count",
           "generate_scenario"]
