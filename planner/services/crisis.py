"""The crisis services, for emergency planners: demand edits, redeployment runs and what they
show (moves, coverage, uncovered demand) and the export for managers.

A redeployment is saved as a numbered `redeploy` plan with the scenario revision it was planned
on, so a later edit of teams or demand shows it as out of date. A re-plan starts from the
current redeployment and moves as few people as it can.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from optimiser.redeploy import RedeployResult, redeploy
from planner.domain import Demand, Scenario
from planner.services.work import JobOutcome, retry_when_locked
from planner.store import StoredPlan, save_plan

NameOf = Callable[[str], str]


@dataclass(frozen=True)
class AssignmentRow:
    """One redeployment: who moves from which team to which, for which skill and priority."""

    person_id: str
    name: str
    from_team: str
    to_team: str
    skill: str
    level: int | None
    priority: int


def assignment_rows(result: dict, scenario: Scenario, name_of: NameOf) -> list[AssignmentRow]:
    """The redeployment's moves with names (`name_of` gives the name the reader may see, the id
    otherwise) and team names, most urgent first."""
    teams = scenario.team_by_id
    rows = []
    for a in result.get("assignments", []):
        rows.append(AssignmentRow(
            person_id=a["person_id"], name=name_of(a["person_id"]),
            from_team=teams[a["from_team_id"]].name if a["from_team_id"] in teams else a["from_team_id"],
            to_team=teams[a["to_team_id"]].name if a["to_team_id"] in teams else a["to_team_id"],
            skill=a["skill"], level=a.get("level"), priority=int(a["priority"])))
    return sorted(rows, key=lambda r: (r.priority, r.to_team, r.skill, r.person_id))


def coverage_summary(result: dict) -> dict[str, int]:
    """Units demanded, covered and uncovered over every priority."""
    lines = result.get("coverage_by_priority", [])
    return {"demanded": sum(c["demanded"] for c in lines), "covered": sum(c["covered"] for c in lines),
            "uncovered": sum(c["uncovered"] for c in lines)}


def redeployment_is_stale(latest: StoredPlan | None, revision: int) -> bool:
    """A redeployment planned on an older scenario revision (teams or demand changed since) is
    out of date: the planner should redeploy or re-plan."""
    if latest is None:
        return False
    return (latest.result or {}).get("scenario_revision") not in (None, revision)


def demand_with_line_added(scenario: Scenario, line: Demand) -> list[Demand]:
    """The demand with one more line, at the end (numbered as shown)."""
    return list(scenario.demand) + [line]


def demand_with_line_changed(scenario: Scenario, line: int, level: int, count: int, priority: int) -> list[Demand]:
    """The demand with line `line` (1-based, as shown) given a new level, count and priority."""
    demand = list(scenario.demand)
    demand[line - 1] = demand[line - 1].model_copy(update={"level": level, "count": count, "priority": priority})
    return demand


def demand_with_line_removed(scenario: Scenario, line: int) -> list[Demand]:
    """The demand without line `line` (1-based, as shown)."""
    demand = list(scenario.demand)
    del demand[line - 1]
    return demand


def describe_demand_line(line: Demand, scenario: Scenario) -> str:
    """A demand line in a planner's words: count, skill, level, team and priority."""
    team = scenario.team_by_id[line.team_id].name if line.team_id in scenario.team_by_id else line.team_id
    return f"{line.count} × {line.skill} (level {line.level}+) for {team}, priority {line.priority}"


def redeploy_work(engine: Engine, scenario: Scenario, revision: int, actor: str, baseline: StoredPlan | None,
                  time_limit_s: float):
    """Background work: redeploy (from the baseline redeployment, when re-planning) and save the
    result as a new `redeploy` plan version, audited with who ran it."""
    previous_data = (baseline.result or None) if baseline is not None else None
    baseline_id = baseline.id if baseline is not None else None

    def work(progress) -> JobOutcome:
        previous = RedeployResult.model_validate(previous_data) if previous_data else None
        result = redeploy(scenario, baseline=previous, time_limit_s=time_limit_s, on_progress=progress,
                          stop=getattr(progress, "stop", None))
        data = result.model_dump(mode="json")
        data["scenario_revision"] = revision
        data["baseline_plan_id"] = baseline_id
        stored = retry_when_locked(lambda: save_plan(engine, "redeploy", data, created_by=actor, policy=scenario.policy))
        return JobOutcome({"status": result.status, "people_moved": result.people_moved,
                           "people_changed": result.people_changed, **coverage_summary(data)}, stored.id)

    return work


def run_note(baseline: StoredPlan | None) -> str:
    """How the job list names a run: a redeployment, or a re-plan from a version."""
    return f"re-plan from redeployment v{baseline.version}" if baseline is not None else "redeploy"


EXPORT_HEADER = ["person_id", "name", "from_team", "to_team", "skill", "level", "priority"]


def export_rows(rows: list[AssignmentRow]) -> list[list[Any]]:
    """The redeployments sheet: one line per move."""
    return [[r.person_id, r.name, r.from_team, r.to_team, r.skill, r.level if r.level is not None else "", r.priority]
            for r in rows]


def export_sheets(result: dict, scenario: Scenario, name_of: NameOf) -> list[tuple[str, list[str], list[list[Any]]]]:
    """The managers' workbook: the moves, coverage by priority and by team, and every uncovered
    unit with its reason."""
    names = {t.team_id: t.name for t in scenario.teams}
    return [
        ("Redeployments", EXPORT_HEADER, export_rows(assignment_rows(result, scenario, name_of))),
        ("Coverage by priority", ["priority", "demanded", "covered", "uncovered"],
         [[c["priority"], c["demanded"], c["covered"], c["uncovered"]] for c in result.get("coverage_by_priority", [])]),
        ("Coverage by team", ["team", "demanded", "covered", "uncovered", "released"],
         [[names.get(c["team_id"], c["team_id"]), c["demanded"], c["covered"], c["uncovered"], c["released"]]
          for c in result.get("coverage_by_team", [])]),
        ("Uncovered", ["team", "skill", "level", "priority", "units", "reason"],
         [[names.get(u["team_id"], u["team_id"]), u["skill"], u["level"], u["priority"], u["units"], u["reason"]]
          for u in result.get("uncovered", [])]),
    ]
