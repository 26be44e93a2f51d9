"""One rule, one source: the vectorised eligibility mask and the plain-words reasons agree.

On random small scenarios (teams in regions or none, remote opportunities or not), a (person, opportunity) pair is eligible by `eligibility_mask` exactly
when `eligibility_reasons` lists no reason, and the optimiser's candidate pairs, the generator's
count and the pathway search (which all call the mask) find the same pairs.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from property_examples import examples

from optimiser.candidates import candidate_pairs
from planner.domain import Opportunity, Person, Policy, Scenario, Team
from planner.eligibility import eligibility_arrays, eligibility_mask, eligibility_reasons
from planner.generate import eligible_pair_count
from planner.pathways import PathwayIndex

TEAMS = ("north", "south", "east")
REGIONS = ("", "North East", "north  east", "London")  # "" = the team names no region
SKILLS = ("casework", "gis", "budgeting")
PROFESSIONS = ("social-work", "finance", "nursing")

skill_levels = st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), max_size=3)


@st.composite
def people(draw, count: int) -> list[Person]:
    return [
        Person(
            person_id=f"P{i}", name=f"Person {i}", team_id=draw(st.sampled_from(TEAMS)),
            grade=draw(st.integers(1, 9)), profession=draw(st.sampled_from(PROFESSIONS)),
            skills=draw(skill_levels), available=draw(st.booleans()),
            must_practise=draw(st.sampled_from((0.0, 0.2, 0.5, 0.8))),
        )
        for i in range(count)
    ]


@st.composite
def opportunities(draw, count: int) -> list[Opportunity]:
    found = []
    for i in range(count):
        low = draw(st.one_of(st.none(), st.integers(1, 9)))
        high = draw(st.one_of(st.none(), st.integers(low or 1, 9)))
        found.append(Opportunity(
            opportunity_id=f"O{i}", title=f"Opportunity {i}", kind=draw(st.sampled_from(("secondment", "role", "project"))),
            host_team_id=draw(st.sampled_from(TEAMS)), required_skills=draw(skill_levels),
            grade_min=low, grade_max=high, fte=draw(st.sampled_from((0.1, 0.2, 0.5, 0.8, 1.0))),
            profession=draw(st.sampled_from(("",) + PROFESSIONS)), capacity=1,
            remote=draw(st.booleans()),
        ))
    return found


@st.composite
def scenarios(draw) -> Scenario:
    return Scenario(
        teams=tuple(Team(team_id=t, name=f"Team {t}", organisation="council", region=draw(st.sampled_from(REGIONS)))
                    for t in TEAMS),
        people=tuple(draw(people(draw(st.integers(1, 6))))),
        opportunities=tuple(draw(opportunities(draw(st.integers(1, 6))))),
        policy=Policy(stretch_levels=draw(st.integers(0, 2))),
    )


def reasons_table(scenario: Scenario) -> np.ndarray:
    stretch = scenario.policy.stretch_levels
    return np.array([
        [not eligibility_reasons(p, o, scenario, stretch) for o in scenario.opportunities]
        for p in scenario.people
    ])


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_the_mask_says_eligible_exactly_when_the_reasons_list_is_empty(scenario):
    people_arrays, opportunity_arrays = eligibility_arrays(scenario)
    mask = eligibility_mask(people_arrays, opportunity_arrays, scenario.policy.stretch_levels)
    np.testing.assert_array_equal(mask, reasons_table(scenario))


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_candidate_pairs_generator_count_and_pathways_use_the_same_rules(scenario):
    expected = reasons_table(scenario)
    pairs = candidate_pairs(scenario)
    found = np.zeros(expected.shape, dtype=bool)
    found[pairs["person"].to_numpy(), pairs["opp"].to_numpy()] = True
    np.testing.assert_array_equal(found, expected)  # every opportunity here has a place
    assert eligible_pair_count(scenario, scenario.policy.stretch_levels) == int(expected.sum())
    index = PathwayIndex(scenario)
    for row, person in enumerate(scenario.people):
        search = index._search_context(person, None)
        np.testing.assert_array_equal(index._eligible(search, search.start), expected[row])
