"""Splitting a scenario into parts (optimiser.distributed.parts): parts follow regions, else
clusters of whole organisations; a part's scenario scores its pairs as the whole scenario does."""

from __future__ import annotations

import numpy as np
import pytest
from regional_scenarios import regional_scenario

from optimiser.candidates import candidate_pairs
from optimiser.distributed.cross import cross_pairs
from optimiser.distributed.parts import (
    NO_REGION,
    balanced_groups,
    part_of_opportunities,
    part_of_people,
    part_scenario,
    pins_across_parts,
    split_scenario,
)
from optimiser.model import model_data
from planner.domain import PersonOpportunity
from planner.generate import generate_scenario


def _every_item_once(scenario, parts):
    people = np.sort(np.concatenate([p.people for p in parts]))
    opps = np.sort(np.concatenate([p.opportunities for p in parts]))
    teams = np.sort(np.concatenate([p.teams for p in parts]))
    assert people.tolist() == list(range(len(scenario.people)))
    assert opps.tolist() == list(range(len(scenario.opportunities)))
    assert teams.tolist() == list(range(len(scenario.teams)))


def test_parts_follow_regions_and_hold_whole_teams_with_their_opportunities():
    scenario = regional_scenario(600, 1, regions=3)
    parts = split_scenario(scenario)
    assert sorted(p.name for p in parts) == ["R1", "R2", "R3"]
    _every_item_once(scenario, parts)
    for part in parts:
        assert {scenario.teams[t].region for t in part.teams} == {part.name}
        team_ids = {scenario.teams[t].team_id for t in part.teams}
        assert {scenario.people[i].team_id for i in part.people} <= team_ids
        assert {scenario.opportunities[o].host_team_id for o in part.opportunities} <= team_ids
        # remote or not, an opportunity stays with its host team's part
        assert {scenario.opportunities[o].remote for o in part.opportunities} == {True, False}


def test_teams_without_a_region_form_a_part_of_their_own():
    scenario = regional_scenario(300, 2, regions=2)
    first = scenario.teams[0].model_copy(update={"region": ""})
    scenario = scenario.model_copy(update={"teams": (first,) + scenario.teams[1:]})
    parts = split_scenario(scenario)
    assert sorted(p.name for p in parts) == [NO_REGION, "R1", "R2"]
    alone = next(p for p in parts if p.name == NO_REGION)
    assert alone.teams.tolist() == [0]


def test_fewer_parts_than_regions_groups_whole_regions():
    scenario = regional_scenario(600, 3, regions=4)
    parts = split_scenario(scenario, parts=2)
    assert len(parts) == 2
    _every_item_once(scenario, parts)
    regions = [{scenario.teams[t].region for t in p.teams} for p in parts]
    assert not regions[0] & regions[1]


def test_without_regions_organisation_clusters_keep_organisations_whole_and_similar_in_headcount():
    scenario = generate_scenario(2000, 4)
    organisations = {t.organisation for t in scenario.teams}
    parts = split_scenario(scenario, parts=2)
    assert len(parts) == min(2, len(organisations))
    _every_item_once(scenario, parts)
    org_of_part = [{scenario.teams[t].organisation for t in p.teams} for p in parts]
    assert not set.intersection(*org_of_part)
    headcount = scenario.headcount_by_team
    org_size: dict[str, int] = {}
    for t in scenario.teams:
        org_size[t.organisation] = org_size.get(t.organisation, 0) + headcount[t.team_id]
    sizes = [len(p.people) for p in parts]
    # heaviest first into the lightest group: groups differ by at most the largest organisation
    assert max(sizes) - min(sizes) <= max(org_size.values())


def test_balanced_groups_put_the_heaviest_first_into_the_lightest_group_and_drop_empty_ones():
    assert balanced_groups({"a": 10, "b": 6, "c": 5, "d": 1}, 2) == [["a", "d"], ["b", "c"]]
    assert balanced_groups({"d": 1, "c": 5, "b": 6, "a": 10}, 2) == [["a", "d"], ["b", "c"]]
    assert balanced_groups({"a": 3}, 4) == [["a"]]


def test_a_parts_scenario_scores_its_pairs_exactly_as_the_whole_scenario_does():
    scenario = regional_scenario(600, 5, regions=3)
    def key(pairs, arrays) -> dict:
        """(person id, opportunity id) -> points."""
        return dict(zip(zip(arrays.person_ids[pairs["person"]], arrays.opp_ids[pairs["opp"]]), pairs["points"]))

    whole = model_data(scenario, scenario.policy, prune=False)
    whole_points = key(whole.pairs, whole.arrays)
    for part in split_scenario(scenario):
        sub = part_scenario(scenario, part, scenario.policy)
        data = model_data(sub, sub.policy, prune=False)
        part_points = key(data.pairs, data.arrays)
        assert part_points, "every part has pairs"
        for pair, points in part_points.items():
            assert whole_points[pair] == points, pair
        # a ranking naming an opportunity of another part keeps its place (a stand-in, no places)
        ranked_elsewhere = {o for p in sub.people for o in p.preferences} - \
            {scenario.opportunities[i].opportunity_id for i in part.opportunities}
        assert all(sub.opportunity_by_id[o].capacity == 0 for o in ranked_elsewhere)


def test_pins_and_forbids_across_parts_are_found():
    scenario = regional_scenario(300, 6, regions=2)
    parts = split_scenario(scenario)
    person_part = part_of_people(scenario, parts)
    opp_part = part_of_opportunities(scenario, parts)
    person = scenario.people[0]
    inside = next(o for i, o in enumerate(scenario.opportunities) if opp_part[i] == person_part[0])
    outside = next(o for i, o in enumerate(scenario.opportunities) if opp_part[i] != person_part[0])
    policy = scenario.policy.model_copy(update={
        "pinned": (PersonOpportunity(person_id=person.person_id, opportunity_id=inside.opportunity_id),),
        "forbidden": (PersonOpportunity(person_id=person.person_id, opportunity_id=outside.opportunity_id),)})
    assert pins_across_parts(scenario, policy, parts) == ["forbidden placement 1"]


@pytest.mark.parametrize("regions", [2, 5])
def test_every_part_keeps_the_commitments_and_pins_of_its_own_people_only(regions):
    scenario = regional_scenario(400, 7, regions=regions)
    parts = split_scenario(scenario)
    person = scenario.people[3]
    part = next(p for p in parts if 3 in p.people.tolist())
    inside = scenario.opportunities[part.opportunities[0]]
    policy = scenario.policy.model_copy(update={
        "pinned": (PersonOpportunity(person_id=person.person_id, opportunity_id=inside.opportunity_id),)})
    for other in parts:
        sub = part_scenario(scenario, other, policy)
        assert len(sub.policy.pinned) == (1 if other is part else 0)


def test_regions_spelt_differently_are_one_part_as_the_region_rule_reads_them():
    scenario = regional_scenario(300, 8, regions=2)
    teams = tuple(t.model_copy(update={"region": " r1 " if t.region == "R1" and i % 2 else t.region})
                  for i, t in enumerate(scenario.teams))
    parts = split_scenario(scenario.model_copy(update={"teams": teams}))
    assert sorted(p.name.strip().casefold() for p in parts) == ["r1", "r2"]


@pytest.mark.parametrize("seed", [61, 62])
def test_the_pairs_across_parts_are_exactly_the_eligible_pairs_whose_ends_are_in_two_parts(seed):
    scenario = regional_scenario(900, seed, regions=4, remote_share=0.25, time_limit_s=5)
    parts = split_scenario(scenario)
    person_part = part_of_people(scenario, parts)
    opp_part = part_of_opportunities(scenario, parts)
    every = candidate_pairs(scenario)
    across = every[person_part[every["person"].to_numpy()] != opp_part[every["opp"].to_numpy()]]
    found = cross_pairs(scenario, scenario.policy, parts)
    assert len(across) > 0
    assert sorted(zip(found.person.tolist(), found.opp.tolist())) == sorted(
        zip(across["person"].tolist(), across["opp"].tolist()))
