"""The equality report of a plan: each group's placement rate on a monitored characteristic
(special-category data), for HR and admins only.

A group's rate in a period is the people of the group placed in that period over the people of
the group who are available and eligible for at least one opportunity (the same count the
four-fifths rule in `optimiser.rules.equal_placement_rates` uses). Groups of fewer than
EQUALITY_MIN_GROUP such people are not shown, only counted: their rates are noise, and showing
them could identify who is in them. People who did not state the characteristic are in no group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optimiser.candidates import candidate_pairs, scenario_arrays
from planner.domain import EQUALITY_MIN_GROUP, Placement, Policy, Scenario


@dataclass(frozen=True)
class GroupRate:
    group: str
    eligible: int
    placed: tuple[int, ...]  # per period
    rates: tuple[float, ...]  # per period
    of_best: tuple[float, ...]  # rate over the best group's rate in the period (1.0 when nobody is placed)


@dataclass(frozen=True)
class EqualityReport:
    attribute: str
    min_ratio: float
    periods: int
    groups: list[GroupRate]
    suppressed_groups: int  # groups under EQUALITY_MIN_GROUP eligible people, not shown

    @property
    def meets_rule(self) -> bool:
        """Every shown group's rate is at least min_ratio times the best group's, in every period."""
        return all(ratio >= self.min_ratio - 1e-9 for g in self.groups for ratio in g.of_best)


def equality_report(scenario: Scenario, placements: list[Placement], periods: int,
                    attribute: str | None = None, policy: Policy | None = None) -> EqualityReport:
    """Placement rates per group of `attribute` (default: the policy's equality.attribute), with
    eligibility as under `policy` (the plan's; default the scenario's). Raises ValueError in
    plain words when no monitored characteristic is named."""
    policy = policy or scenario.policy
    equality = policy.equality
    monitored = equality.monitored
    attribute = (attribute or (monitored[0] if equality.attribute else "")).strip().lower()
    if not attribute:
        raise ValueError("the policy names no equality-monitoring column (policy.json: equality.attribute)")
    if attribute not in monitored:
        raise ValueError(f"{attribute!r} is not a monitoring column of this scenario's policy "
                         f"(it has: {', '.join(monitored) or 'none'})")
    periods = max(1, periods)
    arrays = scenario_arrays(scenario)
    eligible = np.zeros(arrays.n_people, dtype=bool)
    eligible[candidate_pairs(scenario, policy)["person"].to_numpy()] = True
    values = scenario.monitoring
    group_of = {pid: values.get(pid, {}).get(attribute, "")
                for pid, ok in zip(arrays.person_ids, eligible.tolist()) if ok}
    sizes: dict[str, int] = {}
    for value in group_of.values():
        if value:
            sizes[value] = sizes.get(value, 0) + 1
    shown = sorted(g for g, n in sizes.items() if n >= EQUALITY_MIN_GROUP)
    placed = {g: [0] * periods for g in shown}
    for p in placements:
        group = group_of.get(p.person_id, "")
        if group in placed and 1 <= p.period <= periods:
            placed[group][p.period - 1] += 1
    rates = {g: [placed[g][t] / sizes[g] for t in range(periods)] for g in shown}
    best = [max((rates[g][t] for g in shown), default=0.0) for t in range(periods)]
    groups = [GroupRate(group=g, eligible=sizes[g], placed=tuple(placed[g]), rates=tuple(rates[g]),
                        of_best=tuple(rates[g][t] / best[t] if best[t] > 0 else 1.0 for t in range(periods)))
              for g in shown]
    return EqualityReport(attribute=attribute, min_ratio=equality.min_ratio, periods=periods, groups=groups,
                          suppressed_groups=len(sizes) - len(shown))
