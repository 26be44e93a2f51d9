"""The people concerned have a say (no Flask): staff answers, line managers' releases and crisis
opt-outs, each rule alone, on a real store and the real redeployment solver."""

from __future__ import annotations

import pytest
from helpers import ProgressSink, saved_plan

from planner.domain import Policy
from planner.scenario_io import read_scenario_files, write_scenario_csv
from planner.scenario_io.one_row import check_opportunity_row, opportunity_cells
from planner.services.consent import (
    NotTheirs,
    answer_placement,
    decide_release,
    only_the_person_answers,
    opt_out_of_redeployment,
    people_proposed_to_leave,
    withdraw_opt_out,
)
from planner.services.crisis import opted_out_people_stay_home, opted_out_rows, redeploy_work
from planner.services.decisions import (
    DecisionRefused,
    NotProposed,
    accept_every_undecided,
    approve_matching_plan,
    decide_on_placement,
    declined_placements_block_approval,
    refused_releases_block_approval,
    rerun_policy,
    rerun_with_decisions,
)
from planner.services.opportunities import OpportunityRejected, edit_opportunity, post_opportunity
from planner.services.plans import matching_work
from planner.store import delete_person, export_person, get_plan, list_audit, load_scenario
from planner.store.consent import Answer, Release, answers_for_plan, crisis_opt_out_for, releases_for_plan

PAIRS = [("P001", "O-HUB"), ("P005", "O-DASH")]


def answer(store, stored, person, opp, word, reason=""):
    return answer_placement(store, stored, person, opp, word, reason, account_person_id=person, username=f"u-{person}")


def release(store, consoles_scenario, stored, person, opp, word, reason="", teams=("T-CHILD",)):
    return decide_release(store, stored, consoles_scenario, person, opp, word, reason, managed_teams=teams, username="mgr1")


# ---------------------------------------------------------------------------------------------
# The approval rules alone
# ---------------------------------------------------------------------------------------------


def test_a_declined_placement_blocks_approval_rule_alone():
    declined = {("P1", "O1"): Answer(1, "P1", "O1", "declined", "", "alice", None)}
    accepted = {("P1", "O1"): Answer(1, "P1", "O1", "accepted", "", "alice", None)}
    assert "1 placement(s) were declined" in declined_placements_block_approval({("P1", "O1")}, declined)
    assert declined_placements_block_approval({("P1", "O1")}, accepted) is None
    assert declined_placements_block_approval({("P2", "O1")}, declined) is None  # not proposed any more


def test_a_refused_release_blocks_approval_rule_alone():
    refused = {("P1", "O1"): Release(1, "P1", "O1", "refused", "short-staffed", "mgr", None)}
    released = {("P1", "O1"): Release(1, "P1", "O1", "released", "", "mgr", None)}
    assert "1 release(s) were refused by a line manager" in refused_releases_block_approval({("P1", "O1")}, refused)
    assert refused_releases_block_approval({("P1", "O1")}, released) is None


def test_approval_is_refused_while_a_placement_is_declined_and_nothing_changes(store):
    stored = saved_plan(store, PAIRS)
    accept_every_undecided(store, stored, "hr1")  # HR accepted everything: the person's no still counts
    answer(store, stored, "P001", "O-HUB", "declined", "caring for a parent")
    with pytest.raises(DecisionRefused, match=r"1 placement\(s\) were declined by the person proposed"):
        approve_matching_plan(store, stored.id, "hr1")
    assert get_plan(store, stored.id).status == "draft"
    answer(store, stored, "P001", "O-HUB", "accepted")  # they changed their mind
    assert approve_matching_plan(store, stored.id, "hr1").status == "approved"


def test_approval_is_refused_while_a_release_is_refused_and_the_message_says_which(store, consoles_scenario):
    stored = saved_plan(store, PAIRS)
    accept_every_undecided(store, stored, "hr1")
    release(store, consoles_scenario, stored, "P001", "O-HUB", "refused", "only social worker on duty")
    answer(store, stored, "P005", "O-DASH", "declined")
    with pytest.raises(DecisionRefused) as refused:
        approve_matching_plan(store, stored.id, "hr1")
    assert "1 release(s) were refused by a line manager" in str(refused.value)
    assert "1 placement(s) were declined" in str(refused.value)
    assert get_plan(store, stored.id).status == "draft"


def test_a_rerun_forbids_declined_and_refused_placements_even_when_hr_accepted_them(store, consoles_scenario):
    stored = saved_plan(store, PAIRS)
    accept_every_undecided(store, stored, "hr1")
    answer(store, stored, "P005", "O-DASH", "declined")
    release(store, consoles_scenario, stored, "P001", "O-HUB", "refused", "needed here")
    policy = rerun_with_decisions(store, stored, consoles_scenario)
    forbidden = {(p.person_id, p.opportunity_id) for p in policy.forbidden}
    pinned = {(p.person_id, p.opportunity_id) for p in policy.pinned}
    assert set(PAIRS) <= forbidden and not set(PAIRS) & pinned
    assert rerun_policy(Policy(), {}, consoles_scenario, objected=[("P001", "O-HUB")]).forbidden[0].person_id == "P001"


# ---------------------------------------------------------------------------------------------
# Who may answer and decide
# ---------------------------------------------------------------------------------------------


def test_only_the_person_answers_their_own_placement(store):
    stored = saved_plan(store, PAIRS)
    with pytest.raises(NotTheirs):
        answer_placement(store, stored, "P001", "O-HUB", "declined", "", account_person_id="P005", username="x")
    with pytest.raises(NotTheirs):
        only_the_person_answers("P001", None)  # HR, emergency planners, managers: no person, no answer
    with pytest.raises(NotProposed):
        answer(store, stored, "P001", "O-DASH", "accepted")
    assert answers_for_plan(store, stored.id) == {}


def test_answers_are_closed_once_the_plan_is_decided_and_reasons_are_bounded_plain_text(store):
    stored = saved_plan(store, PAIRS)
    with pytest.raises(DecisionRefused, match="keep it to 500"):
        answer(store, stored, "P001", "O-HUB", "declined", "x" * 501)
    with pytest.raises(DecisionRefused, match="plain text"):
        answer(store, stored, "P001", "O-HUB", "declined", "bad\x00byte")
    accept_every_undecided(store, stored, "hr1")
    approve_matching_plan(store, stored.id, "hr1")
    with pytest.raises(DecisionRefused, match="already approved"):
        answer(store, get_plan(store, stored.id), "P001", "O-HUB", "declined")


def test_a_manager_releases_only_people_of_their_own_teams_and_must_give_a_reason_to_refuse(store, consoles_scenario):
    stored = saved_plan(store, PAIRS)
    with pytest.raises(NotTheirs):
        release(store, consoles_scenario, stored, "P005", "O-DASH", "released")  # P005 is in T-DATA
    with pytest.raises(DecisionRefused, match="give a reason"):
        release(store, consoles_scenario, stored, "P001", "O-HUB", "refused", "  ")
    release(store, consoles_scenario, stored, "P001", "O-HUB", "released")
    rows = people_proposed_to_leave(store, stored, consoles_scenario, ("T-CHILD",), str)
    assert [(r.person_id, r.decision) for r in rows] == [("P001", "released")]
    assert releases_for_plan(store, stored.id)[("P001", "O-HUB")].decided_by == "mgr1"


def test_every_answer_and_release_is_audited_by_id_without_the_reason(store, consoles_scenario):
    stored = saved_plan(store, PAIRS)
    answer(store, stored, "P001", "O-HUB", "declined", "my private reason")
    release(store, consoles_scenario, stored, "P001", "O-HUB", "refused", "manager's private reason")
    rows = list_audit(store, target="person:P001")
    assert {r.action for r in rows} >= {"placement.answer.declined", "placement.release.refused"}
    assert not any("private" in r.detail or "Person 1" in r.detail for r in rows)


# ---------------------------------------------------------------------------------------------
# Crisis opt-out
# ---------------------------------------------------------------------------------------------


def test_opted_out_people_stay_home_rule_alone(consoles_scenario):
    planned_on, protected = opted_out_people_stay_home(consoles_scenario, {"P013", "P999"})
    assert protected == 1
    assert planned_on.person_by_id["P013"].available is False
    assert consoles_scenario.person_by_id["P013"].available is True  # the stored scenario is untouched
    assert opted_out_people_stay_home(consoles_scenario, set()) == (consoles_scenario, 0)


def test_an_opted_out_person_is_not_redeployed_and_the_protected_count_says_so(store, consoles_scenario):
    first = redeploy_work(store, consoles_scenario, 1, "ep1", None, time_limit_s=2)(ProgressSink())
    moved = {a["person_id"] for a in get_plan(store, first.plan_id).result["assignments"]}
    assert moved, "the small consoles_scenario's demand moves somebody"
    chosen = sorted(moved)[0]
    opt_out_of_redeployment(store, chosen, "burnt out after the last emergency", account_person_id=chosen,
                            username="staff")
    again = redeploy_work(store, consoles_scenario, 1, "ep1", None, time_limit_s=2)(ProgressSink())
    result = get_plan(store, again.plan_id).result
    assert chosen not in {a["person_id"] for a in result["assignments"]}
    assert result["protected"]["opted_out"] == 1
    assert [r.reason for r in opted_out_rows(store, consoles_scenario, str)] == ["burnt out after the last emergency"]
    assert withdraw_opt_out(store, chosen, account_person_id=chosen, username="staff")
    assert crisis_opt_out_for(store, chosen) is None
    back = redeploy_work(store, consoles_scenario, 1, "ep1", None, time_limit_s=2)(ProgressSink())
    assert get_plan(store, back.plan_id).result["protected"]["opted_out"] == 0


def test_an_opt_out_needs_a_reason_and_only_the_person_gives_it(store):
    with pytest.raises(DecisionRefused, match="give a reason"):
        opt_out_of_redeployment(store, "P001", " ", account_person_id="P001", username="s")
    with pytest.raises(NotTheirs):
        opt_out_of_redeployment(store, "P001", "tired", account_person_id="P002", username="s")
    assert crisis_opt_out_for(store, "P001") is None


# ---------------------------------------------------------------------------------------------
# Erasure and export reach the new tables
# ---------------------------------------------------------------------------------------------


def test_export_and_erasure_reach_answers_releases_and_opt_outs(store, consoles_scenario):
    stored = saved_plan(store, PAIRS)
    answer(store, stored, "P001", "O-HUB", "declined", "reason one")
    release(store, consoles_scenario, stored, "P001", "O-HUB", "refused", "reason two")
    opt_out_of_redeployment(store, "P001", "reason three", account_person_id="P001", username="s")
    answer(store, stored, "P005", "O-DASH", "accepted")
    exported = export_person(store, "P001")["other_records"]
    assert {"placement_answers", "release_decisions", "crisis_opt_outs"} <= set(exported)
    assert exported["crisis_opt_outs"][0]["reason"] == "reason three"
    delete_person(store, "P001", actor="admin1")
    assert ("P001", "O-HUB") not in answers_for_plan(store, stored.id)
    assert releases_for_plan(store, stored.id) == {}
    assert crisis_opt_out_for(store, "P001") is None
    assert ("P005", "O-DASH") in answers_for_plan(store, stored.id)  # nobody else's


# ---------------------------------------------------------------------------------------------
# Host managers' opportunities: the rules of a row of opportunities.csv
# ---------------------------------------------------------------------------------------------

BAD_ROWS = [
    {"opportunity_id": "O-NEW", "title": "", "kind": "projekt", "host_team_id": "T-CHILD", "capacity": "-1",
     "required_skills": "pyton:9;bad", "start": "2026-13-01"},
    {"opportunity_id": "O NEW", "title": "Ok", "kind": "project", "host_team_id": "T-NOPE", "fte": "2",
     "development_skills": "planing:2", "grade_min": "9", "grade_max": "2"},
    {"opportunity_id": "O-X", "title": "Ok", "kind": "project", "host_team_id": "T-CHILD", "grade_min": "9",
     "grade_max": "2", "start": "2027-02-01", "end": "2027-01-01"},
]


@pytest.mark.parametrize("cells", BAD_ROWS)
def test_a_posted_opportunity_gets_the_same_problems_as_the_same_row_in_an_import(tmp_path, consoles_scenario, cells):
    write_scenario_csv(consoles_scenario, tmp_path)
    columns = list(opportunity_cells(consoles_scenario.opportunities[0]))
    line = ",".join(f'"{cells.get(c, "")}"' for c in columns)
    (tmp_path / "opportunities.csv").write_text(",".join(columns) + "\r\n" + line + "\r\n", encoding="utf-8")
    files = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    files["people.csv"] = b"person_id,name,team_id,grade,profession\r\nP1,A,T-CHILD,3,x\r\n"  # no preferences
    with pytest.raises(Exception) as imported:
        read_scenario_files(files)
    expected = sorted((p.column, p.value, p.message, p.suggestion) for p in imported.value.problems
                      if p.file == "opportunities.csv")
    _none, problems = check_opportunity_row(cells, consoles_scenario, new=True)
    assert expected and sorted((p.column, p.value, p.message, p.suggestion) for p in problems) == expected


def test_a_host_manager_posts_and_edits_only_for_their_teams_and_the_next_plan_sees_it(store, consoles_scenario):
    cells = {"opportunity_id": "O-CHILD-DATA", "title": "Children's data champion", "kind": "project",
             "host_team_id": "T-CHILD", "required_skills": "data-analysis:2"}
    post_opportunity(store, consoles_scenario, cells, managed_teams=("T-CHILD",), username="mgr1")
    stored = load_scenario(store)
    assert stored.opportunity_by_id["O-CHILD-DATA"].required_skills == {"data-analysis": 2}
    with pytest.raises(OpportunityRejected, match="duplicate id"):
        post_opportunity(store, stored, cells, managed_teams=("T-CHILD",), username="mgr1")
    with pytest.raises(NotTheirs):
        post_opportunity(store, stored, {**cells, "opportunity_id": "O-2", "host_team_id": "T-DATA"},
                         managed_teams=("T-CHILD",), username="mgr1")
    with pytest.raises(NotTheirs):
        edit_opportunity(store, stored, "O-DASH", opportunity_cells(stored.opportunity_by_id["O-DASH"]),
                         managed_teams=("T-CHILD",), username="mgr1")
    with pytest.raises(NotTheirs):  # nor move their own to a team they do not manage
        edit_opportunity(store, stored, "O-CHILD-DATA", {**cells, "host_team_id": "T-DATA"},
                         managed_teams=("T-CHILD",), username="mgr1")
    edit_opportunity(store, stored, "O-CHILD-DATA", {**cells, "capacity": "3"}, managed_teams=("T-CHILD",),
                     username="mgr1")
    assert load_scenario(store).opportunity_by_id["O-CHILD-DATA"].capacity == 3
    assert [r.action for r in list_audit(store, target="opportunity:O-CHILD-DATA")] == \
        ["opportunity.edit", "opportunity.post"]


def test_a_rerun_keeps_what_people_agreed_to_on_placements_proposed_again(store, consoles_scenario):
    first = get_plan(store, matching_work(store, consoles_scenario, consoles_scenario.policy, "hr1", None)(ProgressSink()).plan_id)
    proposed = {(p["person_id"], p["opportunity_id"]) for p in first.result["placements"]}
    assert {("P004", "O-TEST"), ("P005", "O-DASH")} <= proposed
    decide_on_placement(store, first, "P004", "O-TEST", "accepted", "hr1")  # pinned: proposed again
    answer(store, first, "P004", "O-TEST", "accepted", "happy to")
    release(store, consoles_scenario, first, "P004", "O-TEST", "released")
    answer(store, first, "P005", "O-DASH", "declined")
    policy = rerun_with_decisions(store, first, consoles_scenario)
    rerun = get_plan(store, matching_work(store, consoles_scenario, policy, "hr1", first.id)(ProgressSink()).plan_id)
    again = {(p["person_id"], p["opportunity_id"]) for p in rerun.result["placements"]}
    assert ("P004", "O-TEST") in again and ("P005", "O-DASH") not in again
    assert answers_for_plan(store, rerun.id)[("P004", "O-TEST")].reason == "happy to"
    assert releases_for_plan(store, rerun.id)[("P004", "O-TEST")].decision == "released"
    assert ("P005", "O-DASH") not in answers_for_plan(store, rerun.id)
