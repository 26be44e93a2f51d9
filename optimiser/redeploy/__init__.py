"""Crisis redeployment: cover critical demand by skill and urgency, re-plan without reshuffling.

`redeploy(scenario, plan_date=None, baseline=None, time_limit_s=30, on_progress=None)` returns a
`RedeployResult`. See `solver.py` for the method and `rules.py` for the rules.
"""

from optimiser.redeploy.solver import redeploy
from planner.redeploy_results import (
    Assignment,
    BaselineChanges,
    PriorityCoverage,
    Progress,
    Protected,
    RedeployResult,
    TeamCoverage,
    UncoveredDemand,
)

__all__ = [
    "Assignment",
    "BaselineChanges",
    "PriorityCoverage",
    "Progress",
    "Protected",
    "RedeployResult",
    "TeamCoverage",
    "UncoveredDemand",
    "redeploy",
]
