"""A plan in HR's words, each rule alone: the outcome headline, why a placement was proposed,
names where the optimiser wrote codes, why a plan places nobody, and the weight choices."""

from __future__ import annotations

import pytest
from scenarios import small_scenario

from planner.domain import FairnessFloor, Policy, Weights
from planner.services.plan_words import (
    move_crossings,
    outcome_of_result,
    plan_outcome,
    reason_in_names,
    share_in_words,
    skill_at_level,
    why_in_words,
    why_nobody_was_placed,
)
from planner.services.plans import weight_choices, weight_fields

# ---------------------------------------------------------------------------------------------
# The outcome headline
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("status,objective,bound,gap,placements,headline,problem", [
    ("OPTIMAL", 78247.0, 78247.0, 0.0, 12, "Best possible plan (proven)", False),
    ("FEASIBLE", 99.6, 100.0, 0.004, 12, "Good plan - at most 0.4% below the best possible", False),
    ("FEASIBLE", 88.0, 100.0, 0.12, 12, "Good plan - at most 12% below the best possible", False),
    ("FEASIBLE", 100.0, 100.00001, 1e-7, 12, "Good plan - at most less than 0.1% below the best possible", False),
    ("FEASIBLE", 100.0, 100.0, 0.0, 12, "Best possible plan (proven)", False),
    ("FEASIBLE", 100.0, None, None, 12, "Good plan - not proven to be the best possible", False),
    ("OPTIMAL", -0.0, 0.0, 0.0, 0, "This plan places nobody", True),
    ("INFEASIBLE", None, None, None, 0, "No plan can keep every rule", True),
    ("TIME_LIMIT_NO_PLAN", None, None, None, 0, "No plan was found in the time allowed", True),
    ("UNKNOWN", None, None, None, 0, "No plan was found in the time allowed", True),
])
def test_the_headline_says_what_the_run_achieved(status, objective, bound, gap, placements, headline, problem):
    outcome = plan_outcome(status, objective, bound, gap, placements)
    assert outcome.headline == headline
    assert outcome.problem is problem
    assert "OPTIMAL" not in outcome.headline and "bjective" not in outcome.headline


def test_an_impossible_plan_names_the_conflicting_rules():
    outcome = plan_outcome("INFEASIBLE", None, None, None, 0, ["capacity of opportunity O-HUB", "pinned placement"])
    assert outcome.problem and "capacity of opportunity O-HUB; pinned placement" in outcome.reason


def test_an_empty_plan_says_why_nobody_was_placed():
    outcome = plan_outcome("OPTIMAL", 0.0, 0.0, 0.0, 0, nobody_reason="The fairness floor cannot be kept.")
    assert outcome.problem and outcome.reason == "The fairness floor cannot be kept."


def test_share_in_words():
    assert share_in_words(0.004) == "0.4%"
    assert share_in_words(0.25) == "25%"
    assert share_in_words(0.0001) == "less than 0.1%"


def test_an_unmeetable_fairness_floor_is_the_reason_nobody_was_placed():
    shares_too_big = Policy(fairness=FairnessFloor(bands=((1, 4), (5, 7), (8, 12)), min_share=0.5))
    text = why_nobody_was_placed(shares_too_big, {"P1": "a plan-wide rule"})
    assert "fairness floor" in text and "1-4, 5-7, 8-12" in text and "50%" in text
    assert "add up to more than all placements" in text
    empty_band = Policy(fairness=FairnessFloor(bands=((1, 4), (13, 15)), min_share=0.2))
    assert "cannot take enough places under the other rules" in why_nobody_was_placed(empty_band, {})


def test_without_a_floor_the_commonest_reason_is_given():
    reasons = {"P1": "not available for a move in this plan", "P2": "not available for a move in this plan",
               "P3": "places taken"}
    assert "not available for a move" in why_nobody_was_placed(Policy(), reasons)


def test_a_saved_result_or_a_run_summary_gives_the_same_headline():
    saved = {"status": "OPTIMAL", "objective": 10.0, "best_bound": 10.0, "gap": 0.0,
             "placements": [{"person_id": "P1", "opportunity_id": "O1"}], "unplaced": {}}
    summary = {**saved, "placements": 1, "unplaced": 0}
    assert outcome_of_result(saved, None).headline == outcome_of_result(summary, None).headline \
        == "Best possible plan (proven)"
    empty = {**summary, "placements": 0}
    policy = Policy(fairness=FairnessFloor(bands=((1, 4), (5, 7)), min_share=0.6)).model_dump(mode="json")
    outcome = outcome_of_result(empty, policy)
    assert outcome.problem and "fairness floor" in outcome.reason


# ---------------------------------------------------------------------------------------------
# Why a placement was proposed
# ---------------------------------------------------------------------------------------------


def test_why_reads_the_largest_terms_first_in_words():
    weights = Weights()  # skill fit 3, development 4, preference 5, network 2, diversity 1
    breakdown = {"preference": 5.0, "skill_fit": 3.0, "development": 0.0, "network": 1.0, "diversity": 0.09}
    assert why_in_words(breakdown, weights, ("two organisations",)) == \
        "Their first choice; meets every required skill; links two organisations"


def test_why_names_a_later_choice_a_stretch_and_development():
    breakdown = {"preference": 2.5, "skill_fit": 2.0, "development": 4.0, "network": 0.0, "diversity": 0.0}
    text = why_in_words(breakdown, Weights())
    assert text == ("Grows the skills they want to reach; their second choice; "
                    "holds 67% of the required skill levels (a stretch)")


def test_why_uses_the_runs_own_weights():
    # With preferences weighted 10, a contribution of 5 is a second choice, not a first.
    text = why_in_words({"preference": 5.0}, {"preference": 10.0})
    assert text == "Their second choice"


def test_a_term_weighted_zero_is_never_a_reason():
    assert why_in_words({"preference": 0.0, "skill_fit": 0.0}, {"preference": 0.0, "skill_fit": 0.0}) == \
        "Eligible, and no better use of the place was found."


def test_a_move_crosses_what_the_teams_differ_in():
    scenario = small_scenario("consoles")
    teams = scenario.team_by_id
    assert move_crossings(teams["T-CHILD"], teams["T-DATA"], "social-work", "") == \
        ("two organisations", "another service")
    assert move_crossings(teams["T-CHILD"], teams["T-PLAN"], "social-work", "planning") == \
        ("another profession", "another service")


# ---------------------------------------------------------------------------------------------
# Names, not codes
# ---------------------------------------------------------------------------------------------


def test_skills_are_named_with_their_level_in_words():
    assert skill_at_level("Mental Capacity Act", 3) == "Mental Capacity Act at level 3 (practitioner)"
    assert skill_at_level("First Aid", 2, or_above=True) == "First Aid at level 2 (working) or above"


@pytest.mark.parametrize("coded,named", [
    ("their team's release limit: team T-DATA may release 2 of 4 at once",
     "their team's release limit: team Data and insight (Northshire NHS Trust) may release 2 of 4 at once"),
    ("critical skill kept: team T-CHILD must keep 1 people with social-work at level 3+, and this person is needed",
     "critical skill kept: team Children's services (Northshire Council) must keep 1 people with "
     "Social Work at level 3 (practitioner) or above, and this person is needed"),
    ("eligible for none of their preferences: for first choice O-LOCAL, This person is short",
     "eligible for none of their preferences: for first choice “Local plan data lead”, This person is short"),
    ("places taken: every place on O-DASH, O-TEST went to people with higher scores",
     "places taken: every place on “Build the children's dashboard”, “Testing site coordinator” went to people "
     "with higher scores"),
    ("critical skill first-aid (level 2+) kept by 1 people who stay in team T-TEST)",
     "critical skill First Aid at level 2 (working) or above kept by 1 people who stay in team Testing centre "
     "(Northshire NHS Trust))"),
    ("pinned placement of person P001 on opportunity O-HUB",
     "pinned placement of person P001 on opportunity “Community hub secondment”"),
    ("release limit of team T-UNKNOWN (at most 2 away at once)", "release limit of team T-UNKNOWN (at most 2 away at once)"),
    ("a better overall plan: their places went to placements with a higher total score",
     "a better overall plan: their places went to placements with a higher total score"),
])
def test_reasons_name_teams_opportunities_and_skills(coded, named):
    assert reason_in_names(coded, small_scenario("consoles")) == named


def test_without_a_scenario_reasons_stay_as_written():
    assert reason_in_names("team T-DATA", None) == "team T-DATA"


# ---------------------------------------------------------------------------------------------
# Weights as choices
# ---------------------------------------------------------------------------------------------


def test_weights_are_offered_as_choices_with_normal_the_default():
    choices = weight_choices("preference", 5.0)
    assert [(v, w) for v, w, _ in choices] == [(0.0, "not at all"), (2.5, "a little"), (5.0, "normal"),
                                             (10.0, "a lot")]
    assert [w for _, w, chosen in choices if chosen] == ["normal"]


def test_a_weight_set_elsewhere_is_kept_as_a_choice():
    choices = weight_choices("network", 7.0)
    assert (7.0, "as set before (7)", True) in choices
    assert sum(chosen for _, _, chosen in choices) == 1


def test_every_weight_field_of_the_form_is_asked_in_words():
    fields = weight_fields(Policy())
    assert {f.name for f in fields} == {"w_skill_fit", "w_development", "w_preference", "w_network", "w_diversity"}
    assert fields[0].question == "How much staff preferences count"
    assert all(f.question.startswith("How much") and f.hint for f in fields)


def test_a_group_is_described_in_words_with_teams_by_name():
    from planner.services.plan_review import review_filter

    chosen = review_filter(search="ali", team="T-DATA", decision="undecided", kind="secondment")
    assert chosen.describe({"T-DATA": "Data and insight"}) == \
        "matching “ali”, team Data and insight, waiting for a decision, secondment"
    assert review_filter().describe() == "every placement"


def test_a_run_stopped_on_request_says_so_and_keeps_its_plan():
    """A planner who pressed Stop reads that the plan is the best found so far, never that no
    plan was found."""
    from planner.services.plan_words import plan_outcome

    outcome = plan_outcome("STOPPED_EARLY", 900.0, 1000.0, 0.1, placements=12)
    assert outcome.headline.startswith("Stopped early on request: the best plan found so far")
    assert not outcome.problem
    assert plan_outcome("STOPPED_EARLY", None, None, None, placements=0).problem
