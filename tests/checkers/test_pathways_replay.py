"""Every step of every returned pathway is eligible with the skills accumulated so far: an
independent checker (tests/checkers/pathway_checker.py) replays the JSON on random, generated and sample
scenarios. The checker is itself shown to catch broken pathways."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from checkers.pathway_checker import fewest_moves_to, random_scenario, replay_violations

from planner.pathways import PathwayIndex

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


def _replay_everyone(scenario, people, targets, max_steps=3):
    index = PathwayIndex(scenario)
    checked = 0
    for person_id in people:
        for target in targets:
            result = index.pathways_for(person_id, target=target, max_steps=max_steps)
            document = json.loads(result.model_dump_json())
            assert replay_violations(scenario, document, target=target, max_steps=max_steps) == [], (person_id, target)
            checked += len(document["pathways"])
    return checked


@pytest.mark.slow  # over ~5 s on a loaded machine: `make test` runs it, `make check` does not
@pytest.mark.parametrize("seed", range(8))
def test_random_scenarios_replay_clean(seed):
    scenario = random_scenario(seed, stretch=seed % 2)
    people = [p.person_id for p in scenario.people]
    checked = _replay_everyone(scenario, people, [None, "O3", "gis:4;python:3"], max_steps=2 + seed % 3)
    assert checked > 50


@pytest.mark.slow  # over ~5 s on a loaded machine: `make test` runs it, `make check` does not
def test_generated_scenario_replays_clean():
    from planner.generate import generate_scenario

    scenario = generate_scenario(800, seed=7)
    people = [p.person_id for p in scenario.people[::8]]
    roles = [o.opportunity_id for o in scenario.opportunities if o.kind.value == "role"]
    skill = sorted(scenario.skill_ids())[0]
    checked = _replay_everyone(scenario, people, [None, roles[0], f"{skill}:4"])
    assert checked > 100


@pytest.mark.slow  # over ~5 s on a loaded machine: `make test` runs it, `make check` does not
def test_bundled_sample_replays_clean_for_everyone():
    from planner.scenario_io import read_scenario

    scenario = read_scenario(SAMPLE).scenario
    checked = _replay_everyone(scenario, [p.person_id for p in scenario.people], [None])
    assert checked > 300


# The checker must be able to fail ----------------------------------------------------------


@pytest.fixture
def sound():
    scenario = random_scenario(3)
    index = PathwayIndex(scenario)
    for person in scenario.people:
        document = json.loads(index.pathways_for(person.person_id, target="gis:4").model_dump_json())
        if any(len(p["steps"]) >= 2 for p in document["pathways"]):
            assert replay_violations(scenario, document, target="gis:4") == []
            return scenario, document
    pytest.fail("no person with a two-step pathway in the random scenario")


def test_checker_catches_wrong_skills_after(sound):
    scenario, document = sound
    broken = copy.deepcopy(document)
    step = next(p for p in broken["pathways"] if len(p["steps"]) >= 2)["steps"][0]
    step["skills_after"] = {**step["skills_after"], "leadership": 5}
    assert any("skills_after" in v for v in replay_violations(scenario, broken, target="gis:4"))


def test_checker_catches_steps_in_the_wrong_order(sound):
    scenario, document = sound
    broken = copy.deepcopy(document)
    pathway = next(p for p in broken["pathways"] if len(p["steps"]) >= 2)
    pathway["steps"].reverse()
    assert replay_violations(scenario, broken, target="gis:4")


def test_checker_catches_an_ineligible_step(sound):
    scenario, document = sound
    person = scenario.person_by_id[document["person_id"]]
    own = next(o for o in scenario.opportunities if o.host_team_id == person.team_id)
    broken = copy.deepcopy(document)
    broken["pathways"][0]["steps"].insert(
        0, {"opportunity_id": own.opportunity_id, "team_id": own.host_team_id, "crosses": ["team"],
            "skills_after": dict(person.skills), "explanation": ""}
    )
    assert any("own team" in v for v in replay_violations(scenario, broken, target="gis:4"))


def test_checker_catches_a_false_target_claim(sound):
    scenario, document = sound
    broken = copy.deepcopy(document)
    broken["pathways"][0]["target_reached"] = not broken["pathways"][0]["target_reached"]
    assert any("target_reached" in v for v in replay_violations(scenario, broken, target="gis:4"))


@pytest.mark.parametrize("seed", range(6))
def test_a_target_that_can_be_reached_is_found(seed):
    """Against an exhaustive search on small scenarios: whenever some sequence of up to 3 eligible
    moves ends on the target, a networked pathway reaches it too."""
    scenario = random_scenario(100 + seed, people=20, opportunities=30, stretch=seed % 2)
    index = PathwayIndex(scenario)
    reachable = 0
    for person in scenario.people:
        for target in [o.opportunity_id for o in scenario.opportunities[:10]]:
            if fewest_moves_to(scenario, person, target, 3) is None:
                continue
            reachable += 1
            result = index.pathways_for(person.person_id, target=target, max_steps=3)
            assert any(p.target_reached for p in result.of_kind("networked")), (person.person_id, target)
    assert reachable > 20
