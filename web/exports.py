"""Spreadsheet exports (CSV and XLSX) that are safe to open.

A cell that starts with `=`, `+`, `-`, `@` (or a tab or carriage return) is read by Excel and
LibreOffice as a formula, so a name like `=HYPERLINK(...)` typed into an HR system could run
when a manager opens the export. Every text cell is escaped here, in one place, with a leading
apostrophe (OWASP's advice), for CSV and XLSX alike. Numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response
from openpyxl import Workbook
from openpyxl.styles import Font

from planner.spreadsheet_safety import escape_formula

CSV_MIMETYPE = "text/csv; charset=utf-8"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def escape_cell(value: object) -> object:
    """A text cell that a spreadsheet would read as a formula gets a leading apostrophe;
    numbers, booleans and empty cells pass unchanged."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float)):
        return value
    return escape_formula(str(value))


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """One CSV file (UTF-8 with a BOM, so Excel reads accents right), every cell escaped."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in header])
    for row in rows:
        writer.writerow([escape_cell(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]]) -> bytes:
    """One workbook with a sheet per (title, header, rows), bold header, every cell escaped.

    Text cells are stored as strings explicitly so openpyxl never turns `=...` into a formula."""
    book = Workbook()
    book.remove(book.active)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title=_sheet_title(title))
        sheet.append([escape_cell(h) for h in header])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append([escape_cell(v) for v in row])
        for row_cells in sheet.iter_rows(min_row=1):
            for cell in row_cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        for column in sheet.columns:
            width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
            sheet.column_dimensions[column[0].column_letter].width = min(60, max(8, width + 2))
        sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(title: str) -> str:
    """Excel sheet titles: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join("_" if ch in "[]:*?/\\" else ch for ch in title)
    return cleaned[:31] or "Sheet"


def download(data: bytes, mimetype: str, filename: str) -> Response:
    """An export as a file to save (never shown inline), under `filename`."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
