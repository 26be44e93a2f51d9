"""`trellis pathways` and `trellis network` on the bundled sample data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from checkers.pathway_checker import replay_violations
from click.testing import CliRunner

from planner.cli import main

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample"


@pytest.fixture(scope="module")
def sample():
    from planner.scenario_io import read_scenario

    return read_scenario(SAMPLE).scenario


@pytest.fixture(scope="module")
def someone_with_pathways(sample):
    from planner.pathways import PathwayIndex

    index = PathwayIndex(sample)
    for person in sample.people:
        if person.aspirations and len(index.pathways_for(person.person_id).pathways) >= 2:
            return person.person_id
    pytest.fail("no one in the sample has two pathways")


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_pathways_json_replays_clean(sample, someone_with_pathways):
    result = run("pathways", SAMPLE, "--person", someone_with_pathways, "--max-steps", 2, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["person_id"] == someone_with_pathways
    assert document["pathways"]
    assert replay_violations(sample, document, max_steps=2) == []


def test_pathways_text_shows_the_kinds_side_by_side(someone_with_pathways):
    result = run("pathways", SAMPLE, "--person", someone_with_pathways)
    assert result.exit_code == 0, result.output
    assert f"Pathways for {someone_with_pathways}" in result.output
    for heading in ("Networked:", "Developmental:", "Ladder:"):
        assert heading in result.output


def test_pathways_with_a_skill_target(sample, someone_with_pathways):
    skill = sorted(sample.skill_ids())[0]
    result = run("pathways", SAMPLE, "--person", someone_with_pathways, "--target", f"{skill}:5", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert all(isinstance(p["target_reached"], bool) for p in document["pathways"])
    assert replay_violations(sample, document, target=f"{skill}:5") == []


@pytest.mark.parametrize(
    "args, message",
    [
        (["--person", "NOBODY"], "Cannot show pathways: unknown person 'NOBODY'"),
        (["--person", "P00001", "--target", "gis:7"], "target level for gis must be 1 to 5, not 7"),
    ],
)
def test_pathways_refuses_bad_requests_with_a_reason(args, message):
    result = run("pathways", SAMPLE, *args)
    assert result.exit_code == 2
    assert message in result.output


def test_network_without_a_plan(sample):
    result = run("network", SAMPLE, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["after"] is None
    assert len(document["nodes"]) == len(sample.teams)
    text = run("network", SAMPLE)
    assert text.exit_code == 0 and "Organisation network:" in text.output


def test_network_with_a_plan_shows_before_and_after(sample, tmp_path):
    people = sample.people
    opps = [o for o in sample.opportunities if o.host_team_id != people[0].team_id]
    plan = tmp_path / "plan.csv"
    plan.write_text(
        "person_id,opportunity_id,period,score\n"
        + "".join(f"{p.person_id},{opps[i % len(opps)].opportunity_id},1,1\n" for i, p in enumerate(people[:40]))
    )
    result = run("network", SAMPLE, "--plan", plan, "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["after"]["links"] >= document["before"]["links"]
    assert document["flows"]
    text = run("network", SAMPLE, "--plan", plan)
    assert "before the plan" in text.output


def test_network_refuses_a_plan_for_another_scenario(tmp_path):
    plan = tmp_path / "plan.csv"
    plan.write_text("person_id,opportunity_id,period,score\nNOBODY,OPP0001,1,1\n")
    result = run("network", SAMPLE, "--plan", plan)
    assert result.exit_code == 2
    assert "plan.csv, row 2, column person_id: unknown person 'NOBODY'" in result.output
