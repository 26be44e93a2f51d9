"""The person's say, on their record page: accept or decline a placement the newest plan
proposes for them (with an optional reason), and opt out of crisis redeployment for their
wellbeing (or withdraw the opt-out).

Only the person themself answers or opts out (`planner.services.consent.only_the_person_answers`):
HR, emergency planners and their line manager see the answers and the opt-out on the same
page, read-only. Every answer and opt-out is audited (by id; the reason is never logged).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, url_for
from pydantic import Field

from planner.domain import Person, Scenario
from planner.services.consent import (
    NotTheirs,
    ProposedMove,
    answer_placement,
    opt_out_of_redeployment,
    plan_people_answer_on,
    proposed_moves,
    withdraw_opt_out,
)
from planner.services.decisions import DecisionRefused, NotProposed
from planner.store import StoredPlan
from planner.store.consent import OptOut, crisis_opt_out_for
from planner.store.tables import MAX_REASON_LENGTH
from web.data_access import engine
from web.security import FormModel, FormRejected, current_user, get_person_for, log_refusal, login_required, parse_form

log = logging.getLogger("trellis.web.consent")

bp = Blueprint("consent", __name__)


@dataclass(frozen=True)
class ConsentPanel:
    """What the record page shows of the person's say: the newest plan's proposals for them with
    their answers, whether they may still answer, and their crisis opt-out."""

    plan: StoredPlan | None
    moves: list[ProposedMove]
    may_answer: bool
    opt_out: OptOut | None
    own: bool
    max_reason: int = MAX_REASON_LENGTH


def consent_panel(person: Person, scenario: Scenario) -> ConsentPanel:
    """The record page's consent block for `person`, as the signed-in account may see it."""
    stored = plan_people_answer_on(engine())
    own = current_user().person_id == person.person_id
    moves = proposed_moves(engine(), stored, person.person_id, scenario)
    return ConsentPanel(plan=stored, moves=moves, may_answer=own and stored is not None and stored.status == "draft",
                        opt_out=crisis_opt_out_for(engine(), person.person_id), own=own)


class AnswerForm(FormModel):
    plan_id: int = Field(ge=1, le=2**31 - 1)  # ids are 32-bit integers in PostgreSQL
    opportunity_id: str = Field(min_length=1, max_length=200)
    answer: str = Field(pattern=r"^(accepted|declined)$")
    reason: str = Field(default="", max_length=MAX_REASON_LENGTH)


class OptOutForm(FormModel):
    action: str = Field(pattern=r"^(opt_out|withdraw)$")
    reason: str = Field(default="", max_length=MAX_REASON_LENGTH)


def _back(person_id: str, anchor: str):
    return redirect(url_for("staff.record", person_id=person_id, _anchor=anchor), 303)


def _own_person_or_refuse(person_id: str) -> Person:
    """The signed-in person's own record; anyone else's is refused (403) before any lookup."""
    user = current_user()
    if user.person_id is None or user.person_id != person_id:
        log_refusal("answer for another person", 403)
        abort(403)
    return get_person_for(user, person_id)


@bp.post("/people/<person_id>/answer")
@login_required
def answer(person_id: str):
    """The person accepts or declines one placement the newest plan proposes for them."""
    person = _own_person_or_refuse(person_id)
    try:
        form = parse_form(AnswerForm)
    except FormRejected as rejected:
        flash("Your answer was not saved: " + "; ".join(rejected.errors), "error")
        return _back(person.person_id, "your-say")
    stored = plan_people_answer_on(engine())
    if stored is None or stored.id != form.plan_id:
        flash("The plan has changed since you opened the page; check what it proposes now.", "error")
        return _back(person.person_id, "your-say")
    user = current_user()
    try:
        answer_placement(engine(), stored, person.person_id, form.opportunity_id, form.answer, form.reason,
                         account_person_id=user.person_id, username=user.username)
    except (NotProposed, NotTheirs):
        abort(404)
    except DecisionRefused as refused:
        flash(str(refused), "error")
        return _back(person.person_id, "your-say")
    flash("Thank you: your answer is saved and HR can see it." if form.answer == "accepted" else
          "Your answer is saved: HR can see you declined, and the plan cannot be approved with this move.", "success")
    return _back(person.person_id, "your-say")


@bp.post("/people/<person_id>/crisis-opt-out")
@login_required
def crisis_opt_out(person_id: str):
    """The person opts out of crisis redeployment (a reason is required), or withdraws it."""
    person = _own_person_or_refuse(person_id)
    try:
        form = parse_form(OptOutForm)
    except FormRejected as rejected:
        flash("Not saved: " + "; ".join(rejected.errors), "error")
        return _back(person.person_id, "crisis-opt-out")
    user = current_user()
    if form.action == "withdraw":
        if withdraw_opt_out(engine(), person.person_id, account_person_id=user.person_id, username=user.username):
            flash("Your opt-out is withdrawn: you may be redeployed in a crisis again.", "success")
        else:
            flash("You had not opted out.", "info")
        return _back(person.person_id, "crisis-opt-out")
    try:
        opt_out_of_redeployment(engine(), person.person_id, form.reason, account_person_id=user.person_id,
                                username=user.username)
    except DecisionRefused as refused:
        flash(str(refused), "error")
        return _back(person.person_id, "crisis-opt-out")
    flash("You are opted out of crisis redeployment; emergency planners will see your reason.", "success")
    return _back(person.person_id, "crisis-opt-out")
