"""Where a scenario comes from: a folder of CSV files, an Excel workbook, one scenario.json, or
files uploaded through the web (name -> bytes). Each source becomes the same collections of rows,
and `assemble` checks them all the same way."""

from __future__ import annotations

import io
import json
from pathlib import Path, PurePosixPath, PureWindowsPath

from planner.bulk_work import without_cycle_collection
from planner.domain import Problem, ScenarioError, did_you_mean

from .assemble import Collection, ReadResult, assemble, collection_from_table
from .layout import POLICY_FILE, TABLE_BY_FILE, TABLE_BY_KIND, TABLES
from .limits import (
    ImportLimits,
    current_limits,
    file_too_large,
    json_depth_exceeds,
    too_deep,
    too_many_cells,
    too_many_rows,
    workbook_size_problems,
)
from .tables import decode_text, excel_cell_text, table_from_csv, table_from_records

POLICY_SHEETS = ("policy", "policy.json")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def read_scenario(path: str | Path, limits: ImportLimits | None = None) -> ReadResult:
    """Read a scenario from a CSV folder, an .xlsx workbook or a scenario.json file.

    Raises ScenarioError listing every problem (file, spreadsheet row, column, value, what is
    wrong, and a suggestion when one is obvious). `limits` default to the TRELLIS_MAX_* settings."""
    with without_cycle_collection():
        return _read_scenario(Path(path), limits or current_limits())


def _read_scenario(path: Path, limits: ImportLimits) -> ReadResult:
    if path.is_dir():
        return read_csv_folder(path, limits)
    if not path.exists():
        raise ScenarioError([Problem(file=str(path), message="does not exist")])
    if path.suffix.lower() in XLSX_SUFFIXES:
        # A workbook's compressed size is below its uncompressed one, so the same cap applies to both.
        return read_workbook(path.name, _read_bounded(path, path.name, limits, workbook=True), limits=limits)
    if path.suffix.lower() == ".json":
        return read_scenario_json(path.name, _read_bounded(path, path.name, limits), limits)
    if path.suffix.lower() == ".csv":
        raise ScenarioError([Problem(
            file=str(path), message="is one CSV file; a scenario is the folder holding teams.csv, people.csv...",
            suggestion=f"give the folder: {path.parent}",
        )])
    raise ScenarioError([Problem(
        file=str(path), message="is not a scenario",
        suggestion="give a folder of CSV files, an .xlsx workbook or a scenario.json file",
    )])


def _read_bounded(path: Path, label: str, limits: ImportLimits, *, workbook: bool = False) -> bytes:
    """The file's bytes, refused before reading when it is larger than the file-size limit."""
    problem = file_too_large(label, path.stat().st_size, limits, workbook=workbook)
    if problem is not None:
        raise ScenarioError([problem])
    return path.read_bytes()


def read_csv_folder(folder: Path, limits: ImportLimits | None = None) -> ReadResult:
    """Every scenario file found in the folder; other CSV files are mentioned and ignored."""
    limits = limits or current_limits()
    entries = [e for e in sorted(folder.iterdir()) if e.is_file() and e.suffix.lower() in (".csv", ".json")]
    wanted = [e for e in entries if e.name.lower() in TABLE_BY_FILE or e.name.lower() == POLICY_FILE]
    extras = [e.name for e in entries if e not in wanted]
    too_large = [p for p in (file_too_large(e.name, e.stat().st_size, limits) for e in wanted) if p is not None]
    if too_large:
        raise ScenarioError(too_large)
    result = read_csv_files({entry.name: entry.read_bytes() for entry in wanted}, limits)
    for name in extras:
        if name.lower().endswith(".csv"):
            result.warnings.append(Problem(
                file=name, severity="warning", message="is not one of the scenario files and is ignored",
                suggestion=did_you_mean(name.lower(), TABLE_BY_FILE),
            ))
    return result


def read_scenario_files(files: dict[str, bytes], limits: ImportLimits | None = None) -> ReadResult:
    """Read an upload: several CSV files, or one .xlsx workbook, or one scenario.json, plus an
    optional policy.json. File names are matched without regard to case; names with a folder part
    are refused, other unknown names are reported as errors so nothing is silently dropped."""
    with without_cycle_collection():
        return _read_scenario_files(files, limits or current_limits())


def _read_scenario_files(files: dict[str, bytes], limits: ImportLimits) -> ReadResult:
    problems: list[Problem] = []
    plain: dict[str, bytes] = {}
    for name, data in files.items():
        base = _plain_name(name)
        if base is None:
            problems.append(Problem(
                file=name or "(a file without a name)", message="is not a plain file name",
                suggestion="upload files, not paths",
            ))
        else:
            plain[base] = data
    books = [n for n in plain if n.lower().endswith(XLSX_SUFFIXES)]
    jsons = [n for n in plain if n.lower().endswith(".json") and n.lower() != POLICY_FILE]
    csvs = [n for n in plain if n.lower().endswith(".csv")]
    policy = [n for n in plain if n.lower() == POLICY_FILE]
    others = [n for n in plain if n not in books + jsons + csvs + policy]
    for name in others:
        problems.append(Problem(
            file=name, message="is not a CSV file, an .xlsx workbook or a JSON file",
            suggestion="upload teams.csv, people.csv, ... or one .xlsx workbook",
        ))
    for name in csvs:
        if name.lower() not in TABLE_BY_FILE:
            problems.append(Problem(
                file=name, message="is not one of the scenario files (" + ", ".join(TABLE_BY_FILE) + ")",
                suggestion=did_you_mean(name.lower(), TABLE_BY_FILE),
            ))
    sources = sum(bool(x) for x in (books, jsons, csvs))
    if sources > 1 or len(books) > 1 or len(jsons) > 1:
        problems.append(Problem(
            file=", ".join(books + jsons + csvs),
            message="upload either CSV files, or one .xlsx workbook, or one scenario.json, not a mix",
        ))
    if jsons and policy:
        problems.append(Problem(
            file=policy[0], message="scenario.json carries its own policy; upload it without a separate policy.json",
        ))
    problems += [p for p in (file_too_large(n, len(plain[n]), limits) for n in jsons + csvs + policy) if p]
    if problems:
        raise ScenarioError(problems)
    if books:
        return read_workbook(
            books[0], plain[books[0]], policy_bytes=plain.get(policy[0]) if policy else None, limits=limits
        )
    if jsons:
        return read_scenario_json(jsons[0], plain[jsons[0]], limits)
    return read_csv_files({n: plain[n] for n in csvs + policy}, limits)


def _plain_name(name: str) -> str | None:
    """The name itself when it has no folder part (`../../x.csv` and `C:\\x.csv` are refused)."""
    if not name or name != PurePosixPath(name).name or name != PureWindowsPath(name).name or name in (".", ".."):
        return None
    return name


def read_csv_files(files: dict[str, bytes], limits: ImportLimits | None = None) -> ReadResult:
    """CSV files (and policy.json) by name -> the scenario."""
    limits = limits or current_limits()
    problems: list[Problem] = []
    collections: dict[str, Collection] = {}
    policy_data = None
    seen: dict[str, str] = {}
    unreadable: set[str] = set()
    for name, data in files.items():
        lower = name.lower()
        if lower in seen:
            problems.append(Problem(file=name, message=f"is the same file as {seen[lower]} (names ignore case); keep one"))
            continue
        seen[lower] = name
        if lower == POLICY_FILE:
            policy_data, policy_problems = read_policy_json(name, data, limits)
            problems += policy_problems
            continue
        layout = TABLE_BY_FILE[lower]
        table, table_problems = table_from_csv(layout, name, data, limits)
        problems += table_problems
        if table is None:
            unreadable.add(layout.kind)
        else:
            collection, cell_problems = collection_from_table(table)
            problems += cell_problems
            collections[layout.kind] = collection
    result = assemble(collections, policy_data, POLICY_FILE, problems, unreadable=unreadable)
    _warn_no_opportunities(result, collections, "opportunities.csv")
    return result


def _warn_no_opportunities(result: ReadResult, collections, label: str) -> None:
    if "opportunities" not in collections:
        result.warnings.append(Problem(
            file=label, severity="warning",
            message="is not there, so the scenario has no opportunities: matching and pathways have nothing to offer",
        ))


def read_policy_json(label: str, data: bytes, limits: ImportLimits | None = None) -> tuple[object | None, list[Problem]]:
    text, problems = decode_text(label, data)
    if text is None:
        return None, problems
    try:
        return parse_json(label, text, limits or current_limits()), []
    except ScenarioError as error:
        return None, error.problems


class _NotANumber(ValueError):
    """JSON has no NaN or Infinity; Python's reader accepts them unless told otherwise."""


def _refuse_constant(name: str):
    raise _NotANumber(name)


def parse_json(label: str, text: str, limits: ImportLimits):
    """The JSON document, refusing what JSON itself does not allow (NaN, Infinity) and nesting
    deeper than the limit; raises ScenarioError naming the file."""
    try:
        document = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise ScenarioError([Problem(
            file=label, row=error.lineno,
            message=f"is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
        )]) from None
    except _NotANumber as error:
        raise ScenarioError([Problem(
            file=label, value=str(error), message="is not valid JSON: NaN and Infinity are not numbers JSON allows",
            suggestion="write a finite number",
        )]) from None
    except RecursionError:
        raise ScenarioError([too_deep(label, limits)]) from None
    if json_depth_exceeds(document, limits.max_json_depth):
        raise ScenarioError([too_deep(label, limits)])
    return document


def read_workbook(
    name: str, data: bytes, policy_bytes: bytes | None = None, limits: ImportLimits | None = None
) -> ReadResult:
    """An .xlsx workbook with one sheet per file: `people` or `people.csv`, and so on. Rows are
    numbered as Excel shows them. A `policy` sheet holds `key,value` rows (value as JSON).

    The zip directory is checked against the import limits before anything is decompressed."""
    # openpyxl is imported on first use: CSV and JSON reading (every start-up) never needs it.
    from openpyxl import load_workbook

    limits = limits or current_limits()
    oversized = workbook_size_problems(name, data, limits)
    if oversized:
        raise ScenarioError(oversized)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on damaged files
        raise ScenarioError([_not_a_workbook(name, error)]) from None
    try:
        return _read_book(name, book, policy_bytes, _CellBudget(limits))
    finally:
        book.close()


def _not_a_workbook(name: str, error: Exception) -> Problem:
    return Problem(
        file=name, message=f"could not be opened as an Excel .xlsx workbook ({type(error).__name__})",
        suggestion="save it from Excel as 'Excel Workbook (*.xlsx)'",
    )


class _CellBudget:
    """Rows per sheet and cells in the whole workbook still allowed by the import limits."""

    def __init__(self, limits: ImportLimits):
        self.limits = limits
        self.cells_left = limits.max_cells


# Scenario tables have about twenty columns; cells further right are not turned into text (they
# still count against the cell cap, as openpyxl fills a row up to its last cell).
MAX_SHEET_COLUMNS = 256


def _declared_too_big(label: str, sheet, budget: _CellBudget) -> Problem | None:
    """The size a sheet declares (its `dimension`) is checked before its rows are parsed."""
    rows, columns = sheet.max_row or 0, min(sheet.max_column or 0, MAX_SHEET_COLUMNS)
    if rows > budget.limits.max_rows + 1:
        return too_many_rows(label, budget.limits)
    if rows * columns > budget.cells_left:
        return too_many_cells(label, budget.limits)
    return None


def _sheet_records(name: str, sheet, budget: _CellBudget) -> tuple[list[list[str]] | None, list[Problem]]:
    """The cells of a sheet as text. Sheets are parsed lazily, so a damaged one fails here; the
    row and cell caps are counted as rows arrive, since a sheet's declared size may be wrong."""
    label = f"{name}, sheet {sheet.title}"
    declared = _declared_too_big(label, sheet, budget)
    if declared is not None:
        return None, [declared]
    # A declared size may also be too small (some exporters write A1:A1); rows are read to the end.
    sheet.reset_dimensions()
    records: list[list[str]] = []
    try:
        for row in sheet.iter_rows(values_only=True):
            budget.cells_left -= len(row)
            if budget.cells_left < 0:
                return None, [too_many_cells(label, budget.limits)]
            if len(records) > budget.limits.max_rows:
                return None, [too_many_rows(label, budget.limits)]
            records.append([excel_cell_text(v) for v in row[:MAX_SHEET_COLUMNS]])
    except Exception as error:  # noqa: BLE001 - any parse failure of untrusted XML is a damaged file
        return None, [_not_a_workbook(label, error)]
    return records, []


def _read_book(name, book, policy_bytes, budget: _CellBudget) -> ReadResult:
    problems: list[Problem] = []
    collections: dict[str, Collection] = {}
    unreadable: set[str] = set()
    policy_data = None
    policy_label = POLICY_FILE
    for sheet in book.worksheets:
        title = sheet.title.strip().lower()
        label = f"{name}, sheet {sheet.title}"
        kind = title.removesuffix(".csv")
        if kind in POLICY_SHEETS:
            policy_label = label
            policy_data, policy_problems = _policy_from_sheet(name, sheet, budget)
            problems += policy_problems
            continue
        if kind not in TABLE_BY_KIND:
            problems.append(Problem(
                file=label, severity="warning", message="is not one of the scenario sheets and is ignored",
                suggestion=did_you_mean(kind, TABLE_BY_KIND),
            ))
            continue
        if kind in collections:
            problems.append(Problem(file=label, message=f"a second sheet for {kind!r}; keep one"))
            continue
        records, sheet_problems = _sheet_records(name, sheet, budget)
        problems += sheet_problems
        table, table_problems = (
            table_from_records(TABLE_BY_KIND[kind], label, records, first_row=1) if records is not None else (None, [])
        )
        problems += table_problems
        if table is None:
            unreadable.add(kind)
        else:
            collection, cell_problems = collection_from_table(table)
            problems += cell_problems
            collections[kind] = collection
    if policy_bytes is not None:
        if policy_data is not None:
            problems.append(Problem(file=POLICY_FILE, message="the workbook has a policy sheet too; keep one of them"))
        policy_data, policy_problems = read_policy_json(POLICY_FILE, policy_bytes, budget.limits)
        policy_label = POLICY_FILE
        problems += policy_problems
    result = assemble(
        collections, policy_data, policy_label, problems,
        missing=lambda layout: Problem(
            file=f"{name}, sheet {layout.kind}", message="is required but missing: add a sheet of that name",
            suggestion="its columns are " + ", ".join(layout.columns),
        ),
        unreadable=unreadable,
    )
    _warn_no_opportunities(result, collections, f"{name}, sheet opportunities")
    return result


def _policy_from_sheet(name: str, sheet, budget: _CellBudget) -> tuple[dict | None, list[Problem]]:
    """`key,value` rows; values are JSON (`30`, `true`, `{"preference": 6}`) or plain text."""
    data: dict = {}
    records, problems = _sheet_records(name, sheet, budget)
    for number, row in enumerate(records or [], start=1):
        cells = row[:2] + ["", ""]
        key, value = cells[0].strip(), cells[1].strip()
        if number == 1 and key.lower() == "key":
            continue
        if not key:
            continue
        try:
            data[key] = parse_json(f"{name}, sheet {sheet.title}", value, budget.limits) if value else None
        except ScenarioError:
            data[key] = value  # not JSON (or NaN, or too deep): kept as text, which the policy check refuses
    return data, problems


def read_scenario_json(name: str, data: bytes, limits: ImportLimits | None = None) -> ReadResult:
    """One JSON document with the keys of `Scenario` (see `trellis schema`). Problems name the
    item's path, e.g. `people[3].grade`."""
    limits = limits or current_limits()
    text, problems = decode_text(name, data)
    if text is None:
        raise ScenarioError(problems)
    document = parse_json(name, text, limits)
    if not isinstance(document, dict):
        raise ScenarioError([Problem(file=name, message="must be a JSON object with teams, people, ...")])
    known = [t.kind for t in TABLES] + ["policy"]
    collections: dict[str, Collection] = {}
    unreadable: set[str] = set()
    for key, value in document.items():
        if key not in known:
            problems.append(Problem(
                file=name, column=key, message="is not a part of a scenario", suggestion=did_you_mean(key, known)
            ))
            continue
        if key == "policy":
            continue
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            problems.append(Problem(file=name, column=key, message="must be a list of objects"))
            unreadable.add(key)
            continue
        if len(value) > limits.max_rows:
            problems.append(too_many_rows(f"{name}, {key}", limits))
            unreadable.add(key)
            continue
        collections[key] = Collection(TABLE_BY_KIND[key], name, list(value), rows=None)
    return assemble(
        collections, document.get("policy"), name, problems,
        missing=lambda layout: Problem(file=name, column=layout.kind, message="is required but missing"),
        policy_prefix="policy.",
        unreadable=unreadable,
    )
