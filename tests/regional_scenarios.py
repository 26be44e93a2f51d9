"""Generated scenarios whose teams name regions and some of whose opportunities are remote, for
the tests of planning in parts (optimiser.distributed): the generated scenario with its teams
spread over regions and a chosen share of its opportunities remote, so tests can set how much
crosses regions (eligibility rule 5 closes the other opportunities to other regions)."""

from __future__ import annotations

import numpy as np

from planner.domain import Policy, Scenario
from planner.generate import generate_scenario


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
    remote = rng.random(len(base.opportunities)) < remote_share
    opps = tuple(o.model_copy(update={"remote": bool(is_remote)})
                 for o, is_remote in zip(base.opportunities, remote.tolist()))
    settings = {"time_limit_s": 20.0, "workers": 1, "random_seed": 0, **policy}
    return Scenario(skills=base.skills, teams=teams, people=base.people, opportunities=opps, demand=base.demand,
                    policy=Policy(**settings))
