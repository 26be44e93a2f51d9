"""Crisis redeployment within regions, and in parts (one per region) with the same optimum."""

from __future__ import annotations

from datetime import date

from checkers.rule_verifier import Redeployment, broken_crisis_rules
from hypothesis import given
from hypothesis import strategies as st
from regional import regional_crisis, with_regions

from optimiser.distributed.crisis import combine_status, redeploy_in_parts, region_parts
from optimiser.redeploy import redeploy
from optimiser.redeploy.arrays import region_codes
from optimiser.redeploy.rules import redeployed_within_region, within_region_mask
from planner.domain import Demand, Person, Policy, Scenario, Team

PLAN_DATE = date(2027, 1, 11)
REGION_NAMES = ["", "North", "South", "Wales", "north ", "NORTH", " "]


@given(st.sampled_from(REGION_NAMES), st.sampled_from(REGION_NAMES))
def test_the_region_mask_and_the_region_rule_agree(home, host):
    a = Team(team_id="a", name="A", organisation="o", region=home)
    b = Team(team_id="b", name="B", organisation="o", region=host)
    codes = region_codes([a, b])  # as the arrays code them: 0 for no region
    assert bool(within_region_mask(codes[:1], codes[1:])[0]) == redeployed_within_region(a, b)


def _two_regions(library_region: str) -> Scenario:
    teams = (Team(team_id="library", name="Library", organisation="council", max_release_share=1.0, region=library_region),
             Team(team_id="ward", name="Ward", organisation="council", status="critical", region="South"))
    people = (Person(person_id="a", name="A", team_id="library", grade=4, profession="care", skills={"care": 3}),)
    demand = (Demand(team_id="ward", skill="care", level=2, count=1, priority=1),)
    return Scenario(teams=teams, people=people, demand=demand, policy=Policy(plan_date=PLAN_DATE))


def test_in_a_crisis_nobody_is_sent_to_another_region_and_the_reason_says_so():
    across = redeploy(_two_regions("North"))
    assert across.assignments == [] and across.objective == 0 and across.bound == 0
    assert across.status == "OPTIMAL"
    assert "another region" in across.uncovered[0].reason
    assert across.uncovered[0].holders["other_region"] == 1
    assert across.protected.resting_candidates == 0
    within = redeploy(_two_regions("South"))
    assert [a.person_id for a in within.assignments] == ["a"]
    no_region = redeploy(_two_regions(""))  # a team naming no region sends people anywhere
    assert [a.person_id for a in no_region.assignments] == ["a"]


def _moves(result):
    return [Redeployment(a.person_id, a.to_team_id, a.skill, a.level) for a in result.assignments]


def test_every_solver_keeps_crisis_moves_within_their_region():
    scenario = regional_crisis(300, 3)
    for method in ("auto", "cp-sat"):
        result = redeploy(scenario, time_limit_s=20, method=method)
        assert result.assignments, "the scenario must move people for this test to mean anything"
        assert broken_crisis_rules(scenario, _moves(result), result.plan_date) == {}, method


def test_regions_change_the_plan_of_a_generated_crisis():
    """Without the region rule some moves would cross regions: the rule is not idle here."""
    scenario = regional_crisis(300, 3)
    free = redeploy(with_regions(scenario, ("",)), time_limit_s=20)
    region_of = {t.team_id: t.region for t in scenario.teams}
    assert any(region_of[a.from_team_id] != region_of[a.to_team_id] for a in free.assignments)


def test_redeployment_in_parts_by_region_reaches_the_single_process_optimum():
    scenario = regional_crisis(400, 5)
    single = redeploy(scenario, time_limit_s=20)
    parts = redeploy_in_parts(scenario, time_limit_s=20)
    assert len(parts.parts) == 3 and {p["region"] for p in parts.parts} == {"North", "Midlands", "South"}
    assert single.status == parts.status == "OPTIMAL"
    assert parts.objective == single.objective > 0
    assert [(c.priority, c.demanded, c.covered) for c in parts.coverage_by_priority] == \
        [(c.priority, c.demanded, c.covered) for c in single.coverage_by_priority]
    assert parts.bound == sum(p["bound"] for p in parts.parts) == single.bound
    assert parts.people_moved == single.people_moved
    assert parts.protected == single.protected
    assert {(u.team_id, u.skill, u.level, u.units) for u in parts.uncovered} == \
        {(u.team_id, u.skill, u.level, u.units) for u in single.uncovered}
    assert broken_crisis_rules(scenario, _moves(parts), parts.plan_date) == {}


def test_a_replan_in_parts_keeps_as_much_of_the_previous_plan_as_one_process_does():
    scenario = regional_crisis(400, 5)
    first = redeploy(scenario, time_limit_s=20)
    fewer = scenario.model_copy(update={"demand": scenario.demand[1:]})
    single = redeploy(fewer, baseline=first, time_limit_s=20)
    parts = redeploy_in_parts(fewer, baseline=first, time_limit_s=20)
    assert parts.objective == single.objective
    assert len(parts.changes.stayed) == len(single.changes.stayed) > 0
    assert parts.changes.returned == single.changes.returned


def test_regions_spelt_differently_in_case_or_spacing_are_one_part():
    scenario = regional_crisis(200, 2)
    teams = tuple(t.model_copy(update={"region": f" {t.region.upper()} "}) if i % 2 else t
                  for i, t in enumerate(scenario.teams))
    parts = region_parts(scenario.model_copy(update={"teams": teams}))
    assert sorted(region.casefold() for region, _ in parts) == ["midlands", "north", "south"]


def test_a_busy_team_without_a_region_joins_every_region_into_one_part():
    scenario = regional_crisis(200, 2)
    teams = (scenario.teams[0].model_copy(update={"region": ""}),) + scenario.teams[1:]
    assert [region for region, _ in region_parts(scenario.model_copy(update={"teams": teams}))] == [""]
    assert len(region_parts(scenario)) == 3


def test_a_part_carries_no_equality_monitoring_and_no_opportunities():
    scenario = regional_crisis(200, 2).model_copy(update={"monitoring": {"P00001": {"ethnicity": "x"}}})
    for _, part in region_parts(scenario):
        assert part.monitoring == {} and part.opportunities == ()


def test_the_combined_status_is_that_of_the_weakest_part():
    assert combine_status(["OPTIMAL", "OPTIMAL"]) == "OPTIMAL"
    assert combine_status(["OPTIMAL", "FEASIBLE"]) == "FEASIBLE"
    assert combine_status(["FEASIBLE", "STOPPED_EARLY", "OPTIMAL"]) == "STOPPED_EARLY"


def test_a_region_without_demand_is_a_part_that_moves_nobody_and_still_counts_who_is_protected():
    scenario = regional_crisis(300, 3)
    north = {t.team_id for t in scenario.teams if t.region == "North"}
    quiet_north = scenario.model_copy(update={"demand": tuple(d for d in scenario.demand if d.team_id not in north)})
    single, parts = redeploy(quiet_north), redeploy_in_parts(quiet_north)
    assert parts.objective == single.objective and parts.protected == single.protected
    north_part = next(p for p in parts.parts if p["region"] == "North")
    assert north_part["demand_units"] == 0 and north_part["objective"] == 0 and north_part["status"] == "OPTIMAL"


def test_a_previous_move_across_regions_is_not_kept_and_is_not_reported_missing():
    scenario = regional_crisis(300, 3)
    before_regions = redeploy(with_regions(scenario, ("",)), time_limit_s=20)
    region_of = {t.team_id: t.region for t in scenario.teams}
    across = {a.person_id for a in before_regions.assignments if region_of[a.from_team_id] != region_of[a.to_team_id]}
    assert across, "the previous plan must move someone across regions for this test to mean anything"
    for result in (redeploy(scenario, baseline=before_regions, time_limit_s=20),
                   redeploy_in_parts(scenario, baseline=before_regions, time_limit_s=20)):
        assert not across & set(result.changes.stayed)
        assert broken_crisis_rules(scenario, _moves(result), result.plan_date) == {}
        assert not any("no longer in the scenario" in note for note in result.notes)
    single = redeploy(scenario, baseline=before_regions, time_limit_s=20)
    parts = redeploy_in_parts(scenario, baseline=before_regions, time_limit_s=20)
    assert parts.objective == single.objective and parts.changes.stayed == single.changes.stayed
