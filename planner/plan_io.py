"""Plan files: `plan.csv` (one row per placement) and `plan.json` (status, objective, bound, gap,
solve time, placements, blocking pairs, conflicts, reasons for people left out), as the contract
(`docs/scenario-format.md`, section plan.csv) says.

CSV cells that a spreadsheet would read as a formula are escaped (planner.spreadsheet_safety) with a
leading apostrophe; `read_plan` removes it again.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from planner.domain import Placement, Plan
from planner.spreadsheet_safety import escape_formula, unescape_formula

PLAN_CSV = "plan.csv"
PLAN_JSON = "plan.json"
CSV_COLUMNS = ("person_id", "opportunity_id", "period", "start", "end", "score", "explanation")


def _safe_cell(value) -> str:
    return escape_formula(str(value))


def _iso(day) -> str:
    """A date as YYYY-MM-DD; empty for an undated plan."""
    return day.isoformat() if day is not None else ""


def write_plan(plan: Plan, folder: str | Path) -> tuple[Path, Path]:
    """Write plan.csv and plan.json into `folder` (created if missing); return both paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, json_path = folder / PLAN_CSV, folder / PLAN_JSON
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(CSV_COLUMNS)
        for p in plan.placements:
            writer.writerow([_safe_cell(p.person_id), _safe_cell(p.opportunity_id), p.period,
                             _iso(p.start), _iso(p.end), f"{p.score:.4f}", _safe_cell(p.explanation)])
    json_path.write_text(json.dumps(plan.model_dump(mode="json"), indent=1), encoding="utf-8")
    return csv_path, json_path


def read_plan(folder: str | Path) -> Plan:
    """Read a plan back: plan.json when present (it holds everything), else plan.csv alone."""
    folder = Path(folder)
    json_path = folder / PLAN_JSON
    if json_path.exists():
        return Plan.model_validate_json(json_path.read_text(encoding="utf-8"))
    csv_path = folder / PLAN_CSV
    if not csv_path.exists():
        raise FileNotFoundError(f"no {PLAN_JSON} or {PLAN_CSV} in {folder}: run `trellis plan` first")
    placements = []
    with csv_path.open(newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            placements.append(Placement(
                person_id=unescape_formula(row["person_id"]), opportunity_id=unescape_formula(row["opportunity_id"]),
                period=int(row.get("period") or 1), score=float(row.get("score") or 0),
                start=row.get("start") or None, end=row.get("end") or None,
                explanation=unescape_formula(row.get("explanation", "")),
            ))
    return Plan(status="UNKNOWN", placements=placements)
