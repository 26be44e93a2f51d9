"""Import limits: a zip-bomb workbook, an oversized sheet, an over-long CSV file and a deeply
nested JSON document are refused quickly, naming the limit, through the reader, the command line
(`trellis validate`, `trellis import`) and the web import."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from click.testing import CliRunner
from helpers import csrf_token
from scenarios import small_scenario

from planner.cli import main
from planner.domain import ScenarioError
from planner.scenario_io import (
    read_scenario,
    read_scenario_files,
    scenario_xlsx,
    write_scenario_csv,
    write_scenario_json,
)
from planner.scenario_io.limits import ImportLimits

BOMB_SHEET_MB = 64


def _people_sheet_path(book: bytes) -> str:
    """The zip entry holding the `people` sheet of a workbook written by our writer."""
    from openpyxl import load_workbook

    titles = load_workbook(io.BytesIO(book), read_only=True).sheetnames
    return f"xl/worksheets/sheet{titles.index('people') + 1}.xml"


def _with_sheet_xml(book: bytes, entry: str, sheet_xml: bytes) -> bytes:
    """The workbook with one sheet's XML replaced (deflated at the highest level)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(book)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            target.writestr(info.filename, sheet_xml if info.filename == entry else source.read(info.filename))
    return out.getvalue()


def _rows_xml(first: int, count: int) -> bytes:
    return b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>P%d</t></is></c></row>' % (n, n, n)
        for n in range(first, first + count)
    )


def _sheet_xml(rows: bytes, dimension: str | None = None) -> bytes:
    head = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    if dimension:
        head += b'<dimension ref="%s"/>' % dimension.encode()
    return head + b"<sheetData>" + rows + b"</sheetData></worksheet>"


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """A small workbook whose people sheet inflates to 64 MB of (valid, repetitive) sheet XML."""
    book = scenario_xlsx(small_scenario("consoles"))
    row = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'
    sheet = _sheet_xml(row * (BOMB_SHEET_MB * 1024 * 1024 // len(row)))
    return _with_sheet_xml(book, _people_sheet_path(book), sheet)


def _refused(read) -> tuple[ScenarioError, float]:
    started = time.perf_counter()
    with pytest.raises(ScenarioError) as caught:
        read()
    return caught.value, time.perf_counter() - started


# ---------------------------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------------------------

def test_a_zip_bomb_workbook_is_refused_in_under_a_second_naming_the_limit(zip_bomb, tmp_path):
    assert len(zip_bomb) < 1024 * 1024  # the upload limit counts these compressed bytes
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb)
    error, seconds = _refused(lambda: read_scenario(path))
    assert seconds < 1.0
    [problem] = error.problems
    assert problem.file == "bomb.xlsx" and "zip bomb" in problem.message
    assert "TRELLIS_MAX_COMPRESSION_RATIO" in problem.message and "64 MB" in problem.message


def test_a_workbook_too_large_once_uncompressed_is_refused_before_parsing(zip_bomb):
    limits = ImportLimits(max_compression_ratio=10_000, max_workbook_bytes=32 * 1024 * 1024)
    error, seconds = _refused(lambda: read_scenario_files({"bomb.xlsx": zip_bomb}, limits))
    assert seconds < 1.0
    assert "more than the import limit of 32 MB (TRELLIS_MAX_WORKBOOK_MB)" in error.problems[0].message


def test_a_workbook_with_too_many_entries_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as book:
        for number in range(50):
            book.writestr(f"xl/media/image{number}.png", b"x")
    error, _ = _refused(lambda: read_scenario_files({"many.xlsx": out.getvalue()}, ImportLimits(max_zip_entries=20)))
    assert "50 files inside it" in error.problems[0].message and "TRELLIS_MAX_ZIP_ENTRIES" in error.problems[0].message


def test_a_sheet_declaring_a_huge_size_is_refused_before_its_rows_are_read():
    book = scenario_xlsx(small_scenario("consoles"))
    sheet = _sheet_xml(_rows_xml(1, 3), dimension="A1:XFD1048576")
    bomb = _with_sheet_xml(book, _people_sheet_path(book), sheet)
    error, seconds = _refused(lambda: read_scenario_files({"wide.xlsx": bomb}))
    assert seconds < 1.0
    [problem] = error.problems
    assert problem.file == "wide.xlsx, sheet people" and "TRELLIS_MAX_" in problem.message


def test_a_sheet_with_more_rows_than_the_cap_is_refused_even_when_its_dimension_lies():
    book = scenario_xlsx(small_scenario("consoles"))
    sheet = _sheet_xml(_rows_xml(1, 5_000), dimension="A1:A2")
    long_sheet = _with_sheet_xml(book, _people_sheet_path(book), sheet)
    error, _ = _refused(lambda: read_scenario_files({"long.xlsx": long_sheet}, ImportLimits(max_rows=1_000)))
    [problem] = error.problems
    assert problem.file == "long.xlsx, sheet people"
    assert "more than 1,000 rows, the import limit (TRELLIS_MAX_ROWS)" in problem.message


def test_cells_beyond_the_cap_are_refused_across_the_whole_workbook():
    book = scenario_xlsx(small_scenario("consoles"))
    error, _ = _refused(lambda: read_scenario_files({"book.xlsx": book}, ImportLimits(max_cells=100)))
    assert any("TRELLIS_MAX_CELLS" in p.message for p in error.problems)


def test_the_limits_come_from_the_environment(monkeypatch, tmp_path):
    folder = tmp_path / "scenario"
    write_scenario_csv(small_scenario("consoles"), folder)
    monkeypatch.setenv("TRELLIS_MAX_ROWS", "10")
    error, _ = _refused(lambda: read_scenario(folder))
    assert [p.file for p in error.problems] == ["people.csv"]
    monkeypatch.setenv("TRELLIS_MAX_ROWS", "ten")
    error, _ = _refused(lambda: read_scenario(folder))
    assert error.problems[0].file == "TRELLIS_MAX_ROWS" and "positive whole number" in error.problems[0].message
    monkeypatch.delenv("TRELLIS_MAX_ROWS")
    assert len(read_scenario(folder).scenario.people) == len(small_scenario("consoles").people)


# ---------------------------------------------------------------------------------------------
# CSV and JSON
# ---------------------------------------------------------------------------------------------

def test_a_csv_file_over_the_row_cap_stops_being_read_and_is_refused(tmp_path):
    folder = tmp_path / "scenario"
    write_scenario_csv(small_scenario("consoles"), folder)
    with (folder / "people.csv").open("a") as people:
        people.write("\n".join(f"X{n},Name {n},T-DATA,4,data,1" for n in range(200_000)))
    error, seconds = _refused(lambda: read_scenario(folder, ImportLimits(max_rows=1_000)))
    assert seconds < 1.0
    [problem] = error.problems
    assert problem.file == "people.csv" and "more than 1,000 rows" in problem.message


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path):
    folder = tmp_path / "scenario"
    write_scenario_csv(small_scenario("consoles"), folder)
    error, _ = _refused(lambda: read_scenario(folder, ImportLimits(max_file_bytes=100)))
    assert {p.file for p in error.problems} >= {"people.csv", "teams.csv"}
    assert all("(TRELLIS_MAX_FILE_MB)" in p.message for p in error.problems)


def _nested(depth: int) -> str:
    return '{"a": ' * depth + "1" + "}" * depth


@pytest.mark.parametrize("depth", [25, 900, 100_000])
def test_deeply_nested_scenario_and_policy_json_are_refused_naming_the_limit(tmp_path, depth):
    scenario = tmp_path / "scenario.json"
    scenario.write_text('{"teams": [], "people": [], "policy": ' + _nested(depth) + "}")
    error, seconds = _refused(lambda: read_scenario(scenario))
    assert seconds < 1.0
    assert error.problems[0].file == "scenario.json" and "TRELLIS_MAX_JSON_DEPTH" in error.problems[0].message
    folder = tmp_path / "csv"
    write_scenario_csv(small_scenario("consoles"), folder)
    (folder / "policy.json").write_text(_nested(depth))
    error, _ = _refused(lambda: read_scenario(folder))
    assert [p.file for p in error.problems] == ["policy.json"] and "nested more than 20" in error.problems[0].message


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_without_nan_or_infinity(tmp_path, constant):
    folder = tmp_path / "csv"
    write_scenario_csv(small_scenario("consoles"), folder)
    (folder / "policy.json").write_text(f'{{"time_limit_s": {constant}}}')
    error, _ = _refused(lambda: read_scenario(folder))
    assert error.problems[0].file == "policy.json" and "NaN and Infinity" in error.problems[0].message


def test_real_scenarios_are_well_within_the_limits(tmp_path):
    scenario = small_scenario("consoles")
    book = scenario_xlsx(scenario)
    assert len(read_scenario_files({"book.xlsx": book}).scenario.people) == len(scenario.people)
    write_scenario_json(scenario, tmp_path / "scenario.json")
    assert read_scenario(tmp_path / "scenario.json").scenario == read_scenario_files({"book.xlsx": book}).scenario


# ---------------------------------------------------------------------------------------------
# Command line and web
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["validate", "import"])
def test_the_command_line_refuses_a_zip_bomb_with_one_line_and_exit_2(zip_bomb, tmp_path, command):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(zip_bomb)
    extra = ["--database-url", f"sqlite:///{tmp_path / 'store.sqlite3'}"] if command == "import" else []
    started = time.perf_counter()
    result = CliRunner().invoke(main, [command, str(path), *extra])
    assert time.perf_counter() - started < 1.0
    assert result.exit_code == 2 and result.exception is None or isinstance(result.exception, SystemExit)
    problem_lines = [line for line in result.output.splitlines() if "bomb.xlsx:" in line and "zip bomb" in line]
    assert len(problem_lines) == 1 and "TRELLIS_MAX_COMPRESSION_RATIO" in problem_lines[0]
    assert "Traceback" not in result.output
    assert not (tmp_path / "store.sqlite3").exists()


def test_the_web_import_refuses_a_zip_bomb_with_422_in_under_a_second(as_role, store_engine, zip_bomb):
    from planner.store.testing import database_dump

    client = as_role("hr")
    before = database_dump(store_engine)
    started = time.perf_counter()
    response = client.post("/hr/import", data={"csrf_token": csrf_token(client), "files": [(io.BytesIO(zip_bomb), "bomb.xlsx")]},
                           content_type="multipart/form-data")
    assert time.perf_counter() - started < 1.0
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "bomb.xlsx" in page and "zip bomb" in page and "TRELLIS_MAX_COMPRESSION_RATIO" in page
    assert database_dump(store_engine) == before


def test_an_oversized_workbook_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "big.xlsx"
    path.write_bytes(scenario_xlsx(small_scenario("consoles")))
    error, _ = _refused(lambda: read_scenario(path, ImportLimits(max_workbook_bytes=1_000)))
    assert "(TRELLIS_MAX_WORKBOOK_MB)" in error.problems[0].message


def test_other_files_in_the_folder_are_neither_read_nor_size_checked(tmp_path):
    folder = tmp_path / "scenario"
    write_scenario_csv(small_scenario("consoles"), folder)
    (folder / "notes.csv").write_bytes(b"x" * 5_000)
    result = read_scenario(folder, ImportLimits(max_file_bytes=4_000))
    assert any(w.file == "notes.csv" and "ignored" in w.message for w in result.warnings)
