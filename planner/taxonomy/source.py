"""Reading a public taxonomy table as its publisher ships it (tab-delimited text, CSV, or an
Excel sheet) in chunks of rows, so a full release streams through in bounded memory.

Every chunk is a pandas DataFrame of text cells (trimmed) under the published column names, plus a `row`
column holding the row number a spreadsheet shows (header = row 1), so every later problem can
name the file, the row and the column. Nothing here knows what a skill or an occupation is.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from planner.domain import Problem
from planner.scenario_io.tables import excel_cell_text

CHUNK_ROWS = 20_000
ROW = "row"  # the column of each chunk holding the spreadsheet row number
ZIP_MAGIC = b"PK\x03\x04"
SEPARATOR_WORDS = {"\t": "tabs", ",": "commas", ";": "semicolons", "|": "bars"}
MOST_PROBLEMS = 50  # enough to see a pattern; a broken full release would otherwise list 60,000


class TaxonomyError(Exception):
    """A taxonomy file cannot be imported; carries every problem found (file, row, column)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(p.describe() for p in problems))

    def one_line(self) -> str:
        """The first problem, and how many more there are, for a command line."""
        more = len(self.problems) - 1
        return self.problems[0].describe() + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")


@dataclass(frozen=True)
class PublishedTable:
    """The shape of one published table: its columns as the publisher names them."""

    what: str  # how messages name it, e.g. "the O*NET Skills table"
    delimiter: str  # of the text form: "\t" for O*NET, "," for ESCO
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()


def read_chunks(path: Path, table: PublishedTable) -> Iterator[pd.DataFrame]:
    """The rows of the file in chunks (text cells, published column names, plus `row`).

    An .xlsx workbook (recognised by its content, whatever its name) is read from its first
    sheet; anything else as UTF-8 text split on the table's delimiter. Raises TaxonomyError when
    the file cannot be read as that table (missing, not text, wrong separator, missing column)."""
    label = str(path)
    if not path.is_file():
        raise TaxonomyError([Problem(file=label, message="does not exist" if not path.exists() else "is not a file")])
    with path.open("rb") as peek:
        start = peek.read(4096)
    if start.startswith(ZIP_MAGIC):
        yield from _workbook_chunks(path, table)
    elif path.suffix.lower() in (".xlsx", ".xlsm"):
        raise TaxonomyError([Problem(file=label, message="is named like an Excel workbook but is not one",
                                     suggestion="give the workbook as published, or the tab-delimited text")])
    else:
        _refuse_non_text(label, start)
        yield from _text_chunks(path, table)


def _refuse_non_text(label: str, start: bytes) -> None:
    if start.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise TaxonomyError([Problem(file=label, message="is UTF-16 text, not UTF-8",
                                     suggestion="use the file as published, or save it as UTF-8")])
    if b"\x00" in start:
        raise TaxonomyError([Problem(file=label, message="is a binary file, not text or an .xlsx workbook",
                                     suggestion="give the file as published")])


def _text_chunks(path: Path, table: PublishedTable) -> Iterator[pd.DataFrame]:
    # The csv module, not pandas' parser: it counts records (a quoted cell may hold line breaks,
    # as ESCO's labels do), so row numbers match a spreadsheet, and a row with a cell too many
    # is reported rather than silently shifted into an index column.
    label = str(path)
    with path.open("rb") as binary:
        records = csv.reader(_decoded_lines(binary), delimiter=table.delimiter, strict=True)
        reached = [0]  # the last row read, for problems the reader itself raises
        try:
            header: list[str] | None = None
            for _row, record in _numbered(records, 0, reached):
                if any(cell.strip() for cell in record):
                    header = record
                    break
            if header is None:
                raise TaxonomyError([Problem(file=label, message=f"is empty: {table.what} starts with a header row",
                                             suggestion="its columns are " + ", ".join(table.required))])
            columns = _columns_of(label, reached[0], header, table)
            yield from _chunked(label, _numbered(records, reached[0], reached), columns, len(header))
        except UnicodeDecodeError:
            raise TaxonomyError([Problem(
                file=label, row=reached[0] + 1, message="is not UTF-8 text",
                suggestion="use the file as published (UTF-8), or save it with 'Save As > UTF-8'",
            )]) from None
        except csv.Error as error:
            raise TaxonomyError([Problem(
                file=label, row=reached[0] + 1, message=f"is not valid delimited text here: {error}",
                suggestion='a cell holding a quote must be wrapped in double quotes, with the quote doubled ("")',
            )]) from None


def _decoded_lines(binary) -> Iterator[str]:
    """The file's lines as text, decoded one by one so a byte that is not UTF-8 is caught on the
    row it is in (a text stream decodes ahead, thousands of rows early)."""
    for number, line in enumerate(binary):
        yield line.decode("utf-8-sig" if number == 0 else "utf-8")


def _numbered(records, before: int, reached: list[int] | None = None) -> Iterator[tuple[int, list[str]]]:
    """Each record with its spreadsheet row number, counting from the row `before` it; `reached`
    (when given) always holds the last number handed out."""
    for number, record in enumerate(records, start=before + 1):
        if reached is not None:
            reached[0] = number
        yield number, record


def _workbook_chunks(path: Path, table: PublishedTable) -> Iterator[pd.DataFrame]:
    label = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        # a damaged workbook, or another kind of zip file (.docx, .odt...)
        raise TaxonomyError([Problem(file=label, message="is a zip file but not a readable .xlsx workbook",
                                     suggestion="give the workbook as published")]) from None
    try:
        sheet = book.worksheets[0]
        rows = ([excel_cell_text(value) for value in values] for values in sheet.iter_rows(values_only=True))
        header: list[str] | None = None
        row = 0
        for row, cells in _numbered(rows, 0):  # noqa: B007 - `row` is read after the loop
            if any(cell.strip() for cell in cells):
                header = cells
                break
        where = f"{label}, sheet {sheet.title}"
        if header is None:
            raise TaxonomyError([Problem(file=where, message=f"is empty: {table.what} starts with a header row")])
        columns = _columns_of(where, row, header, table)
        yield from _chunked(where, _numbered(rows, row), columns, len(header))
    finally:
        book.close()


def _columns_of(label: str, row: int, header: list[str], table: PublishedTable) -> dict[str, int]:
    """Position of each known column; the header must hold every required one."""
    wanted = {name.lower(): name for name in (*table.required, *table.optional)}
    positions: dict[str, int] = {}
    for position, cell in enumerate(header):
        name = wanted.get(" ".join(cell.lstrip("\ufeff").split()).lower())
        if name and name not in positions:
            positions[name] = position
    if len(header) == 1 or len(positions) < 2:
        _refuse_other_separator(label, row, header, table, wanted)
    missing = [name for name in table.required if name not in positions]
    if missing:
        names = ", ".join(repr(name) for name in missing)
        raise TaxonomyError([Problem(
            file=label, row=row, column=missing[0],
            message=f"required column {names} is missing from the header" if len(missing) == 1
            else f"required columns {names} are missing from the header",
            suggestion=f"is this {table.what}? It needs the columns " + ", ".join(table.required),
        )])
    return positions


def _refuse_other_separator(label: str, row: int, header: list[str], table: PublishedTable, wanted: dict) -> None:
    joined = table.delimiter.join(header)
    for separator, words in SEPARATOR_WORDS.items():
        if separator == table.delimiter:
            continue
        names = {" ".join(part.split()).lower() for part in joined.split(separator)}
        if len(names & set(wanted)) >= 2:
            raise TaxonomyError([Problem(
                file=label, row=row, value=joined[:60],
                message=f"columns are separated by {words}, not by {SEPARATOR_WORDS[table.delimiter]} as {table.what} is published",
                suggestion="use the file as published",
            )])


def _chunked(label: str, rows: Iterator[tuple[int, list[str]]], columns: dict[str, int], width: int) -> Iterator[pd.DataFrame]:
    """DataFrames of at most CHUNK_ROWS rows; cells trimmed, blank rows skipped, short rows padded."""
    names = list(columns)
    picks = list(columns.values())
    cells: list[list[str]] = []
    numbers: list[int] = []
    for number, record in rows:
        if len(record) != width:
            surplus = [cell for cell in record[width:] if cell.strip()]
            if surplus:
                raise TaxonomyError([Problem(
                    file=label, row=number, value=surplus[0][:60],
                    message=f"the row has {len(record)} cells but the header has {width} columns",
                    suggestion="is a separator missing from the header, or one too many in this row?",
                )])
            record = record[:width] + [""] * (width - len(record))
        picked = [record[p].strip() for p in picks]
        if not any(picked):
            continue  # blank lines, common at the end of exports
        cells.append(picked)
        numbers.append(number)
        if len(cells) >= CHUNK_ROWS:
            yield _frame(cells, names, numbers)
            cells, numbers = [], []
    if cells:
        yield _frame(cells, names, numbers)


def _frame(cells: list[list[str]], names: list[str], numbers: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame(cells, columns=names, dtype=str)
    frame[ROW] = numbers
    return frame


def cell_problems(label: str, chunk: pd.DataFrame, bad: pd.Series, column: str, message: str,
                  suggestion: str | None = None, limit: int = MOST_PROBLEMS) -> list[Problem]:
    """One problem per row of `chunk` where `bad` holds, naming the row, the column and the value."""
    found = chunk.loc[bad, [ROW, column]].head(limit)
    return [Problem(file=label, row=int(row), column=column, value=str(value)[:60], message=message, suggestion=suggestion)
            for row, value in found.itertuples(index=False)]
