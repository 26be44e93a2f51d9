"""The crisis services, for emergency planners: demand edits, redeployment runs and what they
show (moves, coverage, uncovered demand) and the export for managers.

A redeployment is saved as a numbered `redeploy` plan with the scenario revision it was planned
on, so a later edit of teams or demand shows it as out of date. A re-plan starts from the
current redeployment and moves as few people as it can. People who opted out of crisis
redeployment for their wellbeing are not moved (`opted_out_people_stay_home`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from optimiser.distributed.crisis import redeploy_in_parts
from optimiser.distributed.ray_runner import ray_runner
from optimiser.redeploy import RedeployResult, redeploy
from optimiser.redeploy.rules import plan_date_of
from planner.domain import Demand, Scenario
from planner.notifications.events import notify_redeployment
from planner.redeploy_io import with_dates
from planner.services.assignments import confirm_redeployment, current_redeployments, scenario_with_rest
from planner.services.engines import ray_address_for_jobs
from planner.services.webhooks import emit
from planner.services.work import JobOutcome, retry_when_locked
from planner.store import StoredPlan, save_plan
from planner.store.consent import crisis_opt_outs_in_force

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


def baseline_with_record(previous: RedeployResult | None, recorded: list) -> list | None:
    """A re-plan keeps the redeployments in force: the previous plan's moves, and every
    redeployment on record for the plan date that the previous plan does not mention."""
    moves = list(previous.assignments) if previous is not None else []
    mentioned = {m.person_id for m in moves}
    moves += [r for r in recorded if r.person_id not in mentioned]
    return moves if (previous is not None or moves) else None


def opted_out_people_stay_home(scenario: Scenario, opted_out: Collection[str]) -> tuple[Scenario, int]:
    """Wellbeing first: a member of staff who opted out of crisis redeployment is not moved, as
    if HR had marked them not available (`available=no`), for as long as the opt-out is in
    force. Returns the scenario the redeployment plans on and how many people that protects
    (those who would otherwise have been available)."""
    protected = [p for p in scenario.people if p.person_id in opted_out and p.available]
    if not protected:
        return scenario, 0
    ids = {p.person_id for p in protected}
    people = tuple(p.model_copy(update={"available": False}) if p.person_id in ids else p for p in scenario.people)
    return scenario.model_copy(update={"people": people}), len(protected)


@dataclass(frozen=True)
class OptedOutRow:
    """A person who opted out of crisis redeployment, with their stated reason."""

    person_id: str
    name: str
    team: str
    reason: str


def opted_out_rows(engine: Engine, scenario: Scenario, name_of: NameOf) -> list[OptedOutRow]:
    """Everyone whose crisis opt-out is in force, with their team and reason, by team and name."""
    rows = []
    for person_id, opt_out in crisis_opt_outs_in_force(engine).items():
        person = scenario.person_by_id.get(person_id)
        team = scenario.team_by_id.get(person.team_id) if person else None
        rows.append(OptedOutRow(person_id, name_of(person_id), team.name if team else "", opt_out.reason))
    return sorted(rows, key=lambda r: (r.team, r.name))


def redeploy_work(engine: Engine, scenario: Scenario, revision: int, actor: str, baseline: StoredPlan | None,
                  time_limit_s: float):
    """Background work: redeploy from the record (rest counted from the end of each person's
    latest redeployment; those in force kept as the baseline, with the previous plan's moves when
    re-planning) and save the result as a new `redeploy` plan version, audited with who ran it."""
    previous_data = (baseline.result or None) if baseline is not None else None
    baseline_id = baseline.id if baseline is not None else None

    def work(progress) -> JobOutcome:
        day = plan_date_of(scenario.policy)
        rested = scenario_with_rest(engine, scenario, day)
        previous = RedeployResult.model_validate(previous_data) if previous_data else None
        # Opt-outs are read when the run starts, so one given a moment ago already counts.
        planned_on, opted_out = opted_out_people_stay_home(rested, crisis_opt_outs_in_force(engine))
        moves = baseline_with_record(previous, current_redeployments(engine, planned_on, day))
        result = solve_redeployment(planned_on, day, moves, time_limit_s, progress)
        data = result.model_dump(mode="json")
        if data.get("protected") is not None:
            data["protected"]["opted_out"] = opted_out  # counted among `unavailable` too
        data["scenario_revision"] = revision
        data["baseline_plan_id"] = baseline_id
        stored = retry_when_locked(lambda: save_plan(engine, "redeploy", data, created_by=actor, policy=scenario.policy))
        return JobOutcome({"status": result.status, "people_moved": result.people_moved,
                           "people_changed": result.people_changed, **coverage_summary(data)}, stored.id)

    return work


def solve_redeployment(scenario: Scenario, day, baseline, time_limit_s: float, progress) -> RedeployResult:
    """One process, or (with `TRELLIS_RAY_ADDRESS` set) region by region on that Ray cluster."""
    stop = getattr(progress, "stop", None)
    address = ray_address_for_jobs()
    if address is None:
        return redeploy(scenario, plan_date=day, baseline=baseline, time_limit_s=time_limit_s, on_progress=progress,
                        stop=stop)
    return redeploy_in_parts(scenario, run_parts=ray_runner(address), plan_date=day, baseline=baseline,
                             time_limit_s=time_limit_s, on_progress=progress, stop=stop)


@dataclass(frozen=True)
class Committed:
    version: int
    recorded: int
    kept: int
    ended: int


class ConfirmRefused(ValueError):
    """The redeployment cannot be confirmed; the message says why in plain words."""


def confirm_redeployment_plan(engine: Engine, stored: StoredPlan, days: int, actor: str) -> Committed:
    """Confirm a draft redeployment version in the planner's name: it is approved and each move is
    recorded from its plan date for `days` days (rest then counts from the last of them); the
    redeployments in force that it no longer keeps end. Only a draft is confirmed, once."""
    if stored.kind != "redeploy" or stored.status != "draft":
        raise ConfirmRefused(f"Redeployment v{stored.version} is {stored.status}; only a draft redeployment is confirmed.")
    result = RedeployResult.model_validate(stored.result or {})
    try:
        done = confirm_redeployment(engine, result.assignments, result.plan_date, days, actor, stored.id)
    except ValueError as refused:
        raise ConfirmRefused(str(refused)) from refused
    announce_redeployment(engine, stored, done.recorded)
    return Committed(stored.version, done.recorded, done.kept, done.ended)


def announce_redeployment(engine: Engine, confirmed: StoredPlan, recorded: int) -> None:
    """Once a redeployment is confirmed, each person moved is told where they are needed (their
    inbox, and email when configured), emergency planners are told how many moved, and the systems
    that asked to hear of it (webhooks) get its id, version and counts, never who moved."""
    notify_redeployment(engine, confirmed)
    emit(engine, "redeployment.committed", {"plan_id": confirmed.id, "version": confirmed.version,
                                            "redeployments": recorded})


def commit_redeployment(engine: Engine, result: RedeployResult, days: int, actor: str) -> Committed:
    """The command line's `--commit`: save the result as a redeployment version and confirm it."""
    data = with_dates(result, days).model_dump(mode="json")
    stored = save_plan(engine, "redeploy", data, created_by=actor)
    return confirm_redeployment_plan(engine, stored, days, actor)


def nothing_to_redeploy(scenario: Scenario) -> str | None:
    """A redeployment covers demand: with no demand line there is nothing to plan, so none is
    started, and the planner is told what to do instead of watching an empty run."""
    if not scenario.demand:
        return "There is no demand to cover yet: add at least one demand line, then redeploy."
    return None


def redeployment_outcome(result: dict) -> str:
    """The crisis plan's result in words, not solver codes: proven best coverage, or the best found
    in the time allowed, or stopped early."""
    status = (result or {}).get("status")
    if status == "OPTIMAL":
        return "Best possible cover (proven)"
    if status == "STOPPED_EARLY":
        return "Stopped early: the best cover found so far"
    if status in ("FEASIBLE", "TIME_LIMIT"):
        return "Good cover found in the time allowed (not proven the best)"
    return "No redeployment could be made"


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
