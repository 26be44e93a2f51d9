"""Crisis redeployment in parts, one part per region, for national scale.

In a crisis people are redeployed only within their own region (`rules.redeployed_within_region`),
and every other crisis rule (release limits, critical skills, rest, one move each) stays inside
one team. So when every team with people or demand names a region, the regions are independent
problems: no person, team or demand line of one region touches another's. Each region is solved
by the single-process solver (`optimiser.redeploy.redeploy`) as one part, the parts run by any
`PartRunner` (in this process, or as Ray tasks: `ray_runner.py`), and their results are combined
into one `RedeployResult`:

- the combined plan is exact: its coverage at every priority is the sum of the parts' optima,
  which is the optimum of the whole (a plan of the whole is a plan of each region side by side);
- the combined bound is the sum of the parts' bounds, priority by priority, so the gap says how
  far the combined plan can be from the optimum of the whole;
- a team that names no region may exchange people with every region, which joins the regions into
  one problem: then there is one part, the whole scenario.

Each part is given the whole time limit (the parts run side by side). A part is not interrupted
by `stop` (it may run on another machine; the flow that solves most parts takes seconds): a stop
asked for during the run marks a combined plan that is not proven optimal STOPPED_EARLY.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import date

from optimiser.distributed.engine import PartRunner, run_in_process
from optimiser.redeploy import rules
from optimiser.redeploy.solver import baseline_changes, redeploy
from planner.domain import Policy, Scenario
from planner.redeploy_results import (
    Assignment,
    PriorityCoverage,
    Progress,
    Protected,
    RedeployResult,
    Stage,
)

#: How parts' statuses combine: the combined status is the first in this list any part has.
_STATUS_ORDER = ("UNKNOWN", "STOPPED_EARLY", "FEASIBLE", "OPTIMAL")


def region_parts(scenario: Scenario) -> list[tuple[str, Scenario]]:
    """(region, part) for every region with people or crisis demand, each part holding that
    region's teams, people and demand; one part (region "") when a team with people or demand
    names no region, since such a team joins every region into one problem."""
    busy = {p.team_id for p in scenario.people} | {d.team_id for d in scenario.demand}
    region_of = {t.team_id: rules.region_key(t.region) for t in scenario.teams}
    regions = sorted({region_of[t] for t in busy})
    if len(regions) <= 1 or "" in regions:
        return [("", _solver_copy(scenario, scenario.teams, scenario.people, scenario.demand))]
    name: dict[str, str] = {}  # the region as the first of its teams spells it
    teams, people, demand = defaultdict(list), defaultdict(list), defaultdict(list)
    for t in scenario.teams:
        name.setdefault(region_of[t.team_id], t.region.strip())
        teams[region_of[t.team_id]].append(t)
    for p in scenario.people:
        people[region_of[p.team_id]].append(p)
    for d in scenario.demand:
        demand[region_of[d.team_id]].append(d)
    return [(name[r], _solver_copy(scenario, teams[r], people[r], demand[r])) for r in regions]


def _solver_copy(scenario: Scenario, teams, people, demand) -> Scenario:
    """What a part's solver reads, and nothing more: no opportunities, no equality monitoring
    (special-category data never leaves this process), no matching commitments."""
    policy = scenario.policy.model_copy(update={"commitments": (), "pinned": (), "forbidden": ()})
    return scenario.model_copy(update={"teams": tuple(teams), "people": tuple(people), "demand": tuple(demand),
                                       "opportunities": (), "monitoring": {}, "policy": policy})


def solve_part(part: Scenario, plan_date: date, baseline: list[Assignment] | None, time_limit_s: float,
               method: str) -> RedeployResult:
    """One region, by the single-process solver (runs wherever the part runner sends it)."""
    return redeploy(part, plan_date=plan_date, baseline=baseline, time_limit_s=time_limit_s, method=method)


def redeploy_in_parts(
    scenario: Scenario,
    policy: Policy | None = None,
    *,
    run_parts: PartRunner = run_in_process,
    plan_date: date | None = None,
    baseline: RedeployResult | Sequence[Assignment] | None = None,
    time_limit_s: float | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    method: str = "auto",
    stop: threading.Event | None = None,
) -> RedeployResult:
    """Redeploy region by region and combine the parts into one result (module docstring): the
    same rules and the same optimum as `redeploy(scenario, ...)`, solved in independent parts."""
    started = time.perf_counter()
    if policy is not None:
        scenario = scenario.model_copy(update={"policy": policy})
    day = rules.plan_date_of(scenario.policy, plan_date)
    limit = time_limit_s if time_limit_s is not None else scenario.policy.time_limit_s
    previous = list(baseline.assignments) if isinstance(baseline, RedeployResult) else (
        list(baseline) if baseline is not None else None)
    parts = region_parts(scenario)

    def report(stage: str, objective=None, bound=None, message: str = "") -> None:
        if on_progress is not None:
            on_progress(Progress(stage=stage, seconds=time.perf_counter() - started, objective=objective,
                                 bound=bound, message=message))

    report("parts built", message=f"{len(parts)} independent part(s) by region")
    calls = [(part, day, _baseline_of(part, previous), limit, method) for _, part in parts]
    already = len(getattr(run_parts, "parts", []))
    results = run_parts(solve_part, calls)
    combined = combine_parts(scenario, [r for r, _ in parts], [p for _, p in parts], results, previous, day,
                             where=getattr(run_parts, "parts", [])[already:])
    combined.solve_seconds = round(time.perf_counter() - started, 4)
    if stop is not None and stop.is_set() and combined.status != "OPTIMAL":
        combined.status = "STOPPED_EARLY"
    report("done", combined.objective, combined.bound)
    return combined


def _baseline_of(part: Scenario, previous: list[Assignment] | None) -> list[Assignment] | None:
    """The previous plan's moves of this part's people into this part's teams (a move across
    regions cannot be kept, so it is left out rather than reported missing)."""
    if previous is None:
        return None
    people, teams = part.person_by_id, part.team_by_id
    return [a for a in previous if a.person_id in people and a.to_team_id in teams]


def combine_status(statuses: list[str]) -> str:
    """The combined plan is as good as its weakest part: OPTIMAL only when every part is."""
    if not statuses:
        return "OPTIMAL"
    return min(statuses, key=lambda s: _STATUS_ORDER.index(s) if s in _STATUS_ORDER else 0)


def combine_parts(scenario: Scenario, regions: list[str], parts: list[Scenario], results: list[RedeployResult],
                  previous: list[Assignment] | None, day: date, where=None) -> RedeployResult:
    """One `RedeployResult` from the parts' results: moves side by side, counts and bounds summed
    (priority by priority), notes and stages labelled with their region."""
    assignments = sorted((a for r in results for a in r.assignments),
                         key=lambda x: (x.priority, x.to_team_id, x.skill, x.person_id))
    by_priority = _coverage_by_priority(results)
    team_order = {t.team_id: i for i, t in enumerate(scenario.teams)}
    by_team = sorted((c for r in results for c in r.coverage_by_team), key=lambda c: team_order[c.team_id])
    uncovered = sorted((u for r in results for u in r.uncovered), key=lambda u: (u.priority, u.team_id, u.skill, u.level))
    objective = float(sum(r.objective for r in results))
    bound = float(sum(r.bound for r in results))
    changes = baseline_changes(previous, assignments) if previous is not None else None
    notes = [f"solved in {len(results)} independent part(s), one per region; the plan is exact and the bound "
             "is the sum of the parts' bounds"]
    if previous is not None:
        everyone = scenario.person_by_id
        missing = [a.person_id for a in previous if a.person_id not in everyone]
        if missing:
            notes.append(f"{len(missing)} people of the previous plan are no longer in the scenario")
    notes += [f"{_label(region)}: {note}" for region, r in zip(regions, results) for note in r.notes
              if "no longer in the scenario" not in note]
    runs = list(where or [])
    part_rows = []
    for k, (region, part, r) in enumerate(zip(regions, parts, results)):
        row = {"region": region, "teams": len(part.teams), "people": len(part.people),
               "demand_units": sum(d.count for d in part.demand), "status": r.status, "objective": r.objective,
               "bound": r.bound, "seconds": r.solve_seconds}
        if k < len(runs):
            row |= {"node_id": runs[k].node_id, "node_ip": runs[k].node_ip}
        part_rows.append(row)
    if runs:
        notes.append(f"the parts ran on {len({run.node_id for run in runs})} Ray node(s)")
    return RedeployResult(
        status=combine_status([r.status for r in results]),
        method=f"{len(results)} part(s) by region: " + ", ".join(dict.fromkeys(r.method for r in results)),
        objective=objective,
        bound=bound,
        gap=0.0 if bound <= 0 else round((bound - objective) / bound, 6),
        solve_seconds=0.0,
        plan_date=day,
        assignments=assignments,
        coverage_by_priority=by_priority,
        coverage_by_team=by_team,
        people_moved=sum(r.people_moved for r in results),
        protected=_protected(results, scenario, day),
        uncovered=uncovered,
        changes=changes,
        people_changed=changes.people_changed if changes else None,
        skill_surplus_levels=sum(r.skill_surplus_levels for r in results),
        cross_organisation_moves=sum(r.cross_organisation_moves for r in results),
        groups=sum(r.groups for r in results),
        candidate_pairs=sum(r.candidate_pairs for r in results),
        stages=[Stage(name=f"{_label(region)}: {r.status}", seconds=r.solve_seconds, value=r.objective)
                for region, r in zip(regions, results)],
        notes=notes,
        parts=part_rows,
    )


def _label(region: str) -> str:
    return f"region {region}" if region else "whole scenario"


def _coverage_by_priority(results: list[RedeployResult]) -> list[PriorityCoverage]:
    """Units demanded, covered and bounded per priority, summed over the parts."""
    totals: dict[int, Counter] = defaultdict(Counter)
    for r in results:
        for pc in r.coverage_by_priority:
            totals[pc.priority].update(demanded=pc.demanded, covered=pc.covered, uncovered=pc.uncovered,
                                       bound=pc.bound)
    return [PriorityCoverage(priority=p, demanded=c["demanded"], covered=c["covered"], uncovered=c["uncovered"],
                             bound=c["bound"]) for p, c in sorted(totals.items())]


def _protected(results: list[RedeployResult], scenario: Scenario, day: date) -> Protected:
    """Who rest and availability kept from moving, summed over the parts."""
    total = Counter()
    for r in results:
        total.update(r.protected.model_dump(include={"resting", "unavailable", "resting_candidates",
                                                     "unavailable_candidates"}))
    return Protected(resting=total["resting"], unavailable=total["unavailable"],
                     resting_candidates=total["resting_candidates"],
                     unavailable_candidates=total["unavailable_candidates"],
                     rest_days=scenario.policy.rest_days, plan_date=day)
