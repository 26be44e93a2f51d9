"""`trellis plan`, `trellis explain` and `trellis whatif` through the click test runner."""

from __future__ import annotations

import json

import pytest
from checkers.plan_checker import check_plan
from click.testing import CliRunner
from matching_helpers import opportunity, person, scenario, team

from planner.cli import main
from planner.domain import PersonOpportunity


@pytest.fixture
def folder(tmp_path):
    from planner.scenario_io import write_scenario_csv

    sc = scenario([person("a", preferences=("O",)), person("b", preferences=("G",), skills={"gis": 1})],
                  [opportunity("O"), opportunity("G", required_skills={"gis": 3})])
    write_scenario_csv(sc, tmp_path / "scenario")
    return tmp_path


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_plan_writes_csv_and_json_the_checker_accepts(folder):
    result = run("plan", folder / "scenario", "--out", folder / "out", "--time-limit", 5, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert "status OPTIMAL" in result.output
    data = json.loads((folder / "out" / "plan.json").read_text())
    assert data["placements"][0]["person_id"] == "a" and data["gap"] == 0
    assert check_plan(folder / "scenario", folder / "out") == []


def test_plan_shows_progress_when_asked(folder):
    result = CliRunner().invoke(
        main, ["plan", str(folder / "scenario"), "--out", str(folder / "out"), "--progress", "--workers", "1"])
    assert result.exit_code == 0 and "best plan" in result.stderr


def test_explain_gives_the_score_or_the_reason(folder):
    run("plan", folder / "scenario", "--out", folder / "out", "--time-limit", 5, "--workers", 1)
    placed = run("explain", folder / "out", "--person", "a")
    assert "a -> O" in placed.output and "preference (choice 1)" in placed.output
    left_out = run("explain", folder / "out", "--person", "b")
    assert "no placement" in left_out.output and "gis" in left_out.output


def test_whatif_shows_newly_eligible_people_side_by_side(folder):
    result = run("whatif", folder / "scenario", "--relax", "G:gis", "--time-limit", 4, "--workers", 1)
    assert result.exit_code == 0, result.output
    assert "G: 0 -> 2 eligible people" in result.output and "+ b -> G" in result.output
    stretch = run("whatif", folder / "scenario", "--stretch", 2, "--time-limit", 4, "--workers", 1)
    assert "people eligible for at least one more opportunity: 1" in stretch.output


def test_whatif_refuses_a_malformed_relax(folder):
    result = CliRunner().invoke(main, ["whatif", str(folder / "scenario"), "--relax", "G-gis"])
    assert result.exit_code != 0 and "OPPORTUNITY:SKILL" in result.output


def test_infeasible_plan_exits_1_naming_the_rules(tmp_path):
    from planner.scenario_io import write_scenario_csv

    sc = scenario([person("a"), person("b")], [opportunity("O", capacity=2)],
                  teams=[team("home", max_release_share=0.5), team("host")],
                  pinned=(PersonOpportunity(person_id="a", opportunity_id="O"),
                          PersonOpportunity(person_id="b", opportunity_id="O")))
    write_scenario_csv(sc, tmp_path / "s")
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "s"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "release limit of team home" in result.stderr
