"""Writing a scenario as a CSV folder, one JSON document, or an Excel workbook.

Every writer is the exact inverse of the reader: reading what was written gives back an equal
Scenario (the round trip is proven by property-based tests).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from operator import attrgetter
from pathlib import Path
from typing import TextIO

from planner.domain import Policy, Scenario

from .cells import format_cell
from .layout import POLICY_FILE, TABLES, WRITTEN_WHEN_SET

POLICY_SHEET = "policy"
EXCEL_MAX_ROWS = 1_048_576  # rows in one Excel sheet, the header included


def unset_columns(scenario: Scenario, kind: str) -> set[str]:
    """The optional later columns (`WRITTEN_WHEN_SET`) of one table that no row sets: writers
    leave them out, so a scenario without regions is written as it was before regions existed."""
    layout = next(t for t in TABLES if t.kind == kind)
    items = getattr(scenario, kind)
    return {c for c in WRITTEN_WHEN_SET & set(layout.columns)
            if not any(getattr(item, c) != layout.model.model_fields[c].default for item in items)}


def table_rows(scenario: Scenario, kind: str) -> tuple[list[str], Iterator[list[str]]]:
    """The header and the cells of one table of the scenario, as text, row by row (a file of a
    million rows is written without all its cells in memory at once)."""
    layout = next(t for t in TABLES if t.kind == kind)
    unset = unset_columns(scenario, kind)
    columns = [c for c in layout.columns if c not in unset]
    cells_of = attrgetter(*columns)  # one call per row: a million rows are written in seconds
    rows = (list(map(format_cell, cells_of(item))) for item in getattr(scenario, kind))
    return columns, rows


def _tables_to_write(scenario: Scenario):
    """teams.csv, people.csv and opportunities.csv always; skills.csv and demand.csv when not empty."""
    for layout in TABLES:
        if layout.required_file or layout.kind == "opportunities" or getattr(scenario, layout.kind):
            yield layout


def policy_is_default(policy: Policy) -> bool:
    return policy == Policy()


def write_csv(file: TextIO, columns: list[str], rows: Iterable[list[str]]) -> None:
    # CRLF as RFC 4180 says; it also makes the writer quote any cell holding a lone carriage return.
    writer = csv.writer(file, lineterminator="\r\n")
    writer.writerow(columns)
    writer.writerows(rows)


def csv_text(columns: list[str], rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    write_csv(buffer, columns, rows)
    return buffer.getvalue()


def with_monitoring_columns(scenario: Scenario, columns: list[str], rows: list[list[str]]):
    """people.csv's header and rows with the equality-monitoring columns the policy names added
    (blank where a person stated nothing)."""
    monitored = list(scenario.policy.equality.monitored)
    values = scenario.monitoring
    return columns + monitored, [
        row + [values.get(person.person_id, {}).get(column, "") for column in monitored]
        for row, person in zip(rows, scenario.people)
    ]


def write_scenario_csv(scenario: Scenario, folder: str | Path, *, monitoring: bool = False) -> list[Path]:
    """Write the scenario as a folder of UTF-8 CSV files (and policy.json when the policy is not
    the default). Files of tables the scenario does not have are removed so the folder reads back
    as exactly this scenario. Returns the files written.

    Equality-monitoring columns (special-category data) are written only with `monitoring`, for
    HR's own files (`trellis generate --monitoring`); every other export leaves them out."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    keep = set()
    for layout in _tables_to_write(scenario):
        columns, rows = table_rows(scenario, layout.kind)
        if monitoring and layout.kind == "people":
            columns, rows = with_monitoring_columns(scenario, columns, rows)
        path = folder / layout.file
        with path.open("w", encoding="utf-8", newline="") as file:
            write_csv(file, columns, rows)
        written.append(path)
        keep.add(layout.file)
    policy_path = folder / POLICY_FILE
    if not policy_is_default(scenario.policy):
        policy_path.write_text(policy_json(scenario.policy), encoding="utf-8")
        written.append(policy_path)
        keep.add(POLICY_FILE)
    for stale in [*(t.file for t in TABLES), POLICY_FILE]:
        if stale not in keep and (folder / stale).exists():
            (folder / stale).unlink()
    return written


def policy_json(policy: Policy) -> str:
    """policy.json: only the settings that differ from the defaults, so the file says what was chosen."""
    return json.dumps(policy.model_dump(mode="json", exclude_defaults=True), indent=2, ensure_ascii=False) + "\n"


def scenario_json(scenario: Scenario) -> str:
    """scenario.json; like the CSV writers it leaves out the optional later fields no item sets."""
    exclude = {kind: {"__all__": unset} for kind in ("teams", "opportunities")
               if (unset := unset_columns(scenario, kind))}
    return scenario.model_dump_json(indent=2, exclude=exclude or None) + "\n"


def write_scenario_json(scenario: Scenario, path: str | Path) -> Path:
    """Write the whole scenario as one JSON document (its schema: `trellis schema`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(scenario_json(scenario), encoding="utf-8")
    return path


def _text_cell(sheet, text: str):
    """A cell that holds text, never a formula: a name starting with `=` must not run in Excel."""
    # openpyxl is imported on first use: CSV and JSON reading (every start-up) never needs it.
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    return cell


def write_scenario_xlsx(scenario: Scenario, path: str | Path) -> Path:
    """Write the scenario as an Excel workbook (see `scenario_xlsx`)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(scenario_xlsx(scenario))
    return path


def scenario_xlsx(scenario: Scenario) -> bytes:
    """The scenario as an Excel workbook: one sheet per CSV file (named `people`, `teams`...),
    every cell as text (ids like `007` stay as written; a cell starting with `=` is text, not a
    formula), and a `policy` sheet of `key,value` rows (value as JSON) when the policy is not
    the default."""
    # openpyxl is imported on first use: CSV and JSON reading (every start-up) never needs it.
    from openpyxl import Workbook

    for layout in _tables_to_write(scenario):
        if len(getattr(scenario, layout.kind)) >= EXCEL_MAX_ROWS:
            raise ValueError(f"{len(getattr(scenario, layout.kind)):,} {layout.kind} do not fit in an Excel sheet "
                             f"(at most {EXCEL_MAX_ROWS - 1:,} rows under the header): write a CSV folder")
    book = Workbook(write_only=True)
    for layout in _tables_to_write(scenario):
        sheet = book.create_sheet(layout.kind)
        columns, rows = table_rows(scenario, layout.kind)
        sheet.append(columns)
        for row in rows:
            sheet.append([_text_cell(sheet, cell) for cell in row])
    if not policy_is_default(scenario.policy):
        sheet = book.create_sheet(POLICY_SHEET)
        sheet.append(["key", "value"])
        for key, value in scenario.policy.model_dump(mode="json", exclude_defaults=True).items():
            sheet.append([key, _text_cell(sheet, json.dumps(value, ensure_ascii=False))])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
