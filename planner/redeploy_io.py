"""Redeployment files: `redeploy.csv` (one row per person moved) and `redeploy.json` (summary).

Contract (`docs/scenario-format.md`, "Crisis redeployment"): `redeploy.csv` has the columns
`person_id,from_team_id,to_team_id,skill,priority,start,end` (`start`..`end`: the days the
redeployment runs, from the plan date; files without the two date columns are still read); `redeploy.json` carries covered and uncovered
units per priority and per team, people moved, the solve status and time. The CSV is also the
`--baseline` of a re-plan, so it reads back exactly what was written.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from pathlib import Path

from pydantic import ValidationError

from planner.domain import Problem, ScenarioError
from planner.redeploy_results import Assignment, RedeployResult
from planner.spreadsheet_safety import escape_formula, unescape_formula

CSV_NAME = "redeploy.csv"
JSON_NAME = "redeploy.json"
COLUMNS = ("person_id", "from_team_id", "to_team_id", "skill", "priority")
DATE_COLUMNS = ("start", "end")


def with_dates(result: RedeployResult, days: int) -> RedeployResult:
    """The result with every redeployment running from the plan date for `days` days (D to
    D + days - 1)."""
    last = result.plan_date + timedelta(days=days - 1)
    dated = [a.model_copy(update={"start": result.plan_date, "end": last}) for a in result.assignments]
    return result.model_copy(update={"assignments": dated})


def redeploy_csv_text(result: RedeployResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS + DATE_COLUMNS)
    for a in result.assignments:
        writer.writerow([escape_formula(a.person_id), escape_formula(a.from_team_id), escape_formula(a.to_team_id),
                         escape_formula(a.skill), a.priority, _iso(a.start), _iso(a.end)])
    return out.getvalue()


def _iso(day) -> str:
    return day.isoformat() if day is not None else ""


def redeploy_summary(result: RedeployResult) -> dict:
    """Everything but the per-person rows (those are in redeploy.csv)."""
    data = result.model_dump(mode="json", exclude={"assignments"})
    data["assignments"] = len(result.assignments)
    return data


def write_redeploy(result: RedeployResult, folder: str | Path) -> tuple[Path, Path]:
    """Write redeploy.csv and redeploy.json into `folder` (created when missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = folder / CSV_NAME, folder / JSON_NAME
    csv_path.write_text(redeploy_csv_text(result), encoding="utf-8")
    json_path.write_text(json.dumps(redeploy_summary(result), indent=2) + "\n", encoding="utf-8")
    return csv_path, json_path


def read_redeploy_csv(path: str | Path) -> list[Assignment]:
    """Read a redeploy.csv (e.g. the previous plan for a re-plan). Raises ScenarioError listing
    every bad row with the row number a spreadsheet shows (header = row 1)."""
    path = Path(path)
    name = path.name
    if not path.is_file():
        raise ScenarioError([Problem(file=str(path), message="does not exist",
                                     suggestion="give the redeploy.csv written by the previous `trellis redeploy`")])
    text = path.read_text(encoding="utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ScenarioError([Problem(file=name, row=1, message=f"missing column(s) {', '.join(missing)}",
                                     suggestion=f"the header must be {','.join(COLUMNS)}")])
    problems: list[Problem] = []
    assignments: list[Assignment] = []
    seen: dict[str, int] = {}
    for row_number, row in enumerate(reader, start=2):
        values = {c: unescape_formula((row.get(c) or "").strip()) for c in COLUMNS}
        values.update({c: row[c].strip() for c in DATE_COLUMNS if (row.get(c) or "").strip()})
        try:
            assignment = Assignment(**values)
        except ValidationError as error:
            for detail in error.errors():
                column = str(detail["loc"][0]) if detail["loc"] else None
                problems.append(Problem(file=name, row=row_number, column=column,
                                        value=values.get(column) if column else None, message=detail["msg"]))
            continue
        if not all(values[c] for c in COLUMNS[:4]):
            empty = next(c for c in COLUMNS[:4] if not values[c])
            problems.append(Problem(file=name, row=row_number, column=empty, message="is empty"))
            continue
        if assignment.person_id in seen:
            problems.append(Problem(file=name, row=row_number, column="person_id", value=assignment.person_id,
                                    message=f"person already redeployed at row {seen[assignment.person_id]}"))
            continue
        seen[assignment.person_id] = row_number
        assignments.append(assignment)
    if problems:
        raise ScenarioError(problems)
    return assignments


def read_redeploy_json(path: str | Path) -> dict:
    """The summary written beside redeploy.csv."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
