"""Synthetic equality-monitoring columns for generated scenarios (`trellis generate
--monitoring ethnicity`): fictional values drawn from a seed, with some people not stating one,
so the four-fifths rule and the fairness report can be tried on realistic data.

Drawn from their own random stream, so a scenario generated without them is unchanged."""

from __future__ import annotations

import numpy as np

from planner.domain import EqualityPolicy, Scenario

# Broad groups and shares roughly like an English public-sector workforce; "" = not stated.
MONITORING_VALUES: dict[str, tuple[tuple[str, float], ...]] = {
    "ethnicity": (("White", 0.78), ("Asian", 0.08), ("Black", 0.05), ("Mixed", 0.03), ("Other", 0.02), ("", 0.04)),
    "sex": (("Female", 0.62), ("Male", 0.35), ("", 0.03)),
}


def with_monitoring(scenario: Scenario, attribute: str, seed: int) -> Scenario:
    """The scenario with a synthetic `attribute` column for every person and a policy that
    applies the four-fifths rule to it."""
    values, shares = zip(*MONITORING_VALUES[attribute])
    rng = np.random.default_rng([seed, 2])
    drawn = rng.choice(len(values), size=len(scenario.people), p=np.array(shares) / sum(shares))
    monitoring = {person.person_id: {attribute: values[k]} for person, k in zip(scenario.people, drawn.tolist())
                  if values[k]}
    policy = scenario.policy.model_copy(update={"equality": EqualityPolicy(attribute=attribute, min_ratio=0.8)})
    return scenario.model_copy(update={"monitoring": monitoring, "policy": policy})
