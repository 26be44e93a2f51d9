"""Crisis redeployment, one rule per test, on tiny hand-made scenarios.

Contract: docs/scenario-format.md, "Crisis redeployment". Each test builds two or three teams and
a handful of people so the right answer can be read off the test itself.
"""

from __future__ import annotations

from datetime import date

import pytest

from optimiser.redeploy import Assignment, redeploy, rules
from planner.domain import CriticalSkill, Demand, Person, Policy, Scenario, Team

PLAN_DATE = date(2027, 1, 11)


def team(team_id, status="normal", share=1.0, org="Council", critical=(), min_staff=None):
    return Team(team_id=team_id, name=team_id, organisation=org, status=status, max_release_share=share,
                min_staff=min_staff, critical_skills=tuple(CriticalSkill(skill=s, level=lv, count=c) for s, lv, c in critical))


def person(pid, team_id, available=True, last=None, **skills):
    return Person(person_id=pid, name=f"Person {pid}", team_id=team_id, grade=4, profession="care",
                  skills=skills, available=available, last_redeployed=last)


def need(team_id, skill, level=1, count=1, priority=1):
    return Demand(team_id=team_id, skill=skill, level=level, count=count, priority=priority)


def scenario(teams, people, demand, **policy):
    return Scenario(teams=tuple(teams), people=tuple(people), demand=tuple(demand),
                    policy=Policy(plan_date=PLAN_DATE, workers=1, **policy))


def moved(result) -> dict[str, str]:
    return {a.person_id: a.to_team_id for a in result.assignments}


WARD = team("ward", status="critical")


# ---------------------------------------------------------------------------------------------
# Who may be released
# ---------------------------------------------------------------------------------------------


def test_paused_team_releases_all_its_available_staff():
    s = scenario([team("library", status="paused", share=0.1), WARD],
                 [person(f"p{i}", "library", driving=2) for i in range(5)], [need("ward", "driving", count=5)])
    assert len(redeploy(s).assignments) == 5


def test_critical_team_releases_nobody():
    s = scenario([team("a-and-e", status="critical"), WARD], [person("p1", "a-and-e", nursing=4)],
                 [need("ward", "nursing")])
    result = redeploy(s)
    assert result.assignments == []
    assert "critical teams" in result.uncovered[0].reason


def test_normal_team_releases_at_most_its_release_allowance():
    s = scenario([team("housing", share=0.4), WARD], [person(f"p{i}", "housing", driving=1) for i in range(5)],
                 [need("ward", "driving", count=5)])
    assert len(redeploy(s).assignments) == 2  # floor(0.4 x 5)


def test_normal_team_keeps_min_staff():
    s = scenario([team("housing", share=1.0, min_staff=4), WARD], [person(f"p{i}", "housing", driving=1) for i in range(5)],
                 [need("ward", "driving", count=5)])
    assert len(redeploy(s).assignments) == 1


def test_normal_team_keeps_its_critical_skills_among_those_who_stay():
    people = [person("p1", "housing", driving=1, first_aid=3), person("p2", "housing", driving=1, first_aid=3),
              person("p3", "housing", driving=1)]
    s = scenario([team("housing", critical=[("first_aid", 2, 1)]), WARD], people, [need("ward", "driving", count=3)])
    result = redeploy(s)
    assert len(result.assignments) == 2
    assert "p3" in moved(result)


def test_team_with_fewer_critical_holders_than_needed_keeps_all_of_them():
    people = [person("p1", "housing", driving=1, first_aid=3), person("p2", "housing", driving=1)]
    s = scenario([team("housing", critical=[("first_aid", 2, 2)]), WARD], people, [need("ward", "driving", count=2)])
    assert moved(redeploy(s)) == {"p2": "ward"}


def test_overlapping_critical_skills_are_kept_exactly():
    """Holders of a and b overlap without nesting (not a network flow): the exact model decides."""
    people = [person("p1", "hub", a=1, b=1, x=1), person("p2", "hub", a=1, x=5), person("p3", "hub", b=1, x=1),
              person("p4", "hub", x=1)]
    s = scenario([team("hub", critical=[("a", 1, 1), ("b", 1, 1)]), WARD], people, [need("ward", "x", count=4)])
    result = redeploy(s)
    assert sorted(moved(result)) == ["p2", "p3", "p4"]
    assert result.status == "OPTIMAL" and "MIP" in result.method


# ---------------------------------------------------------------------------------------------
# Who may cover what
# ---------------------------------------------------------------------------------------------


def test_person_needs_the_skill_at_the_demanded_level_or_above():
    s = scenario([team("library", status="paused"), WARD],
                 [person("low", "library", nursing=2), person("high", "library", nursing=4)], [need("ward", "nursing", level=3)])
    assert moved(redeploy(s)) == {"high": "ward"}


def test_a_person_covers_at_most_one_unit():
    s = scenario([team("library", status="paused"), WARD], [person("p1", "library", nursing=3, driving=3)],
                 [need("ward", "nursing"), need("ward", "driving")])
    assert len(redeploy(s).assignments) == 1


def test_nobody_covers_demand_in_their_own_team():
    s = scenario([team("depot", status="paused")], [person("p1", "depot", driving=3)], [need("depot", "driving")])
    result = redeploy(s)
    assert result.assignments == []
    assert "itself" in result.uncovered[0].reason


# ---------------------------------------------------------------------------------------------
# Wellbeing
# ---------------------------------------------------------------------------------------------


def test_unavailable_people_are_never_moved_and_are_counted_as_protected():
    s = scenario([team("library", status="paused"), WARD], [person("p1", "library", available=False, nursing=3)],
                 [need("ward", "nursing")])
    result = redeploy(s)
    assert result.assignments == []
    assert result.protected.unavailable == 1 and result.protected.unavailable_candidates == 1
    assert "not available" in result.uncovered[0].reason


def test_people_within_the_rest_period_are_not_moved():
    s = scenario([team("library", status="paused"), WARD],
                 [person("rested", "library", last=date(2026, 12, 1), nursing=3),
                  person("tired", "library", last=date(2026, 12, 20), nursing=3)],
                 [need("ward", "nursing", count=2)])
    result = redeploy(s)
    assert moved(result) == {"rested": "ward"}
    assert result.protected.resting == 1


def test_rest_period_ends_exactly_rest_days_after_the_last_redeployment():
    """Redeployed on 14 Dec, 28 days before 11 Jan: the 28 days of rest are over on the plan date."""
    assert not rules.is_resting(person("done", "library", last=date(2026, 12, 14)), PLAN_DATE, 28)
    assert rules.is_resting(person("one-day-short", "library", last=date(2026, 12, 15)), PLAN_DATE, 28)
    assert rules.is_resting(person("future", "library", last=date(2027, 1, 12)), PLAN_DATE, 28)
    assert not rules.is_resting(person("no-rest", "library", last=PLAN_DATE), PLAN_DATE, 0)


def test_policy_rest_days_and_plan_date_are_honoured():
    s = scenario([team("library", status="paused"), WARD], [person("p", "library", last=date(2027, 1, 1), nursing=3)],
                 [need("ward", "nursing")], rest_days=7)
    assert moved(redeploy(s)) == {"p": "ward"}
    assert redeploy(s, plan_date=date(2027, 1, 5)).assignments == []


# ---------------------------------------------------------------------------------------------
# Order of goals
# ---------------------------------------------------------------------------------------------


def test_priority_one_is_covered_before_any_priority_two_units():
    """One person may go; two priority-2 units would be more units, but priority 1 comes first."""
    people = [person("p1", "housing", nursing=3, driving=3), person("p2", "housing", driving=3)]
    s = scenario([team("housing", share=0.5), WARD, team("depot", status="critical")], people,
                 [need("ward", "nursing", priority=1), need("depot", "driving", count=2, priority=2)])
    result = redeploy(s)
    assert moved(result) == {"p1": "ward"}
    assert [(c.priority, c.covered) for c in result.coverage_by_priority] == [(1, 1), (2, 0)]


def test_lower_priority_is_filled_without_losing_higher_priority_units():
    people = [person("both", "library", nursing=3, driving=3), person("nurse", "library", nursing=3)]
    s = scenario([team("library", status="paused"), WARD, team("depot", status="critical")], people,
                 [need("ward", "nursing", priority=1), need("depot", "driving", priority=2)])
    assert moved(redeploy(s)) == {"nurse": "ward", "both": "depot"}


def test_closer_skill_match_is_preferred():
    s = scenario([team("library", status="paused"), WARD],
                 [person("expert", "library", nursing=5), person("practitioner", "library", nursing=3)],
                 [need("ward", "nursing", level=3)])
    assert moved(redeploy(s)) == {"practitioner": "ward"}


def test_staying_within_ones_own_organisation_is_preferred():
    s = scenario([team("library", status="paused", org="Charity"), team("leisure", status="paused"),
                  team("ward", status="critical", org="Council")],
                 [person("outsider", "library", nursing=3), person("insider", "leisure", nursing=3)],
                 [need("ward", "nursing")])
    result = redeploy(s)
    assert moved(result) == {"insider": "ward"}
    assert result.cross_organisation_moves == 0


# ---------------------------------------------------------------------------------------------
# Re-plan
# ---------------------------------------------------------------------------------------------


def _baseline(*triples):
    return [Assignment(person_id=p, from_team_id=f, to_team_id=t, skill=s, priority=1) for p, f, t, s in triples]


def test_replan_keeps_previous_redeployments_when_coverage_allows():
    people = [person("a", "library", nursing=3), person("b", "library", nursing=3)]
    s = scenario([team("library", status="paused"), WARD], people, [need("ward", "nursing")])
    for previous in ("a", "b"):
        result = redeploy(s, baseline=_baseline((previous, "library", "ward", "nursing")))
        assert moved(result) == {previous: "ward"}
        assert result.changes.stayed == [previous] and result.people_changed == 0


def test_replan_reports_who_moves_who_returns_who_stays():
    people = [person("stay", "library", nursing=3), person("back", "library", driving=3),
              person("new", "library", nursing=3)]
    s = scenario([team("library", status="paused"), WARD], people, [need("ward", "nursing", count=2)])
    result = redeploy(s, baseline=_baseline(("stay", "library", "ward", "nursing"), ("back", "library", "ward", "driving")))
    assert result.changes.stayed == ["stay"]
    assert result.changes.returned == ["back"]
    assert result.changes.moved == ["new"]
    assert result.people_changed == 2


def test_replan_reaches_the_new_optimum_even_if_that_moves_kept_people():
    """Priority-1 demand appears elsewhere and only the kept person can cover it."""
    people = [person("only", "library", nursing=3, driving=3), person("other", "library", driving=3)]
    s = scenario([team("library", status="paused"), WARD, team("depot", status="critical")], people,
                 [need("ward", "nursing", priority=1), need("depot", "driving", priority=2)])
    result = redeploy(s, baseline=_baseline(("only", "library", "depot", "driving")))
    assert moved(result) == {"only": "ward", "other": "depot"}
    assert result.changes.reassigned == ["only"]


def test_resting_person_on_the_previous_plan_may_stay_but_not_move_elsewhere():
    people = [person("r", "library", last=date(2027, 1, 10), nursing=3, driving=3)]
    s = scenario([team("library", status="paused"), WARD, team("depot", status="critical")], people,
                 [need("ward", "nursing", priority=2), need("depot", "driving", priority=1)])
    assert moved(redeploy(s, baseline=_baseline(("r", "library", "ward", "nursing")))) == {"r": "ward"}
    assert redeploy(s).assignments == []


def test_unavailable_person_on_the_previous_plan_returns():
    s = scenario([team("library", status="paused"), WARD], [person("sick", "library", available=False, nursing=3)],
                 [need("ward", "nursing")])
    result = redeploy(s, baseline=_baseline(("sick", "library", "ward", "nursing")))
    assert result.assignments == [] and result.changes.returned == ["sick"]


def test_replan_prefers_keeping_the_same_duty():
    people = [person("a", "library", nursing=3, driving=3), person("b", "library", nursing=3, driving=3)]
    s = scenario([team("library", status="paused"), WARD], people, [need("ward", "nursing"), need("ward", "driving")])
    previous = _baseline(("a", "library", "ward", "driving"), ("b", "library", "ward", "nursing"))
    result = redeploy(s, baseline=previous)
    assert {a.person_id: a.skill for a in result.assignments} == {"a": "driving", "b": "nursing"}


# ---------------------------------------------------------------------------------------------
# Why a unit is uncovered
# ---------------------------------------------------------------------------------------------


def test_reason_nobody_holds_the_skill():
    s = scenario([team("library", status="paused"), WARD], [person("p", "library", nursing=1)],
                 [need("ward", "nursing", level=4)])
    reason = redeploy(s).uncovered[0].reason
    assert reason.startswith("nobody holds nursing at level 4")


def test_reason_holders_are_resting():
    s = scenario([team("library", status="paused"), WARD], [person("p", "library", last=date(2027, 1, 1), nursing=3)],
                 [need("ward", "nursing")])
    uncovered = redeploy(s).uncovered[0]
    assert "resting" in uncovered.reason and uncovered.holders["resting"] == 1


def test_reason_holders_needed_for_their_teams_critical_skills():
    people = [person("p", "housing", nursing=3), person("q", "housing")]
    s = scenario([team("housing", critical=[("nursing", 3, 1)]), WARD], people, [need("ward", "nursing")])
    assert "needed to keep their own team's critical skills" in redeploy(s).uncovered[0].reason


def test_reason_holders_cover_more_urgent_demand():
    s = scenario([team("library", status="paused"), WARD, team("depot", status="critical")],
                 [person("p", "library", nursing=3)],
                 [need("depot", "nursing", priority=1), need("ward", "nursing", priority=2)])
    uncovered = redeploy(s).uncovered[0]
    assert uncovered.team_id == "ward" and "already covering other demand" in uncovered.reason


def test_reason_team_released_all_it_may():
    people = [person("p", "housing", nursing=3), person("q", "housing", driving=3), person("r", "housing")]
    s = scenario([team("housing", share=0.34), WARD, team("depot", status="critical")], people,
                 [need("depot", "driving", priority=1), need("ward", "nursing", priority=2)])
    assert "released all they may" in redeploy(s).uncovered[0].reason


# ---------------------------------------------------------------------------------------------
# Reporting
# ---------------------------------------------------------------------------------------------


def test_coverage_per_priority_and_per_team_add_up():
    people = [person(f"p{i}", "library", nursing=3) for i in range(3)]
    s = scenario([team("library", status="paused"), WARD, team("clinic", status="critical")], people,
                 [need("ward", "nursing", count=2, priority=1), need("clinic", "nursing", count=2, priority=2)])
    result = redeploy(s)
    assert [(c.demanded, c.covered, c.uncovered, c.bound) for c in result.coverage_by_priority] == [(2, 2, 0, 2), (2, 1, 1, 1)]
    by_team = {t.team_id: t for t in result.coverage_by_team}
    assert by_team["ward"].covered == 2 and by_team["clinic"].uncovered == 1 and by_team["library"].released == 3
    assert result.status == "OPTIMAL" and result.gap == 0 and result.objective == result.bound == 3


def test_progress_is_reported_with_seconds_and_objective():
    events = []
    s = scenario([team("library", status="paused"), WARD], [person("p", "library", nursing=3)], [need("ward", "nursing")])
    redeploy(s, on_progress=events.append)
    assert [e.stage for e in events][0] == "model built" and events[-1].stage == "done"
    assert events[-1].objective == 1 and all(e.seconds >= 0 for e in events)


@pytest.mark.parametrize("with_baseline", [False, True])
def test_cp_sat_method_agrees_with_the_flow(with_baseline):
    people = [person(f"p{i}", t, nursing=1 + i % 5, driving=1 + (i * 3) % 5, first_aid=1 + (i * 7) % 5)
              for i, t in enumerate(["library", "housing", "leisure"] * 4)]
    teams = [team("library", status="paused"), team("housing", share=0.5, critical=[("first_aid", 3, 1), ("nursing", 3, 1)]),
             team("leisure", share=0.25), WARD, team("depot", status="critical")]
    demand = [need("ward", "nursing", 3, 3, 1), need("depot", "driving", 2, 4, 2), need("housing", "first_aid", 2, 2, 1)]
    s = scenario(teams, people, demand)
    baseline = redeploy(s).assignments[:3] if with_baseline else None
    flow = redeploy(s, baseline=baseline)
    exact = redeploy(s, baseline=baseline, method="cp-sat", time_limit_s=20)
    assert exact.status == "OPTIMAL"
    assert [c.covered for c in flow.coverage_by_priority] == [c.covered for c in exact.coverage_by_priority]
    assert flow.skill_surplus_levels + 2 * flow.cross_organisation_moves == exact.skill_surplus_levels + 2 * exact.cross_organisation_moves
    if with_baseline:
        assert len(flow.changes.stayed) == len(exact.changes.stayed)


def test_time_limit_is_honoured_with_a_status():
    people = [person(f"p{i}", "hub", a=1 + i % 2, b=1 + (i // 2) % 2, x=1 + i % 5) for i in range(40)]
    s = scenario([team("hub", critical=[("a", 2, 5), ("b", 2, 5)]), WARD], people, [need("ward", "x", count=30)])
    result = redeploy(s, method="cp-sat", time_limit_s=2)
    assert result.status in ("OPTIMAL", "FEASIBLE") and result.solve_seconds < 6
    assert result.bound >= result.objective


def test_unknown_method_is_refused():
    s = scenario([WARD], [person("p", "ward")], [])
    with pytest.raises(ValueError, match="unknown method"):
        redeploy(s, method="magic")


def test_no_demand_gives_an_empty_optimal_plan():
    s = scenario([team("library", status="paused")], [person("p", "library", nursing=3)], [])
    result = redeploy(s)
    assert result.status == "OPTIMAL" and result.assignments == [] and result.uncovered == []


def test_repaired_relaxation_keeps_every_critical_skill():
    """When the network relaxation breaks an overlapping critical skill, withdrawing the least
    urgent moves gives a plan that keeps it (the fallback when the exact MIP runs out of time)."""
    from optimiser.redeploy.arrays import build_arrays
    from optimiser.redeploy.flow import build_release_tree, critical_skill_overuse, repair, solve_flow

    people = [person("p1", "hub", a=1, b=1, x=1), person("p2", "hub", a=1, x=5), person("p3", "hub", b=1, x=1),
              person("p4", "hub", x=1)]
    s = scenario([team("hub", critical=[("a", 1, 1), ("b", 1, 1)]), WARD], people, [need("ward", "x", count=4)])
    a = build_arrays(s, PLAN_DATE, None)
    tree = build_release_tree(a)
    relaxed = solve_flow(a, tree)
    assert any(critical_skill_overuse(a, relaxed.moves, c) for c in tree.side)
    fixed = repair(a, relaxed.moves, tree.side)
    assert not any(critical_skill_overuse(a, fixed, c) for c in a.critical)
    assert int(fixed.count.sum()) == int(relaxed.moves.count.sum()) - 1
