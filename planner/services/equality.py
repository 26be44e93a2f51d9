"""The equality report of a saved plan version, as HR and admins see it (special-category data:
the views that call this are for those roles only)."""

from __future__ import annotations

from optimiser.equality_report import EqualityReport, equality_report
from planner.domain import Placement, Policy, Scenario
from planner.store import StoredPlan


def plan_equality_report(stored: StoredPlan, scenario: Scenario, attribute: str | None = None) -> EqualityReport:
    """Placement rates per group of `attribute` (default: the policy's equality.attribute) in a
    saved version; raises ValueError in plain words when the scenario monitors no such column."""
    result = stored.result or {}
    placements = [Placement.model_validate(p) for p in result.get("placements", [])]
    # Eligibility as the run had it (its stretch), monitoring columns as the scenario has them.
    policy = scenario.policy
    if stored.policy:
        policy = Policy.model_validate(stored.policy).model_copy(update={"equality": scenario.policy.equality})
    return equality_report(scenario, placements, int(result.get("periods") or 1), attribute, policy)
