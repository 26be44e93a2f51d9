"""HR's decisions on a plan: humans decide, the optimiser only proposes.

Each proposed placement is accepted or rejected by a named person; a plan version is approved
only when every one of its placements is accepted, none was declined by the person proposed and
no line manager refused to release them; a re-run pins the accepted placements and forbids the
rejected, declined and refused ones. The web console and the command line reach these rules only here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from sqlalchemy import Engine

from planner.domain import Policy, Scenario
from planner.notifications.events import notify_plan_approved
from planner.services.assignments import record_on_approval
from planner.services.plans import proposed_pairs
from planner.services.webhooks import emit
from planner.store import StoredPlan, get_plan, load_scenario
from planner.store.consent import Answer, Release, answers_for_plan, releases_for_plan
from planner.store.decisions import (
    Decision,
    PlanNotApproved,
    approve_plan_by_rule,
    decide_placement,
    decide_placements,
    decisions_for_plan,
)

DECISION_WORDS = ("accepted", "rejected")


class DecisionRefused(ValueError):
    """A decision or approval the rules do not allow; the message says why in plain words."""


class NotProposed(DecisionRefused):
    """The placement decided on is not one the plan version proposes."""


def decisions_only_on_a_draft(stored: StoredPlan) -> None:
    """Placements are accepted or rejected only while their plan version is a draft: an
    approved or rejected version's decisions are final."""
    if stored.status != "draft":
        raise DecisionRefused(f"Version {stored.version} is already {stored.status}; decide on a newer version.")


def decide_on_placement(engine: Engine, stored: StoredPlan, person_id: str, opportunity_id: str,
                        decision: str, decided_by: str) -> Decision:
    """Accept or reject one placement the version proposes, in the deciding planner's name."""
    if (person_id, opportunity_id) not in proposed_pairs(stored):
        raise NotProposed(f"Version {stored.version} does not propose that placement.")
    decisions_only_on_a_draft(stored)
    return decide_placement(engine, stored.id, person_id, opportunity_id, decision, decided_by=decided_by)


def accept_every_undecided(engine: Engine, stored: StoredPlan, decided_by: str) -> int:
    """Accept every placement of a draft version not decided yet, each audited in the planner's
    name; placements already rejected stay rejected. Returns how many were accepted."""
    if stored.status != "draft":
        raise DecisionRefused("Only a draft plan's placements can be accepted.")
    decided = decisions_for_plan(engine, stored.id)
    return decide_placements(engine, stored.id, sorted(proposed_pairs(stored) - set(decided)), "accepted",
                             decided_by=decided_by)


def decide_on_group(engine: Engine, stored: StoredPlan, pairs: list[tuple[str, str]], decision: str,
                    decided_by: str, expected: int | None = None) -> int:
    """Accept or reject a group of placements at once (every one a review filter matches), each
    audited in the deciding planner's name as if decided one by one. The group must be what the
    planner saw: when `expected` is given and the group has grown or shrunk since, nothing is
    decided. Returns how many placements changed."""
    decisions_only_on_a_draft(stored)
    if any(pair not in proposed_pairs(stored) for pair in pairs):
        raise NotProposed(f"Version {stored.version} does not propose every one of those placements.")
    if expected is not None and expected != len(pairs):
        raise DecisionRefused(f"The group now holds {len(pairs)} placement(s), not the {expected} you saw: "
                              "nothing was decided. Check the list and try again.")
    if not pairs:
        raise DecisionRefused("No placement matches the filter: nothing was decided.")
    try:
        return decide_placements(engine, stored.id, pairs, decision, decided_by=decided_by)
    except ValueError as refused:
        raise DecisionRefused(str(refused)) from refused


def approval_problem(proposed: set[tuple[str, str]], decisions: Mapping[tuple[str, str], Decision]) -> str | None:
    """A plan is approved only when a person has accepted every one of its placements: one
    rejected or still undecided placement holds the whole version back. A plan that places
    nobody (an impossible policy, or no plan found) has nothing to approve."""
    if not proposed:
        return "This plan places nobody, so there is nothing to approve. Change the policy and run it again."
    waiting = [key for key in proposed if (d := decisions.get(key)) is None or d.decision != "accepted"]
    if waiting:
        return (f"{len(waiting)} placement(s) are not accepted yet. Accept them, or reject them and "
                "re-run the plan with your decisions.")
    return None


def declined_placements_block_approval(proposed: set[tuple[str, str]], answers: Mapping[tuple[str, str], Answer]) -> str | None:
    """Nobody is moved against their word: a plan in which someone declined the placement
    proposed for them is not approved until it is re-run without it."""
    declined = [key for key in proposed if (a := answers.get(key)) is not None and a.answer == "declined"]
    if declined:
        return (f"{len(declined)} placement(s) were declined by the person proposed. Re-run the plan with your "
                "decisions: declined placements are left out.")
    return None


def refused_releases_block_approval(proposed: set[tuple[str, str]], releases: Mapping[tuple[str, str], Release]) -> str | None:
    """A line manager releases their people: a plan in which a manager refused to release
    someone is not approved until it is re-run without that placement."""
    refused = [key for key in proposed if (r := releases.get(key)) is not None and r.decision == "refused"]
    if refused:
        return (f"{len(refused)} release(s) were refused by a line manager. Re-run the plan with your "
                "decisions: refused placements are left out.")
    return None


def approve_matching_plan(engine: Engine, plan_id: int, approver: str) -> StoredPlan:
    """Approve a draft matching plan in the approver's name, only when no placement was declined
    by its person (`declined_placements_block_approval`) or refused by a line manager
    (`refused_releases_block_approval`), and every placement is accepted (`approval_problem`);
    refused with `DecisionRefused` otherwise, and nothing changes.

    The rules are checked inside the approving transaction, with the plan locked. Answers and
    release decisions are read there too: they are written only with the same plan row locked
    and only on a draft, so none can change between this check and the approval's commit, and
    decisions cannot change once a version is approved, so the rules stay true of it.

    Approval is what makes the plan the record: each placement becomes an accepted assignment
    (who is away, where, from when to when), written in the same transaction."""
    stored = get_plan(engine, plan_id)
    if stored.kind != "matching":
        raise DecisionRefused(f"Plan {plan_id} is not a matching plan.")
    scenario = load_scenario(engine)
    policy = Policy.model_validate(stored.policy or {})
    record = record_on_approval(plan_id, stored.result or {}, policy, scenario, approver, date.today())

    def every_rule(proposed: set[tuple[str, str]], decisions: Mapping[tuple[str, str], Decision]) -> str | None:
        problems = [declined_placements_block_approval(proposed, answers_for_plan(engine, plan_id)),
                    refused_releases_block_approval(proposed, releases_for_plan(engine, plan_id)),
                    approval_problem(proposed, decisions)]
        return " ".join(p for p in problems if p) or None

    try:
        approved = approve_plan_by_rule(engine, plan_id, approver, every_rule, then=record)
    except PlanNotApproved as refused:
        raise DecisionRefused(f"Version {stored.version} was not approved: {refused}") from refused
    notify_plan_approved(engine, approved)
    announce_approval(engine, approved)
    return approved


def announce_approval(engine: Engine, approved: StoredPlan) -> None:
    """Once a plan is approved, the systems that asked to hear of it (webhooks) are told: its
    id, version and how many placements it holds, never who is placed."""
    emit(engine, "plan.approved", {"plan_id": approved.id, "version": approved.version,
                                   "placements": len(proposed_pairs(approved))})


def objected_pairs(answers: Mapping[tuple[str, str], Answer], releases: Mapping[tuple[str, str], Release]) -> set[tuple[str, str]]:
    """The placements the people concerned said no to: declined by the person, or refused by
    their line manager."""
    return ({key for key, a in answers.items() if a.answer == "declined"}
            | {key for key, r in releases.items() if r.decision == "refused"})


def rerun_policy(base: Policy, decisions: Mapping[tuple[str, str], Decision], scenario: Scenario,
                 objected: Iterable[tuple[str, str]] = ()) -> Policy:
    """The previous policy plus this version's decisions: accepted -> pinned, rejected ->
    forbidden; placements the person declined or their manager refused (`objected`) are
    forbidden too, whatever HR decided. Decisions about people or opportunities no longer in
    the scenario are dropped."""
    people, opps = scenario.person_by_id, scenario.opportunity_by_id

    def known(pair) -> bool:
        return pair[0] in people and pair[1] in opps

    pinned = {(p.person_id, p.opportunity_id) for p in base.pinned}
    forbidden = {(p.person_id, p.opportunity_id) for p in base.forbidden}
    for key, decision in decisions.items():
        if decision.decision == "accepted":
            pinned.add(key)
            forbidden.discard(key)
        else:
            forbidden.add(key)
            pinned.discard(key)
    for key in objected:
        forbidden.add(key)
        pinned.discard(key)
    data = base.model_dump()
    data["pinned"] = [{"person_id": a, "opportunity_id": b} for a, b in sorted(pinned) if known((a, b))]
    data["forbidden"] = [{"person_id": a, "opportunity_id": b} for a, b in sorted(forbidden) if known((a, b))]
    return Policy.model_validate(data)


def rerun_with_decisions(engine: Engine, stored: StoredPlan, scenario: Scenario) -> Policy:
    """The policy of a re-run of a saved version: its own policy with its decisions applied, and
    the placements declined or refused on it forbidden."""
    objected = objected_pairs(answers_for_plan(engine, stored.id), releases_for_plan(engine, stored.id))
    return rerun_policy(Policy.model_validate(stored.policy or {}), decisions_for_plan(engine, stored.id), scenario,
                        objected)
