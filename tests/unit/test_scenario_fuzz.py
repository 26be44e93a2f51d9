"""Loading never crashes (SECURITY.md): whatever bytes arrive, the loader returns a scenario or
raises ScenarioError listing located problems, never any other exception."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from property_examples import examples

from planner.domain import Scenario, ScenarioError
from planner.scenario_io import read_scenario, read_scenario_files, scenario_xlsx

SMALL = Path(__file__).parents[1] / "fixtures" / "scenario-small"
VALID = {p.name: p.read_bytes() for p in SMALL.iterdir()}
SCENARIO_JSON = read_scenario(SMALL).scenario.model_dump_json().encode()
WORKBOOK = scenario_xlsx(read_scenario(SMALL).scenario)
CSV_NAMES = sorted(n for n in VALID if n.endswith(".csv"))


def loads_or_reports(files: dict[str, bytes]) -> None:
    """The one promise: a Scenario, or ScenarioError with at least one located, worded problem."""
    try:
        result = read_scenario_files(files)
    except ScenarioError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.file and problem.message
            problem.describe()
        return
    assert isinstance(result.scenario, Scenario)


def _split_cells(data: bytes) -> list[list[bytes]]:
    return [line.split(b",") for line in data.split(b"\n")]


def _join_cells(lines: list[list[bytes]]) -> bytes:
    return b"\n".join(b",".join(cells) for cells in lines)


@st.composite
def mutated(draw, data: bytes) -> bytes:
    """One of the ways a CSV file gets damaged on its way from an HR system."""
    how = draw(st.sampled_from([
        "drop cell", "duplicate cell", "replace cell", "garbage", "truncate", "random bytes",
        "flip byte", "duplicate line", "drop line", "quote", "whole file random",
    ]))
    lines = _split_cells(data)
    line = draw(st.integers(0, len(lines) - 1))
    column = draw(st.integers(0, max(0, len(lines[line]) - 1)))
    if how == "drop cell" and lines[line]:
        del lines[line][column]
    elif how == "duplicate cell" and lines[line]:
        lines[line].insert(column, lines[line][column])
    elif how == "replace cell" and lines[line]:
        lines[line][column] = draw(st.one_of(st.sampled_from([
            b"", b"-1", b"1e309", b"nan", b"9" * 40, b"a:b:c;;:", b";", b":", b"x:0", b"yes", b"\xff\xfe",
            b"\"", b"2025-13-45", "é".encode(), b"=1+1", b"0.5.5", b" ", b"\t",
        ]), st.binary(max_size=6)))
    elif how == "garbage":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.text(max_size=20)).encode() + data[at:]
    elif how == "truncate":
        return data[: draw(st.integers(0, len(data)))]
    elif how == "random bytes":
        at = draw(st.integers(0, len(data)))
        return data[:at] + draw(st.binary(min_size=1, max_size=20)) + data[at:]
    elif how == "flip byte" and data:
        at = draw(st.integers(0, len(data) - 1))
        return data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1 :]
    elif how == "duplicate line":
        lines.insert(line, list(lines[line]))
    elif how == "drop line":
        del lines[line]
    elif how == "quote" and lines[line]:
        lines[line][column] = b'"' + lines[line][column]
    elif how == "whole file random":
        return draw(st.binary(max_size=200))
    return _join_cells(lines)


FUZZ = settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(data=st.data())
def test_damaged_csv_files_load_or_are_reported(data):
    files = dict(VALID)
    for _ in range(data.draw(st.integers(1, 3))):
        name = data.draw(st.sampled_from(CSV_NAMES))
        files[name] = data.draw(mutated(files[name]))
    loads_or_reports(files)


@FUZZ
@given(data=st.data())
def test_damaged_policy_and_scenario_json_load_or_are_reported(data):
    damaged = data.draw(st.one_of(
        mutated(SCENARIO_JSON), st.just(b"[" * 5000), st.just(b'{"teams": {}}'),
        st.builds(lambda v: json.dumps(v).encode(), st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=5),
            lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(
                ["teams", "people", "skills", "policy", "weights", "team_id", "pinned", "x"]), inner, max_size=3),
        )),
    ))
    loads_or_reports({"scenario.json": damaged})
    loads_or_reports(dict(VALID) | {"policy.json": damaged})


@settings(max_examples=examples(40), deadline=None)
@given(data=st.data())
def test_damaged_workbooks_load_or_are_reported(data):
    workbook = WORKBOOK
    at = data.draw(st.integers(0, len(workbook) - 1))
    how = data.draw(st.sampled_from(["flip", "truncate", "insert"]))
    if how == "flip":
        workbook = workbook[:at] + bytes([workbook[at] ^ data.draw(st.integers(1, 255))]) + workbook[at + 1 :]
    elif how == "truncate":
        workbook = workbook[:at]
    else:
        workbook = workbook[:at] + data.draw(st.binary(min_size=1, max_size=16)) + workbook[at:]
    loads_or_reports({"scenario.xlsx": workbook})


@settings(max_examples=examples(80), deadline=None)
@given(files=st.dictionaries(
    st.sampled_from(["teams.csv", "people.csv", "skills.csv", "x.xlsx", "policy.json", "../a.csv", "", "a.txt"]),
    st.binary(max_size=64), max_size=4,
))
def test_any_upload_of_random_files_loads_or_is_reported(files):
    loads_or_reports(files)
