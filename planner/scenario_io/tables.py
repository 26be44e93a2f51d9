"""Turning the bytes of a CSV file or the sheets of a workbook into rows of text cells.

Nothing here knows what a person or a team is: it checks that the input is text, is CSV, has a
header with the required columns, and remembers for every data row the row number a spreadsheet
shows (header = row 1), so every later problem can point at the right place.
"""

from __future__ import annotations

import csv
import difflib
import io
import itertools
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from planner.domain import Problem, did_you_mean

from .layout import TableLayout
from .limits import ImportLimits, current_limits, too_many_rows

ZIP_MAGIC = b"PK\x03\x04"


@dataclass
class RawTable:
    """The text cells of one CSV file (or one sheet), keyed by the columns the scenario knows."""

    layout: TableLayout
    label: str  # how problems name it: "people.csv" or "staff.xlsx, sheet people"
    columns: list[str | None]  # per position: the known column, or None for an ignored one
    # Columns outside the format (normalised name -> position): ignored, unless the policy names
    # them as equality-monitoring columns (see assemble.monitoring_from_collection).
    extra: dict[str, int] = field(default_factory=dict)
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)


def normalise_header(name: str) -> str:
    """`Person ID`, ` person-id ` and `PERSON_ID` all mean `person_id`."""
    return re.sub(r"[\s\-]+", "_", name.strip().lstrip("\ufeff").strip()).lower()


def decode_text(label: str, data: bytes) -> tuple[str | None, list[Problem]]:
    """The file as text, or a problem saying why it is not a UTF-8 CSV file."""
    if data.startswith(ZIP_MAGIC):
        return None, [Problem(
            file=label, message="is an Excel workbook (or another zip file), not a CSV file",
            suggestion="upload the .xlsx as it is, or save each sheet with 'Save As > CSV UTF-8'",
        )]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [Problem(
            file=label, message="is UTF-16 text, not UTF-8",
            suggestion="save it with 'Save As > CSV UTF-8 (Comma delimited)'",
        )]
    if b"\x00" in data:
        return None, [Problem(
            file=label, message="is a binary file, not CSV text",
            suggestion="export the sheet from your HR system or spreadsheet as CSV UTF-8",
        )]
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        bad = data[error.start : error.start + 1].hex()
        return None, [Problem(
            file=label, row=line, value=f"0x{bad}",
            message="is not UTF-8 text (a character here is in another encoding, often Windows-1252)",
            suggestion="save it with 'Save As > CSV UTF-8 (Comma delimited)'",
        )]


def _records(label: str, text: str, max_rows: int) -> tuple[list[list[str]], list[Problem]]:
    """Every CSV record of the text; a record may span several lines when a quoted cell holds a
    line break, so the record's position (not the line) is its spreadsheet row. Reading stops
    past `max_rows` data rows (plus the header), so a ten-million-row file is not held whole."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(itertools.islice(reader, max_rows + 2))
    except csv.Error:
        records = None  # read again record by record to say where
    if records is not None:
        return _within_row_cap(label, records, max_rows)
    records = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        for record in itertools.islice(reader, max_rows + 2):
            records.append(record)
    except csv.Error as error:
        return records, [Problem(
            file=label, row=len(records) + 1, message=f"is not valid CSV here: {error}",
            suggestion='a cell holding a quote must be wrapped in double quotes, with the quote doubled ("")',
        )]
    return _within_row_cap(label, records, max_rows)


def _within_row_cap(label: str, records: list[list[str]], max_rows: int) -> tuple[list[list[str]], list[Problem]]:
    """The header and at most `max_rows` rows; more is refused with the limit named."""
    if len(records) > max_rows + 1:
        return [], [too_many_rows(label, ImportLimits(max_rows=max_rows))]
    return records, []


def table_from_csv(
    layout: TableLayout, label: str, data: bytes, limits: ImportLimits | None = None
) -> tuple[RawTable | None, list[Problem]]:
    """Read one CSV file. Returns the table (None when it cannot be read at all) and its problems."""
    limits = limits or current_limits()
    text, problems = decode_text(label, data)
    if text is None:
        return None, problems
    records, problems = _records(label, text, limits.max_rows)
    if problems:
        return None, problems
    return table_from_records(layout, label, records, first_row=1)


def table_from_records(
    layout: TableLayout, label: str, records: list[list[str]], first_row: int
) -> tuple[RawTable | None, list[Problem]]:
    """Check the header and the shape of every row; `first_row` is the header's spreadsheet row."""
    problems: list[Problem] = []
    header_at = next((i for i, r in enumerate(records) if any(c.strip() for c in r)), None)
    if header_at is None:
        return None, [Problem(
            file=label, row=first_row,
            message="is empty: it needs a header row naming its columns",
            suggestion="the columns are " + ", ".join(layout.columns),
        )]
    header_row = first_row + header_at
    header = records[header_at]
    other_separator = _other_separator(header, layout)
    if other_separator:
        return None, [Problem(
            file=label, row=header_row, value=header[0][:60],
            message=f"columns are separated by {other_separator}, not by commas",
            suggestion="save it with 'Save As > CSV UTF-8 (Comma delimited)'",
        )]
    known = set(layout.columns)
    columns: list[str | None] = []
    seen: dict[str, int] = {}
    unknown: list[str] = []
    extra: dict[str, int] = {}
    for position, name in enumerate(header):
        column = normalise_header(name)
        if not column:
            columns.append(None)
            continue
        if column in seen:
            problems.append(Problem(
                file=label, row=header_row, column=column, value=name,
                message=f"column {column!r} appears twice in the header",
                suggestion="remove or rename one of them",
            ))
            columns.append(None)
            continue
        seen[column] = position
        if column in known:
            columns.append(column)
        else:
            columns.append(None)
            unknown.append(name)
            extra[column] = position
    for missing in layout.required_columns:
        if missing not in seen:
            problems.append(Problem(
                file=label, row=header_row, column=missing,
                message=f"required column {missing!r} is missing from the header",
                suggestion=_renamed_column_hint(missing, unknown),
            ))
    for name in unknown:
        problems.append(Problem(
            file=label, row=header_row, column=name.strip(), severity="warning",
            message="column is not part of the scenario format and is ignored",
            suggestion=did_you_mean(normalise_header(name), layout.columns),
        ))

    table = RawTable(layout=layout, label=label, columns=columns, extra=extra)
    width = len(header)
    for offset, record in enumerate(records[header_at + 1 :], start=1):
        if len(record) == width and "".join(record).strip():  # the usual row: nothing to look at
            table.rows.append(record)
            table.row_numbers.append(header_row + offset)
            continue
        if not "".join(record).strip():
            continue  # blank lines and rows of empty cells, common at the end of exports
        row = header_row + offset
        if len(record) > width:
            surplus = [c for c in record[width:] if c.strip()]
            if surplus:
                problems.append(Problem(
                    file=label, row=row, value=surplus[0],
                    message=f"the row has {len(record)} cells but the header has {width} columns",
                    suggestion="a value that contains a comma must be wrapped in double quotes",
                ))
                continue
            record = record[:width]
        else:
            record = record + [""] * (width - len(record))
        table.rows.append(record)
        table.row_numbers.append(row)
    return table, problems


def _other_separator(header: list[str], layout: TableLayout) -> str | None:
    """Spreadsheets set to a European locale write `;` between columns, some exports a tab."""
    if len(header) != 1:
        return None
    for separator, words in ((";", "semicolons"), ("\t", "tabs"), ("|", "bars")):
        names = {normalise_header(name) for name in header[0].split(separator)}
        if len(names & set(layout.columns)) >= 2:
            return words
    return None


def _renamed_column_hint(missing: str, unknown: list[str]) -> str | None:
    """When an unknown column looks like the missing one (`persn_id`), say so."""
    by_norm = {normalise_header(c): c for c in unknown}
    match = difflib.get_close_matches(missing, list(by_norm), n=1, cutoff=0.6)
    if match:
        return f"is the column {by_norm[match[0]].strip()!r} meant to be {missing!r}?"
    return None


def excel_cell_text(value) -> str:
    """A workbook cell as the text a CSV export would hold (3.0 -> "3", a date -> "2025-03-31")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
