"""`trellis validate`, `trellis schema` and `trellis convert`, through the real command line group."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from planner.cli import main
from planner.domain import Scenario
from planner.scenario_io import read_scenario

FIXTURES = Path(__file__).parents[1] / "fixtures"
SMALL = FIXTURES / "scenario-small"
BROKEN = FIXTURES / "scenario-broken"


def trellis(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_validate_prints_every_problem_one_a_line_and_exits_2():
    result = trellis("validate", BROKEN)
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        "people.csv, row 2, column skills: unknown skill 'pyhton' (value 'pyhton'); did you mean 'python'?",
        "people.csv, row 3, column grade: must be a whole number (value 'five')",
        "people.csv, row 3, column team_id: unknown team 'adult-cars' (value 'adult-cars'); did you mean 'adult-care'?",
        "people.csv, row 4, column fte: must be a share between 0 and 1, e.g. 0.2 for 20% (value '1.5')",
        "people.csv, row 4, column person_id: duplicate id: 'p001' is already used on row 2 (value 'p001'); "
        "each id must be unique within its file",
    ]
    assert "5 problems found" in result.stderr


def test_validate_a_valid_folder_prints_counts_per_file_and_exits_0():
    result = trellis("validate", SMALL)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "skills.csv: 4 rows", "teams.csv: 3 rows", "people.csv: 5 rows", "opportunities.csv: 3 rows",
        "demand.csv: 1 row", f"{SMALL}: valid (0 warnings).",
    ]


def test_validate_prints_warnings_and_still_exits_0(tmp_path):
    shutil.copytree(SMALL, tmp_path / "s")
    people = tmp_path / "s" / "people.csv"
    people.write_text(people.read_text().replace("python:2,,", ",,"))
    (tmp_path / "s" / "notes.csv").write_text("anything\n")
    result = trellis("validate", tmp_path / "s")
    assert result.exit_code == 0
    assert "warning: people.csv, row 5, column skills: this person has no skills listed" in result.stdout
    assert "warning: notes.csv: is not one of the scenario files and is ignored" in result.stdout
    assert result.stdout.rstrip().endswith("valid (2 warnings).")


def test_validate_limits_the_warnings_it_prints(tmp_path):
    shutil.copytree(SMALL, tmp_path / "s")
    people = tmp_path / "s" / "people.csv"
    lines = people.read_text().splitlines()
    people.write_text("\n".join([lines[0]] + [",".join(line.split(",")[:6] + [""] + line.split(",")[7:])
                                              for line in lines[1:] if not line.startswith("p003")]) + "\n")
    result = trellis("validate", tmp_path / "s", "--max-warnings", "2")
    assert result.exit_code == 0
    assert result.stdout.count("warning: ") == 2
    # four people without skills, and adult-care now has nobody holding safeguarding
    assert "... and 3 more warnings (--max-warnings 0 shows all)" in result.stdout


def test_validate_reads_workbooks_and_json_too(tmp_path):
    assert trellis("convert", SMALL, tmp_path / "s.xlsx").exit_code == 0
    assert trellis("convert", SMALL, tmp_path / "scenario.json").exit_code == 0
    for path in (tmp_path / "s.xlsx", tmp_path / "scenario.json"):
        result = trellis("validate", path)
        assert result.exit_code == 0 and "people.csv: 5 rows" in result.stdout


def test_validate_a_path_that_is_not_a_scenario(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    result = trellis("validate", tmp_path / "notes.txt")
    assert result.exit_code == 2
    assert "is not a scenario" in result.stdout


def test_schema_prints_the_json_schema_of_a_scenario():
    result = trellis("schema")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == Scenario.model_json_schema()
    policy = json.loads(trellis("schema", "policy").stdout)
    assert "stretch_levels" in policy["properties"]


def test_convert_between_folder_json_and_workbook_keeps_the_scenario(tmp_path):
    original = read_scenario(SMALL).scenario.model_dump()
    assert trellis("convert", SMALL, tmp_path / "a.json").exit_code == 0
    assert trellis("convert", tmp_path / "a.json", tmp_path / "b.xlsx").exit_code == 0
    result = trellis("convert", tmp_path / "b.xlsx", tmp_path / "c")
    assert result.exit_code == 0 and "5 people" in result.stdout
    assert read_scenario(tmp_path / "c").scenario.model_dump() == original


def test_convert_refuses_to_overwrite_without_force_and_writes_nothing_from_a_broken_source(tmp_path):
    assert trellis("convert", SMALL, tmp_path / "out").exit_code == 0
    refused = CliRunner().invoke(main, ["convert", str(SMALL), str(tmp_path / "out")])
    assert refused.exit_code == 2 and "--force" in refused.output
    assert trellis("convert", SMALL, tmp_path / "out", "--force").exit_code == 0
    broken = trellis("convert", BROKEN, tmp_path / "never")
    assert broken.exit_code == 2 and not (tmp_path / "never").exists()
