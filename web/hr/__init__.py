"""The HR planning console: import a scenario, run the optimiser, review and decide its
placements, compare what-ifs, export.

One blueprint, `hr`, whose views live in one module per task: `imports` (upload, check, commit),
`plans` (the policy form, background runs and plan exports), `review` (a plan version searched,
filtered and paged), `decisions` (accept, reject, approve, re-run) and `whatif`. Each view parses its form, calls a service of
`planner.services` and renders; the rules themselves live in the services, where the command
line reaches them too. The forms below are the console's boundary: every field typed and
bounded, unknown fields refused.
"""

from __future__ import annotations

from flask import Blueprint
from pydantic import Field

from planner.services.plans import MAX_SOLVE_SECONDS
from web.security import FormModel

bp = Blueprint("hr", __name__, url_prefix="/hr")

NAV = [
    ("hr.index", "Plan", ("hr",)),
    ("hr.import_form", "Import", ("hr", "admin")),
    ("hr.programme_view", "Programme", ("hr", "admin")),
]

IMPORT_ROLES = ("hr", "admin")
PLAN_ROLES = ("hr",)


class CommitForm(FormModel):
    token: str = Field(min_length=1, max_length=100)
    keep_staff_edits: bool = False  # the preview's checkbox, ticked by default


class PolicyForm(FormModel):
    """The policy form as posted; `planner.services.plans.policy_for_run` turns it into a `Policy`."""

    stretch_levels: int = Field(default=0, ge=0, le=4)
    periods: int = Field(default=1, ge=1, le=12)
    start: str = Field(default="", max_length=10, pattern=r"^(\d{4}-\d{2}-\d{2})?$")
    period_months: int = Field(default=6, ge=1, le=24)
    time_limit_s: float = Field(default=30.0, gt=0, le=MAX_SOLVE_SECONDS)
    stable: bool = False
    max_cross_organisation: str = Field(default="", max_length=6, pattern=r"^\d*$")
    fairness_bands: str = Field(default="", max_length=200)
    fairness_min_share: float = Field(default=0.0, ge=0, le=1)
    w_skill_fit: float = Field(default=3.0, ge=0, le=100)
    w_development: float = Field(default=4.0, ge=0, le=100)
    w_preference: float = Field(default=5.0, ge=0, le=100)
    w_network: float = Field(default=2.0, ge=0, le=100)
    w_diversity: float = Field(default=1.0, ge=0, le=100)


class DecisionForm(FormModel):
    person_id: str = Field(min_length=1, max_length=200)
    opportunity_id: str = Field(min_length=1, max_length=200)
    decision: str = Field(pattern=r"^(accepted|rejected)$")


class GroupDecisionForm(FormModel):
    """Accept or reject every placement a review filter matches (`expected`: how many the planner saw)."""

    q: str = Field(default="", max_length=200)
    team: str = Field(default="", max_length=200)
    organisation: str = Field(default="", max_length=200)
    decided: str = Field(default="", pattern=r"^(|accepted|rejected|undecided)$")
    kind: str = Field(default="", max_length=40)
    decision: str = Field(pattern=r"^(accepted|rejected)$")
    expected: int = Field(ge=0, le=10_000_000)


class EmptyForm(FormModel):
    pass


class WhatIfForm(FormModel):
    plan_id: int = Field(ge=1, le=2**31 - 1)  # ids are 32-bit integers in PostgreSQL
    change: str = Field(pattern=r"^(stretch|relax)$")
    stretch_levels: int = Field(default=1, ge=0, le=4)
    skill: str = Field(default="", max_length=200)
    opportunity_id: str = Field(default="", max_length=200)


# The view modules add their routes to `bp` and import it and the forms from here, so they are
# imported last, once both exist.
from web.hr import decisions, equality, imports, plans, programme, review, runs, whatif  # noqa: E402, F401
