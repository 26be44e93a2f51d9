"""A plan in the words HR uses: what the run achieved, why each placement was made, and names
(skills, teams, organisations, opportunities) where the optimiser's texts carry codes.

The optimiser reports a solver status, an objective, a bound and a gap; a planner wants to know
whether the plan is the best possible, how far from it, or why there is none. The figures stay
available as technical details; these functions give the sentence that comes first.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from planner.domain import SKILL_LEVEL_NAMES, Policy, Scenario, Weights

ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth"}

# How many score terms the "why" sentence names at most (the largest first).
WHY_TERMS = 3


@dataclass(frozen=True)
class Outcome:
    """What a run achieved, in words: `headline` first, `reason` when there is a problem;
    `problem` is True for a plan that places nobody or none at all (shown as an alert, and the
    version cannot be approved)."""

    headline: str
    reason: str = ""
    problem: bool = False


def plan_outcome(status: str | None, objective: float | None, best_bound: float | None, gap: float | None,
                 placements: int, conflicts: list[str] | tuple[str, ...] = (), nobody_reason: str = "") -> Outcome:
    """The headline of a run: the best possible plan (proven), a good plan at most a stated share
    below the best possible, or no plan at all and why. A plan that places nobody is a problem
    whatever the solver says: there is nothing to approve."""
    if status == "INFEASIBLE" or conflicts:
        rules = "; ".join(conflicts) if conflicts else "the rules cannot all hold together"
        return Outcome("No plan can keep every rule", f"These rules conflict: {rules}.", problem=True)
    if status == "STOPPED_EARLY" and placements:
        below = f", at most {share_in_words(gap)} below the best possible" if gap is not None else ""
        return Outcome(f"Stopped early on request: the best plan found so far{below}")
    if status not in ("OPTIMAL", "FEASIBLE"):
        return Outcome("No plan was found in the time allowed",
                       "Give the run more time, or simplify the policy, and run it again.", problem=True)
    if placements == 0:
        return Outcome("This plan places nobody",
                       nobody_reason or "No one who asked for a move could be placed under these rules.",
                       problem=True)
    if status == "OPTIMAL" or (gap is not None and gap <= 1e-9):
        return Outcome("Best possible plan (proven)")
    if gap is None:
        return Outcome("Good plan - not proven to be the best possible")
    return Outcome(f"Good plan - at most {share_in_words(gap)} below the best possible")


def outcome_of_result(result: Mapping[str, Any] | None, policy: Mapping[str, Any] | None,
                      scenario: Scenario | None = None) -> Outcome:
    """The headline of a saved plan or of a finished run's summary (`placements` a list or a
    count), with conflicting rules and reasons in names."""
    result = result or {}
    placed = result.get("placements") or 0
    unplaced = result.get("unplaced")
    stated = Policy.model_validate(policy) if policy else None
    return plan_outcome(
        result.get("status"), result.get("objective"), result.get("best_bound"), result.get("gap"),
        placed if isinstance(placed, int) else len(placed),
        [reason_in_names(c, scenario) for c in result.get("conflicts") or []],
        nobody_reason=reason_in_names(why_nobody_was_placed(stated, unplaced if isinstance(unplaced, dict) else {}),
                                      scenario))


def share_in_words(share: float) -> str:
    """A share as a percentage a planner reads at a glance (0.4%, 12%, less than 0.1%)."""
    percent = 100 * share
    if percent < 0.1:
        return "less than 0.1%"
    return f"{percent:.1f}%" if percent < 10 else f"{percent:.0f}%"


def why_nobody_was_placed(policy: Policy | None, unplaced: Mapping[str, str]) -> str:
    """Why a plan places nobody, in words: a fairness floor that only an empty plan can keep
    (every grade band with candidates needs its share of placements, and together the shares
    ask for more than all of them, or one band's people cannot take enough places under the
    other rules), or else the commonest reason people were left out."""
    if policy is not None and policy.fairness.bands and policy.fairness.min_share > 0:
        bands = ", ".join(f"{low}-{high}" for low, high in policy.fairness.bands)
        share = f"{policy.fairness.min_share:.0%}"
        total = policy.fairness.min_share * len(policy.fairness.bands)
        because = ("the shares add up to more than all placements" if total > 1 + 1e-9
                   else "the people in one band cannot take enough places under the other rules")
        return (f"The fairness floor asks each grade band ({bands}) for at least {share} of all placements, and "
                f"only an empty plan keeps it: {because}. Lower the minimum share or change the bands.")
    if unplaced:
        counts: dict[str, int] = {}
        for reason in unplaced.values():
            counts[reason] = counts.get(reason, 0) + 1
        commonest = max(counts, key=lambda r: counts[r])
        return f"Most people who asked for a move were left out because: {commonest}."
    return "Nobody asked for a move, or no opportunity has a place."


def why_in_words(breakdown: Mapping[str, float], weights: Weights | Mapping[str, float],
                 crossings: tuple[str, ...] = ()) -> str:
    """Why a placement was proposed, as one sentence from its largest score terms ("Their first
    choice; meets every required skill; links two organisations"). `breakdown` holds each term's
    weighted contribution, `weights` the run's weights (a term's own value is the contribution
    over its weight); `crossings` names what the move crosses (organisations, professions,
    services) when the scenario tells."""
    weight_of = weights.model_dump() if isinstance(weights, Weights) else dict(weights)
    ranked = sorted(((float(v), k) for k, v in breakdown.items() if float(v) > 1e-9 and weight_of.get(k)),
                    key=lambda item: -item[0])
    phrases = [phrase for contribution, key in ranked[:WHY_TERMS]
               if (phrase := term_in_words(key, contribution / float(weight_of[key]), crossings))]
    if not phrases:
        return "Eligible, and no better use of the place was found."
    sentence = "; ".join(phrases)
    return sentence[0].upper() + sentence[1:]


def term_in_words(key: str, value: float, crossings: tuple[str, ...] = ()) -> str:
    """One score term's value (0 to 1, see `optimiser.objective.TERMS`) in words."""
    if key == "preference":
        rank = round(1 / value) if value > 0 else 0
        return f"their {ORDINALS.get(rank, f'{rank}th')} choice" if rank else ""
    if key == "skill_fit":
        return "meets every required skill" if value >= 0.999 else f"holds {value:.0%} of the required skill levels (a stretch)"
    if key == "development":
        return ("grows the skills they want to reach" if value >= 0.999
                else f"grows skills they want ({value:.0%} of the way to their goals)")
    if key == "network":
        if crossings:
            return "links " + " and ".join(crossings)
        return "connects parts of the organisation not yet linked"
    if key == "diversity":
        return ("brings a profession the host team does not have" if value >= 0.999
                else f"brings a profession only {1 - value:.0%} of the host team share")
    return ""


def move_crossings(person_team: Any, host_team: Any, person_profession: str, opp_profession: str) -> tuple[str, ...]:
    """What a move links that the person's own team does not: two organisations, another
    profession, another service (the parts of the network value, `optimiser.objective`)."""
    out = []
    if person_team is not None and host_team is not None:
        if person_team.organisation != host_team.organisation:
            out.append("two organisations")
        if opp_profession and opp_profession != person_profession:
            out.append("another profession")
        if person_team.service != host_team.service:
            out.append("another service")
    return tuple(out)


def skill_at_level(name: str, level: int, or_above: bool = False) -> str:
    """A skill requirement as HR says it: "Mental Capacity Act at level 3 (practitioner)"."""
    words = SKILL_LEVEL_NAMES.get(level)
    text = f"{name} at level {level}" + (f" ({words})" if words else "")
    return text + (" or above" if or_above else "")


_ID = r"[^\s,;:()“”\"]+"
_SKILL_LEVEL = re.compile(rf"\b(?:with|skill) ({_ID}) (?:\(level (\d)(\+?)\)|at level (\d)(\+?))")
_TEAM = re.compile(rf"\bteam ({_ID})")
_OPPORTUNITY = re.compile(rf"\b(opportunity|choice|place on) ({_ID}(?:, {_ID})*)")


def reason_in_names(text: str, scenario: Scenario | None) -> str:
    """An optimiser's reason with the codes it carries replaced by the names HR knows: teams
    ("team T-DATA" -> "team Data and insight (Northshire NHS Trust)"), opportunities by title and
    skills by their catalogue name and level. Codes the scenario does not know stay as they are."""
    if scenario is None or not text:
        return text
    teams, opps, skills = scenario.team_by_id, scenario.opportunity_by_id, scenario.skill_name_by_id

    def skill(match: re.Match) -> str:
        skill_id = match.group(1)
        if skill_id not in skills:
            return match.group(0)
        level = int(match.group(2) or match.group(4))
        or_above = bool(match.group(3) or match.group(5))
        lead = match.group(0).split(" ", 1)[0]
        return f"{lead} {skill_at_level(skills[skill_id], level, or_above)}"

    def team(match: re.Match) -> str:
        found = teams.get(match.group(1).rstrip("."))
        if found is None:
            return match.group(0)
        tail = "." if match.group(1).endswith(".") else ""
        return f"team {found.name} ({found.organisation}){tail}"

    def opportunity(match: re.Match) -> str:
        words = match.group(2).split(", ")
        known = 0
        while known < len(words) and words[known].rstrip(".") in opps:
            known += 1
        if not known:
            return match.group(0)
        titles = [f"“{opps[w.rstrip('.')].title}”" + ("." if w.endswith(".") else "") for w in words[:known]]
        return f"{match.group(1)} {', '.join(titles + words[known:])}"

    text = _SKILL_LEVEL.sub(skill, text)
    text = _TEAM.sub(team, text)
    return _OPPORTUNITY.sub(opportunity, text)
