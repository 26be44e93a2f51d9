"""Generated scenarios whose teams name regions and some of whose opportunities are remote, for
the tests of planning in parts (optimiser.distributed).

Until the region rule is read by `planner.eligibility`, the rule "a non-remote opportunity is
open only to people of its region" is also carried by skills: everyone holds their region's
skill at level 5, and a non-remote opportunity requires its host team's region skill at 5 (so
even a stretch of 4 levels cannot reach it from another region). The scenarios are therefore the
same problem whether or not the eligibility rules know regions yet."""

from __future__ import annotations

import numpy as np

from planner.domain import Policy, Scenario, Skill
from planner.generate import generate_scenario

REGION_SKILL_LEVEL = 5


def region_skill(region: str) -> str:
    return f"region-{region}"


def regional_scenario(people: int, seed: int, regions: int = 4, remote_share: float = 0.15,
                      **policy) -> Scenario:
    """A generated scenario of `people` staff with teams spread over `regions` regions (whole
    organisations per region where the organisations allow) and `remote_share` of the
    opportunities remote."""
    base = generate_scenario(people, seed)
    rng = np.random.default_rng([seed, 7])
    names = [f"R{i + 1}" for i in range(regions)]
    organisations = sorted({t.organisation for t in base.teams})
    region_of_org = {org: names[i % regions] for i, org in enumerate(rng.permutation(organisations).tolist())}
    # Organisations are few: their teams are spread over regions too, so every region has people.
    teams = tuple(t.model_copy(update={"region": names[i % regions] if len(organisations) < regions
                                       else region_of_org[t.organisation]})
                  for i, t in enumerate(base.teams))
    region_of_team = {t.team_id: t.region for t in teams}
    people_ = tuple(p.model_copy(update={"skills": {**p.skills, region_skill(region_of_team[p.team_id]):
                                                    REGION_SKILL_LEVEL}})
                    for p in base.people)
    remote = rng.random(len(base.opportunities)) < remote_share
    opps = tuple(o.model_copy(update={"remote": True}) if is_remote else
                 o.model_copy(update={"required_skills": {**o.required_skills,
                                                          region_skill(region_of_team[o.host_team_id]):
                                                          REGION_SKILL_LEVEL}})
                 for o, is_remote in zip(base.opportunities, remote.tolist()))
    skills = base.skills + tuple(Skill(skill_id=region_skill(r), name=f"Works in region {r}", category="region")
                                 for r in names)
    settings = {"time_limit_s": 20.0, "workers": 1, "random_seed": 0, **policy}
    return Scenario(skills=skills, teams=teams, people=people_, opportunities=opps, demand=base.demand,
                    policy=Policy(**settings))
