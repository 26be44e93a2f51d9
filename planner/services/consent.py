"""The people concerned have a say in a plan: staff answer the placements proposed to them, line
managers release their people (or say why not), and staff may opt out of crisis redeployment.

Each rule is one function; the web pages reach them only here. Whether a plan can be approved
with these answers is the approval service's rule (`planner.services.decisions`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import Engine

from planner.domain import Scenario
from planner.services import events
from planner.services.decisions import DecisionRefused, NotProposed, decisions_only_on_a_draft
from planner.services.plans import proposed_pairs
from planner.store import StoredPlan, latest_plan
from planner.store.consent import (
    Answer,
    OptOut,
    Release,
    answers_for_plan,
    opt_out_of_crisis,
    releases_for_plan,
    save_answer,
    save_release,
    withdraw_crisis_opt_out,
)

NameOf = Callable[[str], str]


class NotTheirs(DecisionRefused):
    """The placement is not about someone the account answers or decides for."""


def plan_people_answer_on(engine: Engine) -> StoredPlan | None:
    """The plan staff and line managers answer on: the newest matching plan version (its
    answers count only while it is a draft)."""
    return latest_plan(engine, "matching")


# --------------------------------------------------------------------------------------------
# Staff: accept or decline what is proposed to them
# --------------------------------------------------------------------------------------------


def only_the_person_answers(person_id: str, answering_for: str | None) -> None:
    """A placement is accepted or declined only by the person it is proposed for: nobody
    answers for someone else (HR decide separately, in their own name)."""
    if answering_for is None or answering_for != person_id:
        raise NotTheirs("Only the person a placement is proposed for can answer it.")


def answer_placement(engine: Engine, stored: StoredPlan, person_id: str, opportunity_id: str, answer: str,
                     reason: str | None, *, account_person_id: str | None, username: str) -> Answer:
    """Record the signed-in person's answer (accepted or declined, with an optional reason) to a
    placement the plan version proposes for them; audited through `events.placement_answered`."""
    only_the_person_answers(person_id, account_person_id)
    if (person_id, opportunity_id) not in proposed_pairs(stored):
        raise NotProposed(f"Version {stored.version} does not propose that placement.")
    decisions_only_on_a_draft(stored)
    try:
        return save_answer(engine, stored.id, person_id, opportunity_id, answer, reason, answered_by=username,
                           on_saved=events.placement_answered)
    except ValueError as refused:
        raise DecisionRefused(f"Your answer was not saved: {refused}.") from refused


@dataclass(frozen=True)
class ProposedMove:
    """One placement the newest plan proposes for a person, with their answer so far."""

    plan_id: int
    opportunity_id: str
    title: str
    period: int
    why: str
    answer: str | None
    reason: str


def proposed_moves(engine: Engine, stored: StoredPlan | None, person_id: str, scenario: Scenario) -> list[ProposedMove]:
    """The moves a plan version proposes for one person, each with the answer they gave."""
    if stored is None:
        return []
    answers = answers_for_plan(engine, stored.id)
    moves = []
    for item in (stored.result or {}).get("placements", []):
        if item.get("person_id") != person_id:
            continue
        opp = scenario.opportunity_by_id.get(item["opportunity_id"])
        given = answers.get((person_id, item["opportunity_id"]))
        moves.append(ProposedMove(stored.id, item["opportunity_id"], opp.title if opp else item["opportunity_id"],
                                  int(item.get("period") or 1), str(item.get("explanation") or ""),
                                  given.answer if given else None, given.reason if given else ""))
    return moves


# --------------------------------------------------------------------------------------------
# Line managers: release their people, or say why not
# --------------------------------------------------------------------------------------------


def manager_decides_for_home_team(person_home_team: str | None, managed_teams: Iterable[str]) -> None:
    """A release is decided only by a line manager of the person's home team."""
    if person_home_team is None or person_home_team not in set(managed_teams):
        raise NotTheirs("Only a line manager of the person's own team can release them.")


@dataclass(frozen=True)
class LeavingRow:
    """One of a manager's people the draft plan proposes to move, with the manager's decision."""

    person_id: str
    name: str
    team: str
    opportunity_id: str
    opportunity_title: str
    host_team: str
    period: int
    answer: str | None
    decision: str | None
    reason: str


def people_proposed_to_leave(engine: Engine, stored: StoredPlan | None, scenario: Scenario,
                             managed_teams: Iterable[str], name_of: NameOf) -> list[LeavingRow]:
    """The placements of a plan version whose person's home team the manager manages (and only
    those), each with the person's answer and the manager's release decision so far."""
    if stored is None:
        return []
    teams = set(managed_teams)
    releases = releases_for_plan(engine, stored.id)
    answers = answers_for_plan(engine, stored.id)
    rows = []
    for item in (stored.result or {}).get("placements", []):
        person = scenario.person_by_id.get(item["person_id"])
        if person is None or person.team_id not in teams:
            continue
        key = (item["person_id"], item["opportunity_id"])
        opp = scenario.opportunity_by_id.get(item["opportunity_id"])
        host = scenario.team_by_id.get(opp.host_team_id) if opp else None
        release = releases.get(key)
        rows.append(LeavingRow(
            person_id=person.person_id, name=name_of(person.person_id), team=scenario.team_by_id[person.team_id].name,
            opportunity_id=item["opportunity_id"], opportunity_title=opp.title if opp else item["opportunity_id"],
            host_team=host.name if host else "", period=int(item.get("period") or 1),
            answer=answers[key].answer if key in answers else None,
            decision=release.decision if release else None, reason=release.reason if release else ""))
    return sorted(rows, key=lambda r: (r.team, r.name, r.opportunity_title))


def decide_release(engine: Engine, stored: StoredPlan, scenario: Scenario, person_id: str, opportunity_id: str,
                   decision: str, reason: str | None, *, managed_teams: Iterable[str], username: str) -> Release:
    """Record a line manager's release decision on one placement of their people (a reason is
    required to refuse); audited through `events.release_decided`."""
    person = scenario.person_by_id.get(person_id)
    manager_decides_for_home_team(person.team_id if person else None, managed_teams)
    if (person_id, opportunity_id) not in proposed_pairs(stored):
        raise NotProposed(f"Version {stored.version} does not propose that placement.")
    decisions_only_on_a_draft(stored)
    try:
        return save_release(engine, stored.id, person_id, opportunity_id, decision, reason, decided_by=username,
                            on_saved=events.release_decided)
    except ValueError as refused:
        raise DecisionRefused(f"Not saved: {refused}.") from refused


# --------------------------------------------------------------------------------------------
# Crisis opt-out (wellbeing)
# --------------------------------------------------------------------------------------------


def opt_out_of_redeployment(engine: Engine, person_id: str, reason: str, *, account_person_id: str | None,
                            username: str) -> OptOut:
    """A member of staff opts themself out of crisis redeployment, saying why (their own choice:
    nobody opts out for someone else)."""
    only_the_person_answers(person_id, account_person_id)
    try:
        return opt_out_of_crisis(engine, person_id, reason,
                                 on_saved=lambda c, saved: events.crisis_opt_out_given(c, saved, username))
    except ValueError as refused:
        raise DecisionRefused(f"Your opt-out was not saved: {refused}.") from refused


def withdraw_opt_out(engine: Engine, person_id: str, *, account_person_id: str | None, username: str) -> bool:
    """A member of staff withdraws their own crisis opt-out; False when none was in force."""
    only_the_person_answers(person_id, account_person_id)
    return withdraw_crisis_opt_out(engine, person_id,
                                   on_saved=lambda c, saved: events.crisis_opt_out_withdrawn(c, saved, username))
