"""The scenario format (docs/scenario-format.md), rule by rule: what the reader accepts, every
problem it reports (file, spreadsheet row, column, value, plain words, suggestion), and that
CSV, JSON and xlsx round-trip without loss."""

from __future__ import annotations

import csv
import io
import json
import random
import time
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from property_examples import examples

from planner.domain import (
    CriticalSkill,
    Demand,
    Opportunity,
    Person,
    PersonOpportunity,
    Policy,
    Problem,
    Scenario,
    ScenarioError,
    Skill,
    Team,
    Weights,
)
from planner.scenario_io import (
    read_scenario,
    read_scenario_files,
    write_scenario_csv,
    write_scenario_json,
    write_scenario_xlsx,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
SMALL = FIXTURES / "scenario-small"


def small_files() -> dict[str, bytes]:
    """The hand-made valid scenario, as an upload (file name -> bytes)."""
    return {p.name: p.read_bytes() for p in SMALL.iterdir()}


def with_edit(file: str, old: str, new: str) -> dict[str, bytes]:
    """The small scenario with one piece of text in one file replaced (it must be there)."""
    files = small_files()
    text = files[file].decode()
    assert old in text, f"{old!r} not in {file}"
    files[file] = text.replace(old, new, 1).encode()
    return files


def problems_of(files: dict[str, bytes]) -> list[Problem]:
    with pytest.raises(ScenarioError) as raised:
        read_scenario_files(files)
    return raised.value.problems


def located(problems: list[Problem]) -> dict[tuple, Problem]:
    return {(p.file, p.row, p.column): p for p in problems}


# ---------------------------------------------------------------------------------------------
# What the reader accepts
# ---------------------------------------------------------------------------------------------


def test_the_small_fixture_reads_with_every_cell_in_place():
    result = read_scenario(SMALL)
    s = result.scenario
    assert result.counts == {
        "skills.csv": 4, "teams.csv": 3, "people.csv": 5, "opportunities.csv": 3, "demand.csv": 1,
    }
    assert result.warnings == []
    aisha = s.person_by_id["p001"]
    assert aisha.skills == {"safeguarding": 4, "project-management": 2}
    assert aisha.preferences == ("o-data", "o-pmo")
    assert aisha.must_practise == 0.6
    assert s.person_by_id["p002"].name == "Tomás Ó Briain"
    assert s.person_by_id["p002"].last_redeployed == date(2025, 1, 15)
    assert s.person_by_id["p003"].name == "Lee, Sam"
    assert s.person_by_id["p003"].available is False
    assert s.team_by_id["adult-care"].critical_skills == (CriticalSkill(skill="safeguarding", level=3, count=1),)
    assert s.team_by_id["ward-7"].status.value == "critical"
    assert s.opportunity_by_id["o-data"].development_skills == {"data-analysis": 3, "python": 2}
    assert s.opportunity_by_id["o-data"].start == date(2025, 4, 1)
    assert s.demand == (Demand(team_id="ward-7", skill="safeguarding", level=3, count=2, priority=1),)
    assert s.policy.stretch_levels == 1 and s.policy.weights.preference == 6


def test_blank_optional_cells_take_the_documented_defaults():
    s = read_scenario(SMALL).scenario
    ward = s.team_by_id["ward-7"]
    assert (ward.max_release_share, ward.min_staff, ward.service) == (0.2, None, "Medicine")
    chidi = s.person_by_id["p004"]
    assert (chidi.fte, chidi.aspirations, chidi.preferences, chidi.must_practise, chidi.available) == (
        1.0, {}, (), 0.0, True
    )
    assert chidi.last_redeployed is None
    shadow = s.opportunity_by_id["o-shadow"]
    assert (shadow.capacity, shadow.required_skills, shadow.grade_min, shadow.grade_max) == (1, {}, None, None)


def _messy(text: str, order_seed: int) -> bytes:
    """The same table with a BOM, CRLF line ends, shuffled columns and an extra column."""
    rows = list(csv.reader(io.StringIO(text)))
    order = list(range(len(rows[0])))
    random.Random(order_seed).shuffle(order)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for n, row in enumerate(rows):
        writer.writerow([row[i] for i in order] + ["HR notes" if n == 0 else "ignored, really"])
    return b"\xef\xbb\xbf" + out.getvalue().encode()


def test_bom_crlf_shuffled_and_extra_columns_and_non_ascii_are_accepted():
    files = small_files()
    messy = {n: (_messy(b.decode(), i) if n.endswith(".csv") else b) for i, (n, b) in enumerate(files.items())}
    result = read_scenario_files(messy)
    assert result.scenario.model_dump() == read_scenario(SMALL).scenario.model_dump()
    extra = [w for w in result.warnings if w.column == "HR notes"]
    assert len(extra) == 5 and all(w.row == 1 and w.severity == "warning" for w in extra)


def test_header_names_are_matched_without_regard_to_case_spaces_or_dashes():
    files = with_edit("people.csv", "person_id,name,team_id", "Person ID,NAME, team-id ")
    assert read_scenario_files(files).scenario.person_by_id["p001"].team_id == "adult-care"


def test_spaces_around_codes_and_numbers_are_ignored_but_names_are_kept_as_written():
    files = with_edit("people.csv", "p004,Chidi Okafor,digital,7", " p004 , Chidi Okafor ,digital , 7 ")
    chidi = read_scenario_files(files).scenario.person_by_id["p004"]
    assert (chidi.name, chidi.team_id, chidi.grade) == (" Chidi Okafor ", "digital", 7)


def test_blank_lines_and_rows_of_empty_cells_are_skipped_and_rows_keep_their_numbers():
    files = with_edit("people.csv", "p003,", ",,,,,,,,,,,\n\np003,")
    files["people.csv"] = files["people.csv"].replace(b"p004,Chidi Okafor,digital,7", b"p004,Chidi Okafor,digital,x")
    problems = problems_of(files)
    assert [(p.row, p.column) for p in problems] == [(7, "grade")]  # rows 4 and 5 are the blank ones


def test_a_line_break_inside_a_quoted_name_does_not_shift_the_rows_after_it():
    files = with_edit("people.csv", "Aisha Khan", '"Aisha\nKhan"')
    files["people.csv"] = files["people.csv"].replace(b"p003,", b"p:3,")
    found = located(problems_of(files))
    assert list(found) == [("people.csv", 4, "person_id")]


def test_skills_and_demand_files_are_optional_and_so_is_opportunities_with_a_warning():
    files = small_files()
    for name in ("skills.csv", "demand.csv", "opportunities.csv", "policy.json"):
        del files[name]
    files["people.csv"] = files["people.csv"].replace(b"o-data;o-pmo", b"").replace(b",o-pmo,", b",,")
    result = read_scenario_files(files)
    assert result.scenario.opportunities == () and result.scenario.skills == ()
    assert result.scenario.policy == Policy()
    assert [(w.file, w.severity) for w in result.warnings] == [("opportunities.csv", "warning")]


def test_people_without_skills_and_teams_already_short_of_a_critical_skill_are_warnings():
    files = with_edit("people.csv", "safeguarding:3,,,0.5", ",,,0.5")  # p002 loses their skills
    files["teams.csv"] = files["teams.csv"].replace(b"safeguarding:3:1", b"safeguarding:4:2")
    result = read_scenario_files(files)
    warnings = located(result.warnings)
    assert warnings[("people.csv", 3, "skills")].message.startswith("this person has no skills")
    short = warnings[("teams.csv", 2, "critical_skills")]
    assert "has 1 of the 2 people" in short.message and short.value == "safeguarding:4:2"
    # Named as the catalogue names them, ids beside (issue 14): not a bare code.
    team = result.scenario.team_by_id[short.message.split("(")[1].split(")")[0]]
    skill = result.scenario.skill_name_by_id["safeguarding"]
    assert short.message.startswith(f"{team.name} ({team.team_id}) has")
    assert f"holding {skill} (safeguarding) at level 4" in short.message


# ---------------------------------------------------------------------------------------------
# Every problem, located: (file, row as a spreadsheet shows it, column)
# ---------------------------------------------------------------------------------------------

BROKEN_CELLS = [
    # rule, file, old text, new text, expected (file, row, column), words in the message, suggestion
    ("unknown skill", "people.csv", "safeguarding:4;", "safegaurding:4;",
     ("people.csv", 2, "skills"), "unknown skill", "did you mean 'safeguarding'?"),
    ("unknown team of a person", "people.csv", "p003,\"Lee, Sam\",digital", "p003,\"Lee, Sam\",digitl",
     ("people.csv", 4, "team_id"), "unknown team 'digitl'", "did you mean 'digital'?"),
    ("unknown preferred opportunity", "people.csv", "o-data;o-pmo", "o-data;o-pmx",
     ("people.csv", 2, "preferences"), "unknown opportunity 'o-pmx'", "did you mean 'o-pmo'?"),
    ("unknown host team", "opportunities.csv", "project,adult-care", "project,adult",
     ("opportunities.csv", 3, "host_team_id"), "unknown team", None),
    ("unknown team in demand", "demand.csv", "ward-7,", "ward-8,",
     ("demand.csv", 2, "team_id"), "unknown team 'ward-8'", "did you mean 'ward-7'?"),
    ("critical skill not in the catalogue", "teams.csv", "safeguarding:3:1", "safe:3:1",
     ("teams.csv", 2, "critical_skills"), "unknown skill 'safe'", None),
    ("duplicate opportunity id", "opportunities.csv", "o-shadow,", "o-pmo,",
     ("opportunities.csv", 4, "opportunity_id"), "already used on row 3", None),
    ("duplicate person id", "people.csv", "p005,", "p001,",
     ("people.csv", 6, "person_id"), "already used on row 2", None),
    ("skill level above 5", "people.csv", "digital,1,python:2", "digital,1,python:6",
     ("people.csv", 5, "skills"), "from 1 (awareness) to 5 (leading)", None),
    ("required level 0", "opportunities.csv", ",data-analysis:2,", ",data-analysis:0,",
     ("opportunities.csv", 2, "required_skills"), "level of skill 'data-analysis'", None),
    ("level not a number", "people.csv", "python:4;data-analysis:3", "python:four;data-analysis:3",
     ("people.csv", 4, "skills"), "whole number from 1", None),
    ("share above 1", "teams.csv", "Adults,0.25", "Adults,1.25",
     ("teams.csv", 2, "max_release_share"), "share between 0 and 1", None),
    ("share as a percentage", "people.csv", "0.6,yes", "60,yes",
     ("people.csv", 2, "must_practise"), "share between 0 and 1", "for 60% write 0.6"),
    ("decimal comma", "people.csv", "social-work,0.8", "social-work,\"0,8\"",
     ("people.csv", 3, "fte"), "must be a number", "use a point for decimals, e.g. 0.5"),
    ("negative capacity", "opportunities.csv", "adult-care,2,", "adult-care,-2,",
     ("opportunities.csv", 3, "capacity"), "must not be negative", None),
    ("capacity not a number", "opportunities.csv", "adult-care,2,", "adult-care,two,",
     ("opportunities.csv", 3, "capacity"), "whole number", None),
    ("grade not an integer", "people.csv", "digital,7,", "digital,7.5,",
     ("people.csv", 5, "grade"), "whole number", None),
    ("min_staff negative", "teams.csv", "0.25,2,", "0.25,-2,",
     ("teams.csv", 2, "min_staff"), "must not be negative", None),
    ("skill list without levels", "people.csv", ",safeguarding:3,", ",safeguarding=3,",
     ("people.csv", 3, "skills"), "each item must be skill:level", None),
    ("skill listed twice", "people.csv", "python:2,", "python:2;python:3,",
     ("people.csv", 5, "skills"), "listed twice", None),
    ("critical skill without a count", "teams.csv", "safeguarding:3:1", "safeguarding:3",
     ("teams.csv", 2, "critical_skills"), "skill:level:count", None),
    ("critical count zero", "teams.csv", "safeguarding:3:1", "safeguarding:3:0",
     ("teams.csv", 2, "critical_skills"), "count of critical skill 1", None),
    ("date the wrong way round", "people.csv", "2025-01-15", "15/01/2025",
     ("people.csv", 3, "last_redeployed"), "YYYY-MM-DD", None),
    ("date not in the calendar", "opportunities.csv", "2025-09-30", "2025-09-31",
     ("opportunities.csv", 2, "end"), "not a date in the calendar", None),
    ("start after end", "opportunities.csv", "2025-04-01,2025-09-30", "2025-10-01,2025-09-30",
     ("opportunities.csv", 2, "start"), "is after end", None),
    ("grade_min above grade_max", "opportunities.csv", ",4,7,", ",8,7,",
     ("opportunities.csv", 2, "grade_min"), "above grade_max", None),
    ("id with a colon", "people.csv", "p005,", "p:5,",
     ("people.csv", 6, "person_id"), "must not contain ';' or ':'", None),
    ("id with a semicolon", "skills.csv", "python,Python", "py;thon,Python",
     ("skills.csv", 2, "skill_id"), "must not contain ';' or ':'", None),
    ("colon in a preference list", "people.csv", "o-data;o-pmo", "o-data:o-pmo",
     ("people.csv", 2, "preferences"), "must not contain ':'", None),
    ("preference twice", "people.csv", "o-data;o-pmo", "o-data;o-data",
     ("people.csv", 2, "preferences"), "appears twice", None),
    ("unknown kind", "opportunities.csv", "secondment,digital", "secondmnet,digital",
     ("opportunities.csv", 2, "kind"), "must be one of", "did you mean 'secondment'?"),
    ("unknown team status", "teams.csv", ",,,,critical", ",,,,closed",
     ("teams.csv", 4, "status"), "must be one of", None),
    ("available neither yes nor no", "people.csv", ",no,", ",maybe,",
     ("people.csv", 4, "available"), "must be yes or no", None),
    ("blank required name", "people.csv", "Maria Silva", "",
     ("people.csv", 6, "name"), "required but the cell is blank", None),
    ("blank required grade", "people.csv", "digital,7,", "digital,,",
     ("people.csv", 5, "grade"), "required but the cell is blank", None),
    ("demand level 9", "demand.csv", "safeguarding,3,", "safeguarding,9,",
     ("demand.csv", 2, "level"), "from 1 (awareness) to 5 (leading)", None),
    ("demand priority 0", "demand.csv", ",2,1", ",2,0",
     ("demand.csv", 2, "priority"), "at least 1", None),
    ("missing required column", "people.csv", ",profession,", ",job,",
     ("people.csv", 1, "profession"), "required column 'profession' is missing", None),
    ("misspelt required column", "people.csv", ",profession,", ",profesion,",
     ("people.csv", 1, "profession"), "is missing", "is the column 'profesion' meant to be 'profession'?"),
    ("column twice", "skills.csv", "skill_id,name,category", "skill_id,name,name",
     ("skills.csv", 1, "name"), "appears twice", None),
    ("row with more cells than the header", "people.csv", "Tomás Ó Briain", "Tomás, Ó Briain",
     ("people.csv", 3, None), "header has 12 columns", "a value that contains a comma must be wrapped in double quotes"),
    ("unknown policy setting", "policy.json", "stretch_levels", "stretch_level",
     ("policy.json", None, "stretch_level"), "not a known setting", "did you mean 'stretch_levels'?"),
    ("unknown weight", "policy.json", "\"preference\"", "\"preferences\"",
     ("policy.json", None, "weights.preferences"), "not a known setting", "did you mean 'preference'?"),
    ("negative time limit", "policy.json", "\"time_limit_s\": 10", "\"time_limit_s\": -1",
     ("policy.json", None, "time_limit_s"), "must be more than 0", None),
    ("policy not JSON", "policy.json", "{", "{{",
     ("policy.json", 1, None), "not valid JSON", None),
    ("pinned person unknown", "policy.json", "{", '{"pinned": [{"person_id": "p999", "opportunity_id": "o-pmo"}], ',
     ("policy.json", None, "pinned[0].person_id"), "unknown person 'p999'", None),
]


@pytest.mark.parametrize(
    "file, old, new, where, words, suggestion",
    [pytest.param(*case[1:], id=case[0]) for case in BROKEN_CELLS],
)
def test_each_broken_input_is_reported_at_its_file_row_and_column(file, old, new, where, words, suggestion):
    problems = problems_of(with_edit(file, old, new))
    found = located(problems)
    assert where in found, "\n".join(p.describe() for p in problems)
    problem = found[where]
    assert words in problem.message
    if suggestion is not None:
        assert problem.suggestion == suggestion
    assert all(p.severity == "error" for p in problems)


def test_the_value_the_person_wrote_is_quoted_back():
    found = located(problems_of(with_edit("people.csv", "digital,1,python:2", "digital,1,python:6")))
    assert found[("people.csv", 5, "skills")].value == "python:6"
    assert found[("people.csv", 5, "skills")].describe() == (
        "people.csv, row 5, column skills: the level of skill 'python' must be from 1 (awareness) "
        "to 5 (leading) (value 'python:6')"
    )


def test_every_problem_of_every_file_is_reported_in_one_run():
    files = with_edit("people.csv", "digital,7,", "digital,seven,")
    files["people.csv"] = files["people.csv"].replace(b"safeguarding:4;", b"pyhton:4;")
    files["people.csv"] = files["people.csv"].replace(b",ward-7,", b",ward-9,")
    files["teams.csv"] = files["teams.csv"].replace(b"Adults,0.25", b"Adults,2")
    files["opportunities.csv"] = files["opportunities.csv"].replace(b"adult-care,2,", b"adult-care,-1,")
    problems = problems_of(files)
    assert [(p.file, p.row, p.column) for p in problems] == [
        ("teams.csv", 2, "max_release_share"),
        ("people.csv", 2, "skills"),
        ("people.csv", 5, "grade"),
        ("people.csv", 6, "team_id"),
        ("opportunities.csv", 3, "capacity"),
    ]


def test_a_row_with_a_bad_cell_still_has_its_references_checked():
    files = with_edit("people.csv", "p004,Chidi Okafor,digital,7", "p004,Chidi Okafor,digitl,seven")
    found = located(problems_of(files))
    assert ("people.csv", 5, "grade") in found and ("people.csv", 5, "team_id") in found


def test_a_blank_id_is_reported_once_as_missing_not_also_as_an_unknown_reference():
    problems = problems_of(with_edit("people.csv", "p004,Chidi Okafor,digital", "p004,Chidi Okafor,"))
    assert [(p.row, p.column, p.message) for p in problems] == [(5, "team_id", "is required but the cell is blank")]


FILE_PROBLEMS = [
    ("missing teams.csv", lambda f: f.pop("teams.csv"), ("teams.csv", None, None), "required but missing"),
    ("missing people.csv", lambda f: f.pop("people.csv"), ("people.csv", None, None), "required but missing"),
    ("empty file", lambda f: f.update({"people.csv": b""}), ("people.csv", 1, None), "is empty"),
    ("header only is fine but blank is not", lambda f: f.update({"teams.csv": b"\n\n"}), ("teams.csv", 1, None),
     "is empty"),
    ("xlsx bytes named .csv", lambda f: f.update({"people.csv": _workbook_bytes()}), ("people.csv", None, None),
     "is an Excel workbook"),
    ("binary bytes", lambda f: f.update({"teams.csv": bytes(range(256))}), ("teams.csv", None, None),
     "binary file"),
    ("Windows-1252 text", lambda f: f.update({"people.csv": f["people.csv"].decode().encode("cp1252")}),
     ("people.csv", 3, None), "not UTF-8"),
    ("UTF-16 text", lambda f: f.update({"skills.csv": f["skills.csv"].decode().encode("utf-16")}),
     ("skills.csv", None, None), "UTF-16"),
    ("unclosed quote", lambda f: f.update({"skills.csv": b'skill_id,name\npython,"Python\n'}), ("skills.csv", 2, None),
     "not valid CSV"),
    ("stray quote", lambda f: f.update({"skills.csv": b'skill_id,name\npython,"Py"thon\n'}), ("skills.csv", 2, None),
     "not valid CSV"),
    ("semicolons between columns", lambda f: f.update({"teams.csv": f["teams.csv"].replace(b",", b";")}),
     ("teams.csv", 1, None), "separated by semicolons"),
    ("tabs between columns", lambda f: f.update({"skills.csv": f["skills.csv"].replace(b",", b"\t")}),
     ("skills.csv", 1, None), "separated by tabs"),
]


def _workbook_bytes() -> bytes:
    book = Workbook()
    book.active.append(["person_id", "name"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_file_that_cannot_be_read_is_reported_alone_not_as_every_reference_to_it():
    files = small_files()
    files["teams.csv"] = files["teams.csv"].decode().encode("utf-16")
    files["opportunities.csv"] = b"\x00\x01binary"
    assert [p.file for p in problems_of(files)] == ["teams.csv", "opportunities.csv"]
    del files["teams.csv"]
    assert [p.file for p in problems_of(files)] == ["teams.csv", "opportunities.csv"]


@pytest.mark.parametrize("break_it, where, words", [pytest.param(*c[1:], id=c[0]) for c in FILE_PROBLEMS])
def test_a_file_that_cannot_be_read_is_named_with_the_reason(break_it, where, words):
    files = small_files()
    break_it(files)
    found = located(problems_of(files))
    assert where in found, list(found)
    assert words in found[where].message


# ---------------------------------------------------------------------------------------------
# Uploads (file name -> bytes)
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../teams.csv", "../../x.csv", "a/people.csv", "C:\\x\\people.csv", ".."])
def test_uploaded_names_with_a_folder_part_are_refused(name):
    files = small_files()
    files[name] = files.pop("teams.csv")
    assert (name, None, None) in located(problems_of(files))


def test_uploaded_file_names_ignore_case_and_unknown_csv_files_are_refused_with_a_suggestion():
    files = {n.upper() if n == "people.csv" else n: b for n, b in small_files().items()}
    assert read_scenario_files(files).counts["people.csv"] == 5
    files["peple.csv"] = b"x"
    problem = located(problems_of(files))[("peple.csv", None, None)]
    assert problem.suggestion == "did you mean 'people.csv'?"


def test_two_files_whose_names_differ_only_in_case_are_refused():
    files = small_files() | {"People.csv": b"person_id\n"}
    assert ("People.csv", None, None) in located(problems_of(files))


def test_an_upload_mixing_a_workbook_and_csv_files_is_refused(tmp_path):
    write_scenario_xlsx(read_scenario(SMALL).scenario, tmp_path / "s.xlsx")
    files = small_files() | {"s.xlsx": (tmp_path / "s.xlsx").read_bytes()}
    assert any("not a mix" in p.message for p in problems_of(files))


def test_a_scenario_json_upload_does_not_silently_drop_a_separate_policy_json():
    files = {"scenario.json": read_scenario(SMALL).scenario.model_dump_json().encode(),
             "policy.json": b'{"stretch_levels": 2}'}
    assert ("policy.json", None, None) in located(problems_of(files))
    del files["policy.json"]
    assert read_scenario_files(files).scenario.policy.stretch_levels == 1


def test_a_workbook_upload_with_a_separate_policy_json(tmp_path):
    scenario = read_scenario(SMALL).scenario
    write_scenario_xlsx(scenario.model_copy(update={"policy": Policy()}), tmp_path / "s.xlsx")
    result = read_scenario_files({"s.xlsx": (tmp_path / "s.xlsx").read_bytes(),
                                  "policy.json": (SMALL / "policy.json").read_bytes()})
    assert result.scenario.model_dump() == scenario.model_dump()


# ---------------------------------------------------------------------------------------------
# Workbooks and JSON
# ---------------------------------------------------------------------------------------------


def test_a_workbook_made_in_excel_with_numbers_dates_and_sheet_names_like_files(tmp_path):
    """Excel stores 7 as 7.0, dates as dates and yes/no as text; sheets may be named `people.csv`."""
    book = Workbook()
    book.active.title = "teams.csv"
    book.active.append(["team_id", "name", "organisation", "max_release_share"])
    book.active.append(["t1", "One", "Council", 0.25])
    book.active.append(["t2", "Two", "Council", None])
    people = book.create_sheet("People")
    people.append(["person_id", "name", "team_id", "grade", "profession", "last_redeployed", "available"])
    people.append(["007", "Bond", "t1", 7.0, "spy", date(2025, 1, 2), True])
    people.append(["p2", "Moneypenny", "t3", "x", "admin", None, "no"])
    book.create_sheet("notes").append(["anything"])
    book.save(tmp_path / "staff.xlsx")
    problems = located(problems_of({"staff.xlsx": (tmp_path / "staff.xlsx").read_bytes()}))
    assert set(problems) == {("staff.xlsx, sheet People", 3, "grade"), ("staff.xlsx, sheet People", 3, "team_id")}

    people.delete_rows(3)
    book.save(tmp_path / "staff.xlsx")
    result = read_scenario(tmp_path / "staff.xlsx")
    bond = result.scenario.person_by_id["007"]
    assert (bond.grade, bond.last_redeployed, bond.available) == (7, date(2025, 1, 2), True)
    assert result.counts == {"teams.csv": 2, "people.csv": 1}
    assert ("staff.xlsx, sheet notes", None, None) in located(result.warnings)


def test_a_workbook_without_a_people_sheet_names_the_sheet_to_add(tmp_path):
    book = Workbook()
    book.active.title = "teams"
    book.active.append(["team_id", "name", "organisation"])
    book.save(tmp_path / "s.xlsx")
    problems = problems_of({"s.xlsx": (tmp_path / "s.xlsx").read_bytes()})
    assert [p.file for p in problems] == ["s.xlsx, sheet people"]


def test_a_file_named_xlsx_that_is_not_a_workbook():
    problems = problems_of({"s.xlsx": b"team_id,name\n"})
    assert problems[0].file == "s.xlsx" and "could not be opened" in problems[0].message


def test_json_problems_name_the_path_of_the_item(tmp_path):
    document = json.loads(read_scenario(SMALL).scenario.model_dump_json())
    document["people"][3]["grade"] = "seven"
    document["people"][4]["team_id"] = "nowhere"
    document["policy"]["weights"]["preferance"] = 2
    document["extra"] = []
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ScenarioError) as raised:
        read_scenario(path)
    found = located(raised.value.problems)
    assert set(found) == {
        ("scenario.json", None, "extra"),
        ("scenario.json", None, "people[3].grade"),
        ("scenario.json", None, "people[4].team_id"),
        ("scenario.json", None, "policy.weights.preferance"),
    }
    assert found[("scenario.json", None, "policy.weights.preferance")].suggestion == "did you mean 'preference'?"


def test_json_that_is_not_json():
    problems = problems_of({"scenario.json": b'{"teams": [}'})
    assert problems[0].file == "scenario.json" and "not valid JSON" in problems[0].message


def test_read_scenario_explains_paths_that_are_not_scenarios(tmp_path):
    for path, words in [(tmp_path / "nope", "does not exist"), (SMALL / "people.csv", "folder")]:
        with pytest.raises(ScenarioError) as raised:
            read_scenario(path)
        assert words in raised.value.problems[0].describe()


# ---------------------------------------------------------------------------------------------
# Writing, and the lossless round trip
# ---------------------------------------------------------------------------------------------


def test_the_csv_writer_writes_the_contract_layout(tmp_path):
    write_scenario_csv(read_scenario(SMALL).scenario, tmp_path)
    people = (tmp_path / "people.csv").read_text(encoding="utf-8").splitlines()
    assert people[0] == ("person_id,name,team_id,grade,profession,fte,skills,aspirations,preferences,"
                         "must_practise,available,last_redeployed")
    assert people[1] == "p001,Aisha Khan,adult-care,6,social-work,1,safeguarding:4;project-management:2,data-analysis:3,o-data;o-pmo,0.6,yes,"
    assert people[3].startswith('p003,"Lee, Sam",digital,4')
    assert json.loads((tmp_path / "policy.json").read_text()) == {
        "stretch_levels": 1, "time_limit_s": 10.0, "weights": {"preference": 6.0},
    }


# Regions and remote work (optional columns added later) ---------------------------------------


def with_regions(files: dict[str, bytes], remote: tuple[str, str, str] = ("no", "yes", "")) -> dict[str, bytes]:
    """The small scenario with a `region` column in teams.csv and a `remote` column in
    opportunities.csv (one cell per row, in file order)."""
    teams = files["teams.csv"].decode().splitlines()
    regions = ["region", "North East", "North East", "London"]
    files["teams.csv"] = "\n".join(f"{row},{region}" for row, region in zip(teams, regions)).encode()
    opportunities = files["opportunities.csv"].decode().splitlines()
    files["opportunities.csv"] = "\n".join(
        f"{row},{cell}" for row, cell in zip(opportunities, ("remote", *remote))).encode()
    return files


def test_team_regions_and_remote_opportunities_are_read():
    scenario = read_scenario_files(with_regions(small_files())).scenario
    assert [t.region for t in scenario.teams] == ["North East", "North East", "London"]
    assert [o.remote for o in scenario.opportunities] == [False, True, False]  # blank: not remote


@pytest.mark.parametrize("cell", ["maybe", "remote", "2"])
def test_a_remote_cell_that_is_not_yes_or_no_is_reported_at_its_row_and_column(cell):
    problems = problems_of(with_regions(small_files(), remote=("no", cell, "")))
    problem = located(problems)[("opportunities.csv", 3, "remote")]
    assert "must be yes or no" in problem.message and problem.value == cell


def test_region_and_remote_are_written_only_when_a_row_sets_them(tmp_path):
    scenario = read_scenario(SMALL).scenario
    write_scenario_csv(scenario, tmp_path / "plain")
    for name in ("teams.csv", "opportunities.csv"):  # a scenario without them is written as before
        header = (tmp_path / "plain" / name).read_text().splitlines()[0]
        assert header == (SMALL / name).read_text().splitlines()[0]
    assert '"region"' not in write_scenario_json(scenario, tmp_path / "plain.json").read_text()
    regional = read_scenario_files(with_regions(small_files())).scenario
    write_scenario_csv(regional, tmp_path / "regional")
    teams = (tmp_path / "regional" / "teams.csv").read_text().splitlines()
    assert teams[0].endswith(",status,region") and teams[3].endswith(",critical,London")
    opportunities = (tmp_path / "regional" / "opportunities.csv").read_text().splitlines()
    assert opportunities[0].endswith(",end,remote") and opportunities[2].endswith(",yes")
    for written in (tmp_path / "regional", write_scenario_json(regional, tmp_path / "r.json"),
                    write_scenario_xlsx(regional, tmp_path / "r.xlsx")):
        assert read_scenario(written).scenario.model_dump() == regional.model_dump()


def test_writing_a_smaller_scenario_over_a_folder_removes_files_it_no_longer_has(tmp_path):
    scenario = read_scenario(SMALL).scenario
    write_scenario_csv(scenario, tmp_path)
    smaller = scenario.model_copy(update={"demand": (), "skills": (), "policy": Policy()})
    write_scenario_csv(smaller, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["opportunities.csv", "people.csv", "teams.csv"]
    assert read_scenario(tmp_path).scenario.model_dump() == smaller.model_dump()


def test_a_workbook_cell_starting_with_equals_is_text_not_a_formula(tmp_path):
    scenario = read_scenario(SMALL).scenario
    people = list(scenario.people)
    people[0] = people[0].model_copy(update={"name": "=HYPERLINK(\"http://x\")"})
    scenario = scenario.model_copy(update={"people": tuple(people)})
    write_scenario_xlsx(scenario, tmp_path / "s.xlsx")
    from openpyxl import load_workbook

    cell = load_workbook(tmp_path / "s.xlsx")["people"]["B2"]
    assert cell.data_type == "s"
    assert read_scenario(tmp_path / "s.xlsx").scenario.people[0].name == people[0].name


# Awkward but legal text: non-ASCII, commas, quotes, semicolons and colons in names, line breaks.
AWKWARD = st.one_of(
    st.sampled_from(["Zoë Ó Briain", "O'Neill, Seán", 'Sam "Sammy" Lee', "two\nlines", "a;b:c", " padded ",
                     "=SUM(A1)", "李小龙", "🙂", "\r\n"]),
    st.text(
        alphabet=st.one_of(st.characters(blacklist_categories=("Cs", "Cc")), st.sampled_from(list(',"\';:\n\r '))),
        min_size=1, max_size=12,
    ),
)
SHARES = st.floats(min_value=0, max_value=1, allow_nan=False)
LEVELS = st.integers(1, 5)
DATES = st.one_of(st.none(), st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)))


@st.composite
def scenarios(draw, carriage_returns: bool = True) -> Scenario:
    """A valid scenario of a few of everything, every reference resolving."""
    names = AWKWARD if carriage_returns else AWKWARD.map(lambda s: s.replace("\r", "")).filter(bool)
    # Codes and other cells lose surrounding spaces on reading (the contract trims them).
    trimmed = names.map(str.strip).filter(bool)
    ids = st.one_of(
        st.sampled_from(["data analysis", "é-1", "x,y", '"q"', "007", "-1", "yes"]),
        trimmed.filter(lambda s: ";" not in s and ":" not in s),
    )
    optional_text = st.one_of(st.just(""), trimmed)
    skill_ids = draw(st.lists(ids, min_size=1, max_size=4, unique=True))
    skill_levels = st.dictionaries(st.sampled_from(skill_ids), LEVELS, max_size=3)
    team_ids = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    teams = tuple(
        Team(
            team_id=t, name=draw(names), organisation=draw(trimmed), service=draw(optional_text),
            max_release_share=draw(SHARES), min_staff=draw(st.one_of(st.none(), st.integers(0, 50))),
            critical_skills=tuple(
                CriticalSkill(skill=s, level=draw(LEVELS), count=draw(st.integers(1, 3)))
                for s in draw(st.lists(st.sampled_from(skill_ids), max_size=2, unique=True))
            ),
            status=draw(st.sampled_from(["normal", "paused", "critical"])), region=draw(optional_text),
        )
        for t in team_ids
    )
    opp_ids = draw(st.lists(ids, max_size=3, unique=True))
    opportunities = []
    for o in opp_ids:
        low = draw(st.one_of(st.none(), st.integers(-3, 10)))
        start = draw(DATES)
        opportunities.append(Opportunity(
            opportunity_id=o, title=draw(names),
            kind=draw(st.sampled_from(["secondment", "project", "development_move", "shadowing", "role"])),
            host_team_id=draw(st.sampled_from(team_ids)), capacity=draw(st.integers(0, 5)), fte=draw(SHARES),
            required_skills=draw(skill_levels), development_skills=draw(skill_levels),
            grade_min=low, grade_max=None if low is None else low + draw(st.integers(0, 4)),
            profession=draw(optional_text), start=start,
            end=None if start is None else date.fromordinal(start.toordinal() + draw(st.integers(0, 400))),
            remote=draw(st.booleans()),
        ))
    people = tuple(
        Person(
            person_id=p, name=draw(names), team_id=draw(st.sampled_from(team_ids)),
            grade=draw(st.integers(-5, 20)), profession=draw(trimmed), fte=draw(SHARES),
            skills=draw(skill_levels), aspirations=draw(skill_levels),
            preferences=tuple(draw(st.lists(st.sampled_from(opp_ids), unique=True))) if opp_ids else (),
            must_practise=draw(SHARES), available=draw(st.booleans()), last_redeployed=draw(DATES),
        )
        for p in draw(st.lists(ids, min_size=1, max_size=5, unique=True))
    )
    demand = tuple(
        Demand(team_id=draw(st.sampled_from(team_ids)), skill=draw(st.sampled_from(skill_ids)), level=draw(LEVELS),
               count=draw(st.integers(0, 9)), priority=draw(st.integers(1, 3)))
        for _ in range(draw(st.integers(0, 2)))
    )
    pins = ()
    if opp_ids and draw(st.booleans()):
        pins = (PersonOpportunity(person_id=draw(st.sampled_from(people)).person_id,
                                  opportunity_id=draw(st.sampled_from(opp_ids))),)
    policy = draw(st.one_of(st.just(Policy()), st.builds(
        Policy, stretch_levels=st.integers(0, 4), time_limit_s=st.floats(0.5, 600), pinned=st.just(pins),
        weights=st.builds(Weights, preference=st.floats(0, 10)), plan_date=DATES,
    )))
    with_catalogue = draw(st.booleans())
    skills = tuple(Skill(skill_id=s, name=draw(names), category=draw(optional_text)) for s in skill_ids)
    return Scenario(
        skills=skills if with_catalogue else (), teams=teams, people=people,
        opportunities=tuple(opportunities), demand=demand, policy=policy,
    )


ROUND_TRIP = settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                          HealthCheck.too_slow])


@ROUND_TRIP
@given(scenario=scenarios())
def test_csv_round_trip_is_lossless(tmp_path_factory, scenario):
    folder = tmp_path_factory.mktemp("csv")
    write_scenario_csv(scenario, folder)
    assert read_scenario(folder).scenario.model_dump() == scenario.model_dump()


@ROUND_TRIP
@given(scenario=scenarios())
def test_json_round_trip_is_lossless(tmp_path_factory, scenario):
    path = tmp_path_factory.mktemp("json") / "scenario.json"
    write_scenario_json(scenario, path)
    assert read_scenario(path).scenario.model_dump() == scenario.model_dump()


# A workbook is XML inside, and XML turns a carriage return into a line break: text keeps
# every other character.
@pytest.mark.slow  # over ~5 s on a loaded machine: `make test` runs it, `make check` does not
@ROUND_TRIP
@given(scenario=scenarios(carriage_returns=False))
def test_csv_to_json_to_xlsx_and_back_is_lossless(tmp_path_factory, scenario):
    folder = tmp_path_factory.mktemp("chain")
    write_scenario_csv(scenario, folder / "csv")
    from_csv = read_scenario(folder / "csv").scenario
    write_scenario_json(from_csv, folder / "s.json")
    from_json = read_scenario(folder / "s.json").scenario
    write_scenario_xlsx(from_json, folder / "s.xlsx")
    from_xlsx = read_scenario(folder / "s.xlsx").scenario
    write_scenario_csv(from_xlsx, folder / "again")
    assert read_scenario(folder / "again").scenario.model_dump() == scenario.model_dump()


# ---------------------------------------------------------------------------------------------
# Speed: a hundred thousand people
# ---------------------------------------------------------------------------------------------


def write_synthetic_csv(folder: Path, people: int, seed: int = 1) -> None:
    """A large, valid scenario folder shaped like a real export: 25 people a team, one
    opportunity per 8 people, up to six skills each, three ranked preferences."""
    rnd = random.Random(seed)
    skills = [f"skill-{i}" for i in range(120)]
    teams = [f"T{i:05d}" for i in range(max(2, people // 25))]
    opps = [f"O{i:06d}" for i in range(max(3, people // 8))]

    def levels(n):
        return ";".join(f"{s}:{rnd.randint(1, 5)}" for s in rnd.sample(skills, n))

    def write(name, header, rows):
        with open(folder / name, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)

    folder.mkdir(parents=True, exist_ok=True)
    write("skills.csv", ["skill_id", "name", "category"], [[s, s.title(), "general"] for s in skills])
    write("teams.csv", ["team_id", "name", "organisation", "max_release_share", "critical_skills"],
          [[t, f"Team {t}", f"Org {i % 7}", "0.2", f"{rnd.choice(skills)}:2:1"] for i, t in enumerate(teams)])
    write("people.csv", ["person_id", "name", "team_id", "grade", "profession", "fte", "skills", "aspirations",
                         "preferences", "must_practise", "available", "last_redeployed"],
          [[f"P{i:07d}", f"Person {i}", rnd.choice(teams), rnd.randint(1, 10), "social-work", "1",
            levels(rnd.randint(1, 6)), levels(2), ";".join(rnd.sample(opps, 3)), "0", "yes",
            "2025-01-31" if i % 10 == 0 else ""] for i in range(people)])
    write("opportunities.csv", ["opportunity_id", "title", "kind", "host_team_id", "capacity", "fte",
                                "required_skills", "development_skills", "start", "end"],
          [[o, f"Opportunity {o}", "project", rnd.choice(teams), rnd.randint(1, 3), "0.5", levels(2), levels(1),
            "2025-01-01", "2025-12-31"] for o in opps])


@pytest.mark.slow
def test_a_hundred_thousand_people_read_in_a_few_seconds(tmp_path):
    write_synthetic_csv(tmp_path, people=100_000)
    started = time.perf_counter()
    result = read_scenario(tmp_path)
    seconds = time.perf_counter() - started
    assert result.counts["people.csv"] == 100_000 and result.counts["opportunities.csv"] == 12_500
    # A few seconds on an idle 2-core machine; the bound leaves room for a busy CI runner.
    assert seconds < 30, f"reading 100,000 people took {seconds:.1f} s"


@settings(max_examples=examples(300), deadline=None)
@given(
    column=st.sampled_from(["skills", "preferences", "critical_skills", "available", "start"]),
    cells=st.lists(st.text(alphabet="ab é;:\t\n3-", max_size=12).map(str.strip), max_size=8),
)
def test_the_fast_column_parser_agrees_with_the_careful_cell_parser(column, cells):
    """Big files are parsed a column at a time; every cell must come out as the one-cell parser says."""
    from planner.scenario_io.cells import parse_cell, parse_column

    values, complaints = parse_column(column, cells)
    for index, cell in enumerate(cells):
        if not cell:
            assert values[index] == "" and index not in complaints
            continue
        value, found = parse_cell(column, cell)
        assert complaints.get(index, []) == found
        assert values[index] == ("" if found and column in ("available", "start") else value)
