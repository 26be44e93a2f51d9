"""Equality monitoring's hard rule (the four-fifths rule): each group's placement rate is at least
`min_ratio` times the best group's, for groups of at least 10 eligible people; tested alone with
the verifier, in a solve, and when it cannot hold."""

from __future__ import annotations

import numpy as np
from checkers.rule_verifier import broken_matching_rules
from matching_helpers import opportunity, person, scenario

from optimiser.greedy import greedy_plan
from optimiser.matching import solve_plan
from optimiser.model import model_data
from optimiser.rules import build_rows
from planner.domain import EqualityPolicy, PersonOpportunity


def two_groups(size_a=10, size_b=10, capacity=10, min_ratio=0.8, attribute="ethnicity", **policy):
    """Group A (expert) and group B (novices, who gain more, so score higher), all eligible for
    one opportunity O."""
    people = [person(f"a{i}", skills={"gis": 5}, aspirations={"gis": 5}) for i in range(size_a)]
    people += [person(f"b{i}", skills={"gis": 1}) for i in range(size_b)]
    equality = EqualityPolicy(attribute=attribute, min_ratio=min_ratio) if attribute else EqualityPolicy()
    s = scenario(people, [opportunity("O", capacity=capacity, required_skills={"gis": 1},
                                      development_skills={"gis": 5})], equality=equality, **policy)
    monitoring = {f"a{i}": {"ethnicity": "Group A"} for i in range(size_a)}
    monitoring |= {f"b{i}": {"ethnicity": "Group B"} for i in range(size_b)}
    return s.model_copy(update={"monitoring": monitoring})


def rates(plan, s):
    placed = {p.person_id for p in plan.placements}
    groups = {}
    for person_id, values in s.monitoring.items():
        total, hits = groups.get(values["ethnicity"], (0, 0))
        groups[values["ethnicity"]] = (total + 1, hits + (person_id in placed))
    return {g: hits / total for g, (total, hits) in groups.items()}


def test_the_rule_alone_names_the_group_left_behind():
    s = two_groups()
    broken = broken_matching_rules(s, [(f"a{i}", "O") for i in range(6)] + [(f"b{i}", "O") for i in range(4)])
    assert broken == {"equality": ["equality: the placement rate of ethnicity group Group B could not reach "
                                   "80% of group Group A's"]}
    assert broken_matching_rules(s, [(f"a{i}", "O") for i in range(5)] + [(f"b{i}", "O") for i in range(4)]) == {}


def test_groups_under_ten_eligible_people_are_not_compared():
    s = two_groups(size_b=9)
    assert broken_matching_rules(s, [(f"a{i}", "O") for i in range(10)]) == {}


def test_people_not_eligible_do_not_count_towards_a_group():
    # Ten in group B, but one is unavailable: nine eligible, so B is too small to compare.
    s = two_groups()
    people = tuple(p.model_copy(update={"available": False}) if p.person_id == "b0" else p for p in s.people)
    s = s.model_copy(update={"people": people})
    assert broken_matching_rules(s, [(f"a{i}", "O") for i in range(10)]) == {}


def test_without_the_rule_the_rates_differ_and_with_it_they_meet_four_fifths():
    free = solve_plan(two_groups(attribute=None).model_copy(update={"monitoring": two_groups().monitoring}))
    free_rates = rates(free, two_groups())
    assert sorted(free_rates.values()) == [0.0, 1.0]  # one group takes every place
    fair_scenario = two_groups()
    fair = solve_plan(fair_scenario)
    assert fair.status == "OPTIMAL"
    fair_rates = rates(fair, fair_scenario)
    assert min(fair_rates.values()) >= 0.8 * max(fair_rates.values()) > 0
    assert len(fair.placements) == 10  # 5 and 5: the most the rule allows


def test_the_rule_holds_in_every_period_of_a_rotation():
    s = two_groups(periods=2, capacity=5)
    plan = solve_plan(s)
    assert plan.status == "OPTIMAL"
    for period in (1, 2):
        placed = {p.person_id for p in plan.placements if p.period == period}
        a = sum(pid.startswith("a") for pid in placed)
        b = sum(pid.startswith("b") for pid in placed)
        assert min(a, b) >= 0.8 * max(a, b)


def test_when_it_cannot_hold_the_plan_says_which_groups_in_plain_words():
    pins = tuple(PersonOpportunity(person_id=f"a{i}", opportunity_id="O") for i in range(10))
    plan = solve_plan(two_groups(pinned=pins))
    assert plan.status == "INFEASIBLE"
    assert any(c == "equality: the placement rate of ethnicity group Group B could not reach 80% of group "
                    "Group A's" for c in plan.conflicts), plan.conflicts


def test_the_greedy_plan_and_its_lp_rounding_keep_the_rule():
    s = two_groups(size_a=14, size_b=12, capacity=12)
    data = model_data(s, prune=False)
    rows = build_rows(data)
    for order in (None, np.arange(data.n_vars)[::-1]):  # best score first, and another order
        chosen = greedy_plan(data, rows, order=order)
        pairs = np.flatnonzero(chosen)
        placements = [(data.person_id(data.pairs["person"].iat[i]), data.opp_id(data.pairs["opp"].iat[i]))
                      for i in pairs]
        assert broken_matching_rules(s, placements) == {}
        assert len(placements) >= 10  # it repairs by placing, not by emptying the plan
