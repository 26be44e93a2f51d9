"""redeploy.csv / redeploy.json and the `trellis redeploy` command."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_redeploy_checker import coverage, read_plan, read_world, reference_optimum, rule_violations

from optimiser.redeploy import Assignment, redeploy
from planner.cli import main
from planner.domain import Demand, Person, Policy, Scenario, ScenarioError, Team
from planner.redeploy_io import read_redeploy_csv, read_redeploy_json, write_redeploy

SAMPLE_CRISIS = Path(__file__).resolve().parent.parent / "data" / "sample-crisis"


def _tiny(person_id="p1") -> Scenario:
    return Scenario(
        teams=(Team(team_id="library", name="Library", organisation="Council", status="paused"),
               Team(team_id="ward", name="Ward", organisation="Trust", status="critical")),
        people=(Person(person_id=person_id, name="A Person", team_id="library", grade=3, profession="care",
                       skills={"nursing": 3}),),
        demand=(Demand(team_id="ward", skill="nursing", level=2, count=2, priority=1),),
        policy=Policy(plan_date=date(2027, 1, 11), workers=1),
    )


def test_redeploy_csv_round_trips_and_is_safe_to_open(tmp_path):
    result = redeploy(_tiny("=HYPERLINK(x)"))
    csv_path, json_path = write_redeploy(result, tmp_path)
    text = csv_path.read_text()
    assert text.splitlines()[0] == "person_id,from_team_id,to_team_id,skill,priority,start,end"
    assert "'=HYPERLINK(x)" in text
    assert read_redeploy_csv(csv_path) == [
        Assignment(person_id="=HYPERLINK(x)", from_team_id="library", to_team_id="ward", skill="nursing", priority=1)
    ]
    summary = read_redeploy_json(json_path)
    assert summary["coverage_by_priority"] == [{"priority": 1, "demanded": 2, "covered": 1, "uncovered": 1, "bound": 1}]
    assert summary["coverage_by_team"][1]["team_id"] == "ward" and summary["people_moved"] == 1
    assert summary["status"] == "OPTIMAL" and summary["solve_seconds"] >= 0 and summary["uncovered"][0]["reason"]


@pytest.mark.parametrize(
    "content, expected",
    [
        ("person_id,to_team_id\np1,ward\n", "missing column(s) from_team_id, skill, priority"),
        ("person_id,from_team_id,to_team_id,skill,priority\np1,library,ward,nursing,first\n", "row 2, column priority"),
        ("person_id,from_team_id,to_team_id,skill,priority,start,end\np1,library,ward,nursing,1,2027-02-30,\n",
         "row 2, column start"),
        ("person_id,from_team_id,to_team_id,skill,priority\np1,library,ward,nursing,1\np1,library,ward,nursing,1\n",
         "row 3, column person_id: person already redeployed at row 2"),
        ("person_id,from_team_id,to_team_id,skill,priority\np1,library,,nursing,1\n", "row 2, column to_team_id: is empty"),
    ],
)
def test_bad_baseline_rows_are_reported_with_row_and_column(tmp_path, content, expected):
    path = tmp_path / "redeploy.csv"
    path.write_text(content)
    with pytest.raises(ScenarioError) as error:
        read_redeploy_csv(path)
    assert expected in str(error.value)


def test_missing_baseline_file_says_what_to_give(tmp_path):
    with pytest.raises(ScenarioError, match="does not exist"):
        read_redeploy_csv(tmp_path / "nope.csv")


def test_sample_crisis_plan_obeys_every_rule_and_is_the_lexicographic_optimum(tmp_path):
    result = CliRunner().invoke(main, ["redeploy", str(SAMPLE_CRISIS), "--out", str(tmp_path), "--time-limit", "20"])
    assert result.exit_code == 0, result.output
    assert "priority 1:" in result.output and "Wrote" in result.output
    world = read_world(SAMPLE_CRISIS)
    rows = read_plan(tmp_path / "redeploy.csv")
    assert rule_violations(world, rows, world.policy_date) == []
    assert coverage(rows) == reference_optimum(world, world.policy_date)[0]


def test_cli_replans_from_a_baseline_and_reports_changes(tmp_path):
    runner = CliRunner()
    first = runner.invoke(main, ["redeploy", str(SAMPLE_CRISIS), "--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    again = runner.invoke(main, ["redeploy", str(SAMPLE_CRISIS), "--out", str(tmp_path / "b"),
                                 "--baseline", str(tmp_path / "a" / "redeploy.csv")])
    assert again.exit_code == 0, again.output
    summary = json.loads((tmp_path / "b" / "redeploy.json").read_text())
    assert summary["people_changed"] == 0 and summary["changes"]["kept_share"] == 1.0
    assert "against the previous plan" in again.output


def test_cli_date_option_changes_who_is_resting(tmp_path):
    runner = CliRunner()
    early = runner.invoke(main, ["redeploy", str(SAMPLE_CRISIS), "--out", str(tmp_path / "a"), "--date", "2027-01-11"])
    late = runner.invoke(main, ["redeploy", str(SAMPLE_CRISIS), "--out", str(tmp_path / "b"), "--date", "2028-01-11"])
    a = json.loads((tmp_path / "a" / "redeploy.json").read_text())
    b = json.loads((tmp_path / "b" / "redeploy.json").read_text())
    assert early.exit_code == late.exit_code == 0
    assert a["protected"]["resting"] > 0 and b["protected"]["resting"] == 0
    assert b["plan_date"] == "2028-01-11"


def test_cli_shows_progress_when_asked(tmp_path):
    result = CliRunner().invoke(main, ["redeploy", str(SAMPLE_CRISIS), "--out", str(tmp_path), "--progress"])
    assert result.exit_code == 0
    assert "model built" in result.output and "units covered" in result.output


def test_cli_refuses_bad_inputs_with_exit_code_2(tmp_path):
    runner = CliRunner()
    (tmp_path / "bad.csv").write_text("person_id\np1\n")
    bad_baseline = runner.invoke(main, ["redeploy", str(SAMPLE_CRISIS), "--out", str(tmp_path / "o"),
                                        "--baseline", str(tmp_path / "bad.csv")])
    assert bad_baseline.exit_code == 2 and "missing column" in bad_baseline.output
    assert not (tmp_path / "o").exists()
    no_demand = runner.invoke(main, ["redeploy", str(SAMPLE_CRISIS.parent / "sample"), "--out", str(tmp_path / "o2")])
    assert no_demand.exit_code == 2 and "no crisis demand" in no_demand.output
    not_scenario = runner.invoke(main, ["redeploy", str(tmp_path / "bad.csv"), "--out", str(tmp_path / "o3")])
    assert not_scenario.exit_code == 2
