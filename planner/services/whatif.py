"""What if: one change (drop a skill requirement, or allow stretch) planned beside a saved plan
version, so HR sees which placements it opens up and which it loses before changing anything."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from optimiser.matching import what_if
from planner.domain import Policy, Scenario
from planner.services.plans import plan_summary
from planner.services.work import JobOutcome
from planner.store import StoredPlan

CHANGES = ("stretch", "relax")


@dataclass(frozen=True)
class WhatIfChange:
    """The change to try: `stretch` (every requirement may be met `stretch_levels` short) or
    `relax` (drop `skill` from one opportunity, or from every opportunity that requires it)."""

    change: str
    stretch_levels: int = 1
    skill: str = ""
    opportunity_id: str = ""


def required_skills(scenario: Scenario | None) -> list[tuple[str, str]]:
    """The skills some opportunity requires, as (id, catalogue name) in name order: the
    requirements a what-if can drop."""
    if scenario is None:
        return []
    names = scenario.skill_name_by_id
    ids = {s for o in scenario.opportunities for s in o.required_skills}
    return sorted(((s, names.get(s, s)) for s in ids), key=lambda pair: pair[1].casefold())


def requirements_to_relax(change: WhatIfChange, scenario: Scenario) -> list[tuple[str, str]]:
    """The (opportunity, skill) requirements the change drops: one opportunity's, or every
    opportunity's that requires the skill."""
    if change.change != "relax":
        return []
    return [(o.opportunity_id, change.skill) for o in scenario.opportunities
            if change.skill in o.required_skills
            and (not change.opportunity_id or o.opportunity_id == change.opportunity_id)]


def change_problem(change: WhatIfChange, scenario: Scenario) -> str | None:
    """A requirement can be dropped only where it exists: relaxing a skill no chosen
    opportunity requires would compare a plan with itself."""
    if change.change == "relax" and not requirements_to_relax(change, scenario):
        return "That opportunity does not require that skill: choose a requirement that exists."
    return None


def describe_change(change: WhatIfChange, scenario: Scenario) -> str:
    """The change in the words a planner would use."""
    if change.change == "stretch":
        return f"allow a stretch of {change.stretch_levels} level(s) on every required skill"
    where = "every opportunity"
    if change.opportunity_id:
        opp = scenario.opportunity_by_id.get(change.opportunity_id)
        where = f"“{opp.title}”" if opp else change.opportunity_id
    return f"drop the {scenario.skill_name_by_id.get(change.skill, change.skill)} requirement from {where}"


def whatif_work(scenario: Scenario, policy: Policy, stored: StoredPlan, change: WhatIfChange, description: str):
    """Plan the scenario as it is and with the change, side by side (`optimiser.matching.what_if`,
    each side with half the time limit), under the policy of the chosen plan version."""
    relax = requirements_to_relax(change, scenario)
    stretch = change.stretch_levels if change.change == "stretch" else None

    def work(progress) -> JobOutcome:
        outcome = what_if(scenario, relax=relax, stretch=stretch, policy=policy, on_progress=progress,
                          stop=getattr(progress, "stop", None))
        return JobOutcome({
            "status": outcome.changed.status, "change": description, "base_plan_id": stored.id,
            "base_version": stored.version,
            "eligible_pairs_before": outcome.eligible_pairs_before,
            "eligible_pairs_after": outcome.eligible_pairs_after,
            "people_newly_eligible": outcome.people_newly_eligible,
            "eligible_by_opportunity": outcome.eligible_by_opportunity.to_dict(orient="records"),
            "base": {**plan_summary(outcome.baseline),
                     "placements": [p.model_dump() for p in outcome.baseline.placements]},
            "variant": {**plan_summary(outcome.changed),
                        "placements": [p.model_dump() for p in outcome.changed.placements]},
        })

    return work


def compare_placements(base: list[dict], variant: list[dict]) -> dict[str, list[tuple[str, str]]]:
    """Which placements the change opens up, which it loses, and which stay."""
    before = {(p["person_id"], p["opportunity_id"]) for p in base}
    after = {(p["person_id"], p["opportunity_id"]) for p in variant}
    return {"opened": sorted(after - before), "lost": sorted(before - after), "kept": sorted(before & after)}


def eligibility_opened_up(result: dict[str, Any], scenario: Scenario | None) -> list[tuple[str, int, int]]:
    """Per opportunity (by title where known): how many people were eligible before and after."""
    opps = scenario.opportunity_by_id if scenario else {}
    return [(opps[r["opportunity_id"]].title if r["opportunity_id"] in opps else r["opportunity_id"],
             r["before"], r["after"]) for r in result.get("eligible_by_opportunity", [])]
