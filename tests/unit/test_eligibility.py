"""Eligibility in plain words: one test per contract rule (1-5), each checked alone."""

from __future__ import annotations

import numpy as np
import pytest

from planner.domain import Opportunity, Person, Scenario, Team
from planner.eligibility import NO_REGION, eligibility_reasons, is_eligible, within_own_region_mask


def team(team_id: str, organisation: str = "Northshire Council", region: str = "") -> Team:
    return Team(team_id=team_id, name=f"Team {team_id}", organisation=organisation, region=region)


def person(**overrides) -> Person:
    values = dict(person_id="P1", name="Sam Example", team_id="HOME", grade=5, profession="social-work",
                  skills={"gis": 2, "casework": 4})
    values.update(overrides)
    return Person(**values)


def opportunity(**overrides) -> Opportunity:
    values = dict(opportunity_id="O1", title="Mapping secondment", kind="secondment", host_team_id="AWAY")
    values.update(overrides)
    return Opportunity(**values)


@pytest.fixture
def scenario() -> Scenario:
    return Scenario(teams=(team("HOME"), team("AWAY")), people=(person(),), opportunities=(opportunity(),))


def test_an_open_opportunity_elsewhere_has_no_reasons(scenario):
    assert eligibility_reasons(person(), opportunity(), scenario) == []
    assert is_eligible(person(), opportunity())


# Rule 1 ------------------------------------------------------------------------------------


def test_rule_1_a_person_not_open_to_a_move_is_told_so(scenario):
    assert eligibility_reasons(person(available=False), opportunity(), scenario) == [
        "You are not open to a move in this plan (marked as not available)"
    ]


def test_rule_1_an_opportunity_in_ones_own_team_is_not_a_move(scenario):
    assert eligibility_reasons(person(), opportunity(host_team_id="HOME"), scenario) == ["This is your own team"]


def test_rule_1_uses_the_team_reached_on_a_pathway(scenario):
    assert eligibility_reasons(person(), opportunity(), scenario, team_id="AWAY") == ["This is your own team"]
    assert eligibility_reasons(person(), opportunity(host_team_id="HOME"), scenario, team_id="AWAY") == []


# Rule 2 ------------------------------------------------------------------------------------


def test_rule_2_one_level_short(scenario):
    reasons = eligibility_reasons(person(), opportunity(required_skills={"gis": 3}), scenario)
    assert reasons == ["You are one level short in gis (have 2, need 3)"]


def test_rule_2_several_levels_short_and_a_missing_skill(scenario):
    reasons = eligibility_reasons(person(), opportunity(required_skills={"gis": 5, "python": 2}), scenario)
    assert reasons == [
        "You are 3 levels short in gis (have 2, need 5)",
        "You do not have python yet (this needs level 2)",
    ]


def test_rule_2_stretch_lets_someone_one_level_short_take_it_on(scenario):
    o = opportunity(required_skills={"gis": 3})
    assert eligibility_reasons(person(), o, scenario, stretch_levels=1) == []
    reasons = eligibility_reasons(person(), opportunity(required_skills={"gis": 4}), scenario, stretch_levels=1)
    assert reasons == ["You are one level short in gis (have 2, need 4; the plan allows one level of stretch, so 3 would do)"]


def test_rule_2_uses_skills_gained_on_a_pathway(scenario):
    o = opportunity(required_skills={"gis": 3})
    assert eligibility_reasons(person(), o, scenario, skills={"gis": 3}) == []


# Rule 3 ------------------------------------------------------------------------------------


def test_rule_3_grade_below_the_minimum(scenario):
    reasons = eligibility_reasons(person(grade=3), opportunity(grade_min=5), scenario)
    assert reasons == ["Your grade 3 is below this opportunity's minimum 5"]


def test_rule_3_grade_above_the_maximum(scenario):
    reasons = eligibility_reasons(person(grade=9), opportunity(grade_min=4, grade_max=7), scenario)
    assert reasons == ["Your grade 9 is above this opportunity's maximum 7"]


def test_rule_3_bounds_are_inclusive_and_blank_means_open(scenario):
    assert eligibility_reasons(person(grade=5), opportunity(grade_min=5, grade_max=5), scenario) == []
    assert eligibility_reasons(person(grade=1), opportunity(), scenario) == []
    assert eligibility_reasons(person(grade=3), opportunity(grade_min=5), scenario, grade=5) == []


# Rule 4 ------------------------------------------------------------------------------------


def test_rule_4_practice_time_must_be_kept_outside_ones_profession(scenario):
    reasons = eligibility_reasons(person(must_practise=0.5), opportunity(fte=1.0, profession="planning"), scenario)
    assert reasons == [
        "You must keep 50% practice time in social-work and this takes 100% of your time outside it "
        "(at most 50% would fit)"
    ]


def test_rule_4_a_part_time_placement_that_leaves_the_practice_time_is_fine(scenario):
    assert eligibility_reasons(person(must_practise=0.5), opportunity(fte=0.5), scenario) == []


def test_rule_4_an_opportunity_of_ones_own_profession_counts_as_practice(scenario):
    o = opportunity(fte=1.0, profession="social-work")
    assert eligibility_reasons(person(must_practise=0.6), o, scenario) == []


def regional(home: str, away: str, *extra: Team) -> Scenario:
    return Scenario(teams=(team("HOME", region=home), team("AWAY", region=away), *extra), people=(person(),),
                    opportunities=(opportunity(),))


def test_rule_5_an_opportunity_in_another_region_is_closed_unless_remote():
    s = regional("North East", "London")
    assert eligibility_reasons(person(), opportunity(), s) == [
        "This is based in London and is not remote, and your team is in North East"]
    assert eligibility_reasons(person(), opportunity(remote=True), s) == []
    assert eligibility_reasons(person(), opportunity(), s, subject="Sam") == [
        "This is based in London and is not remote, and Sam's team is in North East"]
    assert not is_eligible(person(), opportunity(), scenario=s)


@pytest.mark.parametrize("home, away", [("London", "London"), ("", "London"), ("North East", ""), ("", ""),
                                        ("North East", "north  east")])
def test_rule_5_same_region_or_a_team_without_one_is_open(home, away):
    assert eligibility_reasons(person(), opportunity(), regional(home, away)) == []


def test_rule_5_uses_the_region_of_the_team_reached_on_a_pathway():
    s = regional("North East", "London", team("THERE", region="London"))
    assert eligibility_reasons(person(), opportunity(), s, team_id="THERE") == []


def test_rule_5_vectorised_alone():
    person_region = np.array([0, 1, NO_REGION])[:, None]
    host_region = np.array([0, 1, NO_REGION, 1])[None, :]
    remote = np.array([False, False, False, True])[None, :]
    np.testing.assert_array_equal(within_own_region_mask(person_region, host_region, remote), [
        [True, False, True, True],
        [False, True, True, True],
        [True, True, True, True],
    ])


# Wording ------------------------------------------------------------------------------------


def test_every_reason_is_listed_not_just_the_first(scenario):
    o = opportunity(host_team_id="HOME", required_skills={"gis": 3}, grade_min=6, fte=1.0, profession="planning")
    reasons = eligibility_reasons(person(available=False, must_practise=0.5), o, scenario)
    assert len(reasons) == 5


@pytest.mark.parametrize(
    "subject, expected",
    [
        ("Sam", ["Sam is one level short in gis (have 2, need 3)", "Sam's grade 5 is below this opportunity's minimum 6"]),
        ("they", ["They are one level short in gis (have 2, need 3)", "Their grade 5 is below this opportunity's minimum 6"]),
        ("this person", ["This person is one level short in gis (have 2, need 3)",
                         "This person's grade 5 is below this opportunity's minimum 6"]),
    ],
)
def test_third_person_wording(scenario, subject, expected):
    o = opportunity(required_skills={"gis": 3}, grade_min=6)
    assert eligibility_reasons(person(), o, scenario, subject=subject) == expected


def test_third_person_own_team_and_practice_time(scenario):
    o = opportunity(host_team_id="HOME", fte=1.0, profession="planning")
    reasons = eligibility_reasons(person(must_practise=0.5), o, scenario, subject="Sam")
    assert reasons == [
        "This is Sam's own team",
        "Sam must keep 50% practice time in social-work and this takes 100% of Sam's time outside it (at most 50% would fit)",
    ]
