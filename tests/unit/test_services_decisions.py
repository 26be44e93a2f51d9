"""HR's decisions as services (no Flask): approval needs every placement accepted, decisions are
final once a version is reviewed, a re-run pins the accepted and forbids the rejected."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from helpers import saved_plan

from planner.domain import Policy
from planner.services.decisions import (
    DecisionRefused,
    NotProposed,
    accept_every_undecided,
    approval_problem,
    approve_matching_plan,
    decide_on_placement,
    rerun_policy,
)
from planner.store import get_plan, list_audit, reject_plan, save_plan
from planner.store.decisions import Decision, decide_placement, decisions_for_plan

PAIRS = [("P001", "O-HUB"), ("P009", "O-DASH"), ("P013", "O-TEST")]


def decision(key, word) -> Decision:
    return Decision(1, key[0], key[1], word, "hr1", datetime(2026, 1, 1, tzinfo=UTC))


# -- the approval rule alone ------------------------------------------------------------------


def test_approval_problem_is_none_only_when_every_placement_is_accepted():
    proposed = set(PAIRS)
    assert approval_problem(proposed, {k: decision(k, "accepted") for k in PAIRS}) is None
    assert "places nobody" in approval_problem(set(), {})  # an empty plan has nothing to approve
    one_rejected = {k: decision(k, "accepted") for k in PAIRS} | {PAIRS[0]: decision(PAIRS[0], "rejected")}
    assert "1 placement(s) are not accepted" in approval_problem(proposed, one_rejected)
    one_undecided = {k: decision(k, "accepted") for k in PAIRS[1:]}
    assert "1 placement(s) are not accepted" in approval_problem(proposed, one_undecided)
    assert "3 placement(s)" in approval_problem(proposed, {})


# -- approval through the service --------------------------------------------------------------


@pytest.mark.parametrize("last", ["rejected", None], ids=["one rejected", "one undecided"])
def test_the_service_refuses_to_approve_a_plan_with_a_placement_not_accepted(store, last):
    stored = saved_plan(store, PAIRS)
    for key in PAIRS[:-1]:
        decide_placement(store, stored.id, *key, "accepted", decided_by="hr1")
    if last:
        decide_placement(store, stored.id, *PAIRS[-1], last, decided_by="hr1")
    with pytest.raises(DecisionRefused, match="not accepted yet"):
        approve_matching_plan(store, stored.id, "hr1")
    assert get_plan(store, stored.id).status == "draft"
    assert not [e for e in list_audit(store) if e.action == "plan.approve"]


def test_the_service_approves_once_every_placement_is_accepted_in_the_approvers_name(store):
    stored = saved_plan(store, PAIRS)
    assert accept_every_undecided(store, stored, decided_by="hr1") == 3
    approved = approve_matching_plan(store, stored.id, "hr2")
    assert approved.status == "approved" and approved.approved_by == "hr2"
    assert any(e.action == "plan.approve" and e.actor == "hr2" for e in list_audit(store))


def test_a_reviewed_plan_is_not_approved_again_and_its_decisions_are_final(store):
    stored = saved_plan(store, PAIRS)
    accept_every_undecided(store, stored, decided_by="hr1")
    approve_matching_plan(store, stored.id, "hr1")
    with pytest.raises(DecisionRefused, match="already approved"):
        approve_matching_plan(store, stored.id, "hr1")
    with pytest.raises(ValueError, match="draft only"):
        decide_placement(store, stored.id, *PAIRS[0], "rejected", decided_by="hr1")
    with pytest.raises(DecisionRefused, match="already approved"):
        decide_on_placement(store, get_plan(store, stored.id), *PAIRS[0], "rejected", decided_by="hr1")
    assert decisions_for_plan(store, stored.id)[PAIRS[0]].decision == "accepted"


def test_a_rejected_version_cannot_be_approved(store):
    stored = saved_plan(store, PAIRS)
    accept_every_undecided(store, stored, decided_by="hr1")
    reject_plan(store, stored.id, "hr1")
    with pytest.raises(DecisionRefused, match="already rejected"):
        approve_matching_plan(store, stored.id, "hr1")


def test_a_redeployment_is_not_approved_through_the_matching_rule(store):
    redeployment = save_plan(store, "redeploy", {"assignments": []}, created_by="ep1")
    with pytest.raises(DecisionRefused, match="not a matching plan"):
        approve_matching_plan(store, redeployment.id, "hr1")
    assert get_plan(store, redeployment.id).status == "draft"


# -- deciding ----------------------------------------------------------------------------------


def test_a_decision_on_a_placement_the_version_did_not_propose_is_refused(store):
    stored = saved_plan(store, PAIRS)
    with pytest.raises(NotProposed):
        decide_on_placement(store, stored, "P001", "O-DASH", "accepted", decided_by="hr1")
    assert decisions_for_plan(store, stored.id) == {}


def test_accepting_every_undecided_keeps_the_rejections(store):
    stored = saved_plan(store, PAIRS)
    decide_on_placement(store, stored, *PAIRS[0], "rejected", decided_by="hr1")
    assert accept_every_undecided(store, stored, decided_by="hr2") == 2
    decisions = decisions_for_plan(store, stored.id)
    assert decisions[PAIRS[0]].decision == "rejected" and decisions[PAIRS[0]].decided_by == "hr1"
    assert {decisions[k].decided_by for k in PAIRS[1:]} == {"hr2"}
    with pytest.raises(DecisionRefused, match="not accepted yet"):
        approve_matching_plan(store, stored.id, "hr1")


# -- re-run with the decisions -----------------------------------------------------------------


def test_a_rerun_pins_the_accepted_forbids_the_rejected_and_drops_the_unknown(consoles_scenario):
    base = Policy(pinned=[{"person_id": "P002", "opportunity_id": "O-HUB"}],
                  forbidden=[{"person_id": "P001", "opportunity_id": "O-HUB"}])
    decisions = {("P001", "O-HUB"): decision(("P001", "O-HUB"), "accepted"),
                 ("P002", "O-HUB"): decision(("P002", "O-HUB"), "rejected"),
                 ("P999", "O-HUB"): decision(("P999", "O-HUB"), "accepted")}
    policy = rerun_policy(base, decisions, consoles_scenario)
    assert [(p.person_id, p.opportunity_id) for p in policy.pinned] == [("P001", "O-HUB")]
    assert [(p.person_id, p.opportunity_id) for p in policy.forbidden] == [("P002", "O-HUB")]
