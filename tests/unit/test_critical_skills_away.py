"""A holder of a team's critical skill who is away on a decided assignment is not there to
cover it: in the periods they are away, they count among the holders the team lets go."""

from __future__ import annotations

from datetime import date

import pytest
from matching_helpers import opportunity, person, scenario, team

from optimiser.matching import solve_plan
from optimiser.model import model_data
from optimiser.rules import critical_skills_kept
from planner.domain import Commitment, CriticalSkill

JAN = date(2027, 1, 1)


@pytest.mark.parametrize("stable", [False, True])
def test_a_critical_skill_holder_away_leaves_no_room_to_release_another_that_period(stable):
    # home keeps 1 of its 2 first-aid holders; a is away in period 1 only, b wants to go.
    first_aid = (CriticalSkill(skill="first-aid", level=2, count=1),)
    holders = [person(x, skills={"first-aid": 2}, preferences=("O",)) for x in "ab"]
    away = Commitment(person_id="a", start=JAN, end=date(2027, 6, 30))
    sc = scenario(holders, [opportunity("O", capacity=2)],
                  teams=[team("home", critical_skills=first_aid), team("host")],
                  start=JAN, period_months=6, periods=2, commitments=(away,), stable=stable)
    rows = critical_skills_kept(model_data(sc))
    assert rows.ub.tolist() == [0, 1]  # period 1: a's absence uses the one holder home may let go
    plan = solve_plan(sc)
    # One holder leaves, in period 2 (either of them: a is back by then); with preference
    # stability, a team already at its limit in period 1 holds b back, so no blocking pair.
    assert [p.period for p in plan.placements] == [2]
    if stable:
        assert plan.blocking_pairs == []


def test_preference_stability_holds_back_a_holder_when_one_away_already_uses_the_limit():
    # One period, a away for all of it: b may not go, and stability must accept that (b held
    # back by the critical skill) rather than find the plan impossible.
    first_aid = (CriticalSkill(skill="first-aid", level=2, count=1),)
    holders = [person(x, skills={"first-aid": 2}, preferences=("O",)) for x in "ab"]
    sc = scenario(holders, [opportunity("O", capacity=2)],
                  teams=[team("home", critical_skills=first_aid), team("host")],
                  start=JAN, period_months=6, periods=1, stable=True,
                  commitments=(Commitment(person_id="a", start=JAN, end=date(2027, 6, 30)),))
    plan = solve_plan(sc)
    assert plan.status in ("OPTIMAL", "FEASIBLE") and plan.placements == [] and plan.blocking_pairs == []
    assert "critical skill kept" in plan.unplaced["b"]  # and b is told why
