"""The coordinating pass's scenario of what is left (optimiser.distributed.coordinate): each
team may release exactly what the parts left, each critical skill keeps its holders, places
left are what no period used, and pinned placements are never reopened."""

from __future__ import annotations

import numpy as np
import pytest
from matching_helpers import opportunity, person, scenario, team

from optimiser.distributed.coordinate import critical_left, places_left, release_left, reopened, what_is_left
from planner.domain import CriticalSkill, PersonOpportunity, Placement
from planner.staffing import release_allowance


@pytest.mark.parametrize("headcount", [1, 7, 10, 33])
@pytest.mark.parametrize("share,min_staff", [(0.2, None), (0.5, 3), (1.0, None), (0.3, 30)])
def test_a_team_may_release_exactly_what_the_parts_left(headcount, share, min_staff):
    whole = team("T", max_release_share=share, min_staff=min_staff)
    allowance = release_allowance(whole, headcount)
    for released in range(allowance + 1):
        cut = release_left(whole, headcount, released)
        assert release_allowance(cut, headcount) == allowance - released


@pytest.mark.parametrize("holders,count", [(5, 2), (2, 2), (1, 3), (6, 1)])
def test_a_critical_skill_lets_only_the_holders_who_may_still_leave_go(holders, count):
    skill = CriticalSkill(skill="s", level=2, count=count)
    may_leave = max(0, holders - count)
    for left_already in range(may_leave + 1):
        adjusted = critical_left(skill, holders, left_already)
        still = may_leave - left_already
        if adjusted is None:
            assert still >= holders
        else:
            assert max(0, holders - adjusted.count) == still


def _two_teams():
    people = [person(f"P{i}", "home", skills={"s": 3}) for i in range(6)] + [person("Q1", "host")]
    teams = [team("home", max_release_share=0.5, critical_skills=(CriticalSkill(skill="s", level=2, count=2),)),
             team("host")]
    return scenario(people, [opportunity("O1", capacity=3), opportunity("O2", host="home", capacity=1)], teams,
                    periods=2)


def test_what_is_left_in_a_period_counts_that_period_and_forbids_repeats():
    sc = _two_teams()
    placed = [Placement(person_id="P0", opportunity_id="O1", period=1),
              Placement(person_id="P1", opportunity_id="O1", period=1),
              Placement(person_id="P2", opportunity_id="O1", period=2)]
    assert places_left(sc, [p for p in placed if p.period == 1]) == {"O1": 1, "O2": 1}
    rest = what_is_left(sc, sc.policy, placed, {"P2", "P3", "P4"}, period=1)
    home = rest.team_by_id["home"]
    # the home team may release 3 of 6 and must keep 2 of its 6 holders: period 1 used 2 of both
    assert release_allowance(home, 6) == 1
    assert max(0, 6 - home.critical_skills[0].count) == 6 - 2 - 2
    assert {p.person_id for p in rest.people if p.available} == {"P2", "P3", "P4"}
    assert rest.opportunity_by_id["O1"].capacity == 1
    assert rest.policy.periods == 1
    # P2 has O1 in period 2: not again in period 1
    assert PersonOpportunity(person_id="P2", opportunity_id="O1") in rest.policy.forbidden
    assert len(rest.people) == len(sc.people)  # teams keep their make-up: scores are the whole's
    later = what_is_left(sc, sc.policy, placed, {"P3"}, period=2)
    assert later.opportunity_by_id["O1"].capacity == 2
    assert release_allowance(later.team_by_id["home"], 6) == 2
    assert not later.policy.forbidden


def test_a_pinned_placement_is_never_reopened():
    sc = _two_teams()
    placed = [Placement(person_id="P0", opportunity_id="O1", period=1),
              Placement(person_id="P1", opportunity_id="O1", period=1)]
    o1 = [o.opportunity_id for o in sc.opportunities].index("O1")
    cross_opp, cross_person = np.array([o1]), np.array([6])  # Q1 of another part could take O1
    kept, freed = reopened(sc, sc.policy, placed, (cross_person, cross_opp, np.array([500])))
    assert {p.person_id for p in freed} == {"P0", "P1"} and not kept
    policy = sc.policy.model_copy(update={"pinned": (PersonOpportunity(person_id="P0", opportunity_id="O1"),)})
    kept, freed = reopened(sc, policy, placed, (cross_person, cross_opp, np.array([500])))
    assert [p.person_id for p in kept] == ["P0"] and [p.person_id for p in freed] == ["P1"]
