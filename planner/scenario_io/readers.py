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
from .tables import decode_text, excel_cell_text, table_from_csv, table_from_records

POLICY_SHEETS = ("policy", "policy.json")
XLSX_SUFFIXES = (".xlsx", ".xlsm")


def read_scenario(path: str | Path) -> ReadResult:
    """Read a scenario from a CSV folder, an .xlsx workbook or a scenario.json file.

    Raises ScenarioError listing every problem (file, spreadsheet row, column, value, what is
    wrong, and a suggestion when one is obvious)."""
    with without_cycle_collection():
        return _read_scenario(Path(path))


def _read_scenario(path: Path) -> ReadResult:
    if path.is_dir():
        return read_csv_folder(path)
    if not path.exists():
        raise ScenarioError([Problem(file=str(path), message="does not exist")])
    if path.suffix.lower() in XLSX_SUFFIXES:
        return read_workbook(path.name, path.read_bytes())
    if path.suffix.lower() == ".json":
        return read_scenario_json(path.name, path.read_bytes())
    if path.suffix.lower() == ".csv":
        raise ScenarioError([Problem(
            file=str(path), message="is one CSV file; a scenario is the folder holding teams.csv, people.csv...",
            suggestion=f"give the folder: {path.parent}",
        )])
    raise ScenarioError([Problem(
        file=str(path), message="is not a scenario",
        suggestion="give a folder of CSV files, an .xlsx workbook or a scenario.json file",
    )])


def read_csv_folder(folder: Path) -> ReadResult:
    """Every scenario file found in the folder; other CSV files are mentioned and ignored."""
    files = {}
    for entry in sorted(folder.iterdir()):
        if entry.is_file() and entry.suffix.lower() in (".csv", ".json"):
            files[entry.name] = entry.read_bytes()
    extras = [n for n in files if n.lower() not in TABLE_BY_FILE and n.lower() != POLICY_FILE]
    result = read_csv_files({n: b for n, b in files.items() if n not in extras})
    for name in extras:
        if name.lower().endswith(".csv"):
            result.warnings.append(Problem(
                file=name, severity="warning", message="is not one of the scenario files and is ignored",
                suggestion=did_you_mean(name.lower(), TABLE_BY_FILE),
            ))
    return result


def read_scenario_files(files: dict[str, bytes]) -> ReadResult:
    """Read an upload: several CSV files, or one .xlsx workbook, or one scenario.json, plus an
    optional policy.json. File names are matched without regard to case; names with a folder part
    are refused, other unknown names are reported as errors so nothing is silently dropped."""
    with without_cycle_collection():
        return _read_scenario_files(files)


def _read_scenario_files(files: dict[str, bytes]) -> ReadResult:
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
    if problems:
        raise ScenarioError(problems)
    if books:
        return read_workbook(books[0], plain[books[0]], policy_bytes=plain.get(policy[0]) if policy else None)
    if jsons:
        return read_scenario_json(jsons[0], plain[jsons[0]])
    return read_csv_files({n: plain[n] for n in csvs + policy})


def _plain_name(name: str) -> str | None:
    """The name itself when it has no folder part (`../../x.csv` and `C:\\x.csv` are refused)."""
    if not name or name != PurePosixPath(name).name or name != PureWindowsPath(name).name or name in (".", ".."):
        return None
    return name


def read_csv_files(files: dict[str, bytes]) -> ReadResult:
    """CSV files (and policy.json) by name -> the scenario."""
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
            policy_data, policy_problems = read_policy_json(name, data)
            problems += policy_problems
            continue
        layout = TABLE_BY_FILE[lower]
        table, table_problems = table_from_csv(layout, name, data)
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


def read_policy_json(label: str, data: bytes) -> tuple[object | None, list[Problem]]:
    text, problems = decode_text(label, data)
    if text is None:
        return None, problems
    try:
        return json.loads(text), []
    except (json.JSONDecodeError, RecursionError) as error:
        return None, [_not_json(label, error)]


def _not_json(label: str, error: Exception) -> Problem:
    if isinstance(error, json.JSONDecodeError):
        return Problem(
            file=label, row=error.lineno,
            message=f"is not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})",
        )
    return Problem(file=label, message="is not valid JSON: it is nested too deeply")


def read_workbook(name: str, data: bytes, policy_bytes: bytes | None = None) -> ReadResult:
    """An .xlsx workbook with one sheet per file: `people` or `people.csv`, and so on. Rows are
    numbered as Excel shows them. A `policy` sheet holds `key,value` rows (value as JSON)."""
    # openpyxl is imported on first use: CSV and JSON reading (every start-up) never needs it.
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds on damaged files
        raise ScenarioError([_not_a_workbook(name, error)]) from None
    try:
        return _read_book(name, book, policy_bytes)
    finally:
        book.close()


def _not_a_workbook(name: str, error: Exception) -> Problem:
    return Problem(
        file=name, message=f"could not be opened as an Excel .xlsx workbook ({type(error).__name__})",
        suggestion="save it from Excel as 'Excel Workbook (*.xlsx)'",
    )


def _sheet_records(name: str, sheet) -> tuple[list[list[str]] | None, list[Problem]]:
    """The cells of a sheet as text. Sheets are parsed lazily, so a damaged one fails here."""
    try:
        return [[excel_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)], []
    except Exception as error:  # noqa: BLE001 - any parse failure of untrusted XML is a damaged file
        return None, [_not_a_workbook(f"{name}, sheet {sheet.title}", error)]


def _read_book(name, book, policy_bytes) -> ReadResult:
    problems: list[Problem] = []
    collections: dict[str, Collection] = {}
    unreadable: set[str] = set()
    policy_data = None
    policy_label = POLICY_FILE
    for sheet in book.worksheets:
        title = sheet.title.strip().lower()
        label = f"{name}, sheet {sheet.title}"
        kind = title[:-4] if title.endswith(".csv") else title
        if kind in POLICY_SHEETS:
            policy_label = label
            policy_data, policy_problems = _policy_from_sheet(name, sheet)
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
        records, sheet_problems = _sheet_records(name, sheet)
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
        policy_data, policy_problems = read_policy_json(POLICY_FILE, policy_bytes)
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


def _policy_from_sheet(name: str, sheet) -> tuple[dict | None, list[Problem]]:
    """`key,value` rows; values are JSON (`30`, `true`, `{"preference": 6}`) or plain text."""
    data: dict = {}
    records, problems = _sheet_records(name, sheet)
    for number, row in enumerate(records or [], start=1):
        cells = row[:2] + ["", ""]
        key, value = cells[0].strip(), cells[1].strip()
        if number == 1 and key.lower() == "key":
            continue
        if not key:
            continue
        try:
            data[key] = json.loads(value) if value else None
        except (json.JSONDecodeError, RecursionError):
            data[key] = value
    return data, problems


def read_scenario_json(name: str, data: bytes) -> ReadResult:
    """One JSON document with the keys of `Scenario` (see `trellis schema`). Problems name the
    item's path, e.g. `people[3].grade`."""
    text, problems = decode_text(name, data)
    if text is None:
        raise ScenarioError(problems)
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as error:
        raise ScenarioError([_not_json(name, error)]) from None
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
        collections[key] = Collection(TABLE_BY_KIND[key], name, list(value), rows=None)
    return assemble(
        collections, document.get("policy"), name, problems,
        missing=lambda layout: Problem(file=name, column=layout.kind, message="is required but missing"),
        policy_prefix="policy.",
        unreadable=unreadable,
    )
