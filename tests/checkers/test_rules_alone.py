"""Each hard rule of matching and of crisis redeployment, tested alone and without a solve.

Every test builds a tiny scenario and a proposed plan, and asks `tests/checkers/rule_verifier.py` which
rules the plan breaks: exactly the rule under test, or none once the plan is put right. A failing
test names the rule that broke. (The solver itself is tested end to end elsewhere.)
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from checkers.rule_verifier import Redeployment, broken_crisis_rules, broken_matching_rules
from matching_helpers import opportunity, person, scenario, team

from optimiser.candidates import scenario_arrays
from optimiser.model_data import critical_skills_table
from optimiser.redeploy.arrays import build_arrays
from planner.domain import CriticalSkill, Demand, FairnessFloor, Person, PersonOpportunity, Policy, Scenario, Team
from planner.generate import generate_scenario

# ---------------------------------------------------------------------------------------------
# Matching
# ---------------------------------------------------------------------------------------------


def test_a_plan_that_keeps_every_rule_breaks_none():
    s = scenario([person("a"), person("b")], [opportunity("o1", capacity=2)])
    assert broken_matching_rules(s, [("a", "o1"), ("b", "o1")]) == {}


def test_eligibility_alone():
    s = scenario([person("a", skills={"gis": 1})], [opportunity("o1", required_skills={"gis": 3})])
    broken = broken_matching_rules(s, [("a", "o1")])
    assert set(broken) == {"eligibility"}
    assert "2 levels short in gis" in broken["eligibility"][0]
    assert broken_matching_rules(s.model_copy(update={"policy": s.policy.model_copy(update={"stretch_levels": 2})}),
                                 [("a", "o1")]) == {}


def test_one_placement_per_person_per_period_alone():
    s = scenario([person("a"), person("b")], [opportunity("o1"), opportunity("o2")])
    assert set(broken_matching_rules(s, [("a", "o1"), ("a", "o2")])) == {"one_placement"}
    assert broken_matching_rules(s, [("a", "o1")]) == {}


def test_no_repeated_opportunity_alone():
    s = scenario([person("a")], [opportunity("o1"), opportunity("o2")], periods=2)
    assert set(broken_matching_rules(s, [("a", "o1", 1), ("a", "o1", 2)])) == {"no_repeat"}
    assert broken_matching_rules(s, [("a", "o1", 1), ("a", "o2", 2)]) == {}


def test_opportunity_capacity_alone():
    s = scenario([person("a"), person("b")], [opportunity("o1", capacity=1)])
    assert broken_matching_rules(s, [("a", "o1"), ("b", "o1")]) == {"capacity": ["capacity of opportunity o1"]}


def test_team_release_limit_alone():
    teams = [team("home", max_release_share=0.5), team("host")]
    s = scenario([person("a"), person("b"), person("c"), person("d")], [opportunity("o1", capacity=4)], teams)
    assert set(broken_matching_rules(s, [("a", "o1"), ("b", "o1"), ("c", "o1")])) == {"release_limit"}
    assert broken_matching_rules(s, [("a", "o1"), ("b", "o1")]) == {}


def test_critical_skills_kept_alone():
    teams = [team("home", critical_skills=(CriticalSkill(skill="first-aid", level=2, count=1),)), team("host")]
    people = [person("a", skills={"first-aid": 3}), person("b", skills={"first-aid": 2}), person("c")]
    s = scenario(people, [opportunity("o1", capacity=3)], teams)
    assert set(broken_matching_rules(s, [("a", "o1"), ("b", "o1")])) == {"critical_skills"}
    assert broken_matching_rules(s, [("a", "o1"), ("c", "o1")]) == {}


def test_pinned_placements_alone():
    s = scenario([person("a")], [opportunity("o1"), opportunity("o2")],
                 pinned=[PersonOpportunity(person_id="a", opportunity_id="o1")])
    assert set(broken_matching_rules(s, [("a", "o2")])) == {"pinned"}
    assert broken_matching_rules(s, [("a", "o1")]) == {}


def test_forbidden_pairs_alone():
    s = scenario([person("a")], [opportunity("o1"), opportunity("o2")],
                 forbidden=[PersonOpportunity(person_id="a", opportunity_id="o1")])
    assert set(broken_matching_rules(s, [("a", "o1")])) == {"forbidden"}
    assert broken_matching_rules(s, [("a", "o2")]) == {}


def test_cross_organisation_cap_alone():
    teams = [team("home", org="council"), team("host", org="hospital")]
    s = scenario([person("a"), person("b")], [opportunity("o1", capacity=2)], teams, max_cross_organisation=1)
    assert set(broken_matching_rules(s, [("a", "o1"), ("b", "o1")])) == {"cross_organisation"}
    assert broken_matching_rules(s, [("a", "o1")]) == {}


def test_fairness_floor_alone():
    people = [person("junior", grade=2), person("senior", grade=8), person("senior2", grade=8)]
    s = scenario(people, [opportunity("o1", capacity=3)],
                 fairness=FairnessFloor(bands=((1, 4), (5, 9)), min_share=0.4))
    assert set(broken_matching_rules(s, [("senior", "o1"), ("senior2", "o1")])) == {"fairness"}
    assert broken_matching_rules(s, [("junior", "o1"), ("senior", "o1")]) == {}


def test_preference_stability_alone():
    people = [person("a", preferences=("o1",)), person("b")]
    s = scenario(people, [opportunity("o1", capacity=1), opportunity("o2", capacity=1)], stable=True)
    # o1 is free and a ranks it first: a and o1 would rather have each other than a's o2
    assert set(broken_matching_rules(s, [("a", "o2")])) == {"stability"}
    assert broken_matching_rules(s, [("a", "o1")]) == {}


# ---------------------------------------------------------------------------------------------
# Crisis redeployment
# ---------------------------------------------------------------------------------------------

PLAN_DATE = date(2027, 1, 11)


def crisis_scenario(people, demand, teams=None, **policy) -> Scenario:
    teams = teams or [Team(team_id="library", name="Library", organisation="council", max_release_share=1.0),
                      Team(team_id="ward", name="Ward", organisation="council", status="critical")]
    return Scenario(teams=tuple(teams), people=tuple(people), demand=tuple(demand),
                    policy=Policy(plan_date=PLAN_DATE, **policy))


def carer(person_id, team_id="library", **kw) -> Person:
    kw.setdefault("skills", {"care": 2})
    return Person(person_id=person_id, name=f"Person {person_id}", team_id=team_id, grade=4, profession="care", **kw)


CARE_IN_WARD = Demand(team_id="ward", skill="care", level=2, count=2, priority=1)


def cover(*person_ids, level=2) -> list[Redeployment]:
    return [Redeployment(p, "ward", "care", level) for p in person_ids]


def test_a_crisis_plan_that_keeps_every_rule_breaks_none():
    s = crisis_scenario([carer("a"), carer("b")], [CARE_IN_WARD])
    assert broken_crisis_rules(s, cover("a", "b"), PLAN_DATE) == {}


@pytest.mark.parametrize("rule, person_kw", [
    ("available", {"available": False}),
    ("rest_period", {"last_redeployed": date(2027, 1, 1)}),
    ("may_cover", {"skills": {"care": 1}}),
])
def test_who_may_be_moved_alone(rule, person_kw):
    s = crisis_scenario([carer("a", **person_kw)], [CARE_IN_WARD])
    assert set(broken_crisis_rules(s, cover("a"), PLAN_DATE)) == {rule}


def test_a_critical_team_releases_nobody_alone():
    teams = [Team(team_id="library", name="Library", organisation="council", status="critical"),
             Team(team_id="ward", name="Ward", organisation="council")]
    s = crisis_scenario([carer("a")], [CARE_IN_WARD], teams)
    assert set(broken_crisis_rules(s, cover("a"), PLAN_DATE)) == {"critical_team_releases_nobody", "team_release_limit"}


def test_nobody_covers_demand_in_their_own_team_alone():
    s = crisis_scenario([carer("a", team_id="ward")], [CARE_IN_WARD],
                        [Team(team_id="library", name="Library", organisation="council"),
                         Team(team_id="ward", name="Ward", organisation="council", max_release_share=1.0)])
    assert set(broken_crisis_rules(s, cover("a"), PLAN_DATE)) == {"may_cover"}


@pytest.mark.parametrize("home, host, broken", [
    ("north", "south", {"redeployed_within_region"}),
    ("north", "north", set()),
    ("", "south", set()),
    ("north", "", set()),
    ("North  East", "north east", set()),
])
def test_crisis_moves_stay_within_a_region_alone(home, host, broken):
    teams = [Team(team_id="library", name="Library", organisation="council", max_release_share=1.0, region=home),
             Team(team_id="ward", name="Ward", organisation="council", status="critical", region=host)]
    s = crisis_scenario([carer("a")], [CARE_IN_WARD], teams)
    assert set(broken_crisis_rules(s, cover("a"), PLAN_DATE)) == broken


def test_demand_units_alone():
    s = crisis_scenario([carer("a"), carer("b"), carer("c")], [CARE_IN_WARD])
    assert set(broken_crisis_rules(s, cover("a", "b", "c"), PLAN_DATE)) == {"demand_units"}


def test_one_move_each_alone():
    s = crisis_scenario([carer("a")], [CARE_IN_WARD])
    assert set(broken_crisis_rules(s, cover("a", "a"), PLAN_DATE)) == {"one_move_each"}


def test_team_release_limit_in_a_crisis_alone():
    teams = [Team(team_id="library", name="Library", organisation="council", max_release_share=0.5),
             Team(team_id="ward", name="Ward", organisation="council", status="critical")]
    s = crisis_scenario([carer("a"), carer("b"), carer("c")], [CARE_IN_WARD], teams)
    assert set(broken_crisis_rules(s, cover("a", "b"), PLAN_DATE)) == {"team_release_limit"}
    assert broken_crisis_rules(s, cover("a"), PLAN_DATE) == {}
    paused = [teams[0].model_copy(update={"status": "paused"}), teams[1]]
    assert broken_crisis_rules(crisis_scenario(s.people, s.demand, paused), cover("a", "b"), PLAN_DATE) == {}


def test_critical_skills_kept_in_a_crisis_alone():
    teams = [Team(team_id="library", name="Library", organisation="council", max_release_share=1.0,
                  critical_skills=(CriticalSkill(skill="care", level=2, count=1),)),
             Team(team_id="ward", name="Ward", organisation="council", status="critical")]
    s = crisis_scenario([carer("a"), carer("b"), carer("c", skills={"care": 3})], [CARE_IN_WARD], teams)
    assert broken_crisis_rules(s, cover("a", "b"), PLAN_DATE) == {}
    three = crisis_scenario(s.people, [CARE_IN_WARD.model_copy(update={"count": 3})], teams)
    assert set(broken_crisis_rules(three, cover("a", "b", "c"), PLAN_DATE)) == {"critical_skills_kept"}


# ---------------------------------------------------------------------------------------------
# Matching and crisis share one release limit and one critical-skill rule (planner.staffing)
# ---------------------------------------------------------------------------------------------


def test_matching_and_crisis_read_the_same_release_limit_and_critical_skill_rule():
    calm = generate_scenario(300, 5)  # every team normal: both modes apply both rules in full
    matching = scenario_arrays(calm)
    crisis_arrays = build_arrays(calm, PLAN_DATE, None)
    np.testing.assert_array_equal(matching.team_allowance, crisis_arrays.team_limit)
    table = critical_skills_table(matching, calm.teams)
    matching_may_leave = {(int(r.team), r.skill_id, int(r.level)): int(r.may_leave) for r in table.itertuples()}
    crisis_may_leave = {(c.team, c.skill, c.level): c.may_leave for c in crisis_arrays.critical}
    assert matching_may_leave == crisis_may_leave and len(crisis_may_leave) > 10
