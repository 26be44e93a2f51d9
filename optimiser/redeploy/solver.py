"""Solve a crisis redeployment: the lexicographic optimum of coverage by priority, proven.

Method (chosen by measurement, see bench/README.md "Crisis redeployment"):

1. Fold people into groups of interchangeable people (`arrays.py`).
2. Solve the redeployment as one exact min-cost flow (`flow.py`), whose weights provably keep
   the priority order; critical-skill holder sets that overlap without nesting are left out of
   the network (a relaxation).
3. If the flow keeps every left-out critical skill, it is feasible for the full rules and optimal
   for a relaxation, so it is the proven optimum. Otherwise the same network with one extra row
   per left-out critical skill is solved exactly as a MIP (`mip.py`), priority by priority: HiGHS
   for a first plan, SCIP warm-started from the repaired flow plan for a re-plan. If that runs out
   of time, the flow plan repaired to keep every critical skill is returned (status FEASIBLE) when
   it covers more.

`method="cp-sat"` instead solves the exact CP-SAT model on grouped (person, line) pairs
(`exact.py`), warm-started from the baseline when re-planning: the measured alternative.

Re-plan: with a baseline, keeping each previous redeployment is worth more than any skill-match
or organisation preference and less than one unit of coverage, so the plan re-reaches the
lexicographic optimum and then keeps as many previous redeployments as possible. Resting people
on the previous plan may stay where they are (staying is not a move) but go nowhere else.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from datetime import date

import numpy as np

from optimiser.redeploy import rules
from optimiser.redeploy.arrays import CrisisArrays, GroupMoves, build_arrays, kept_moves, may_cover_some_line
from optimiser.redeploy.exact import solve_exact
from optimiser.redeploy.explain import blocking_codes, holder_blocks, uncovered_reason
from optimiser.redeploy.flow import build_release_tree, critical_skill_overuse, repair, solve_flow
from optimiser.redeploy.mip import SOLVER as MIP_SOLVER
from optimiser.redeploy.mip import WARM_SOLVER as WARM_MIP_SOLVER
from optimiser.redeploy.mip import solve_network_mip
from optimiser.run_control import SolveControl
from planner.domain import Scenario
from planner.redeploy_results import (
    Assignment,
    BaselineChanges,
    PriorityCoverage,
    Progress,
    Protected,
    RedeployResult,
    Stage,
    TeamCoverage,
    UncoveredDemand,
)

METHODS = ("auto", "cp-sat")


def redeploy(
    scenario: Scenario,
    plan_date: date | None = None,
    baseline: RedeployResult | Sequence[Assignment] | None = None,
    time_limit_s: float = 30,
    on_progress: Callable[[Progress], None] | None = None,
    method: str = "auto",
    stop: threading.Event | None = None,
) -> RedeployResult:
    """Redeploy people to cover crisis demand; see the module docstring for the method.

    `method="cp-sat"` skips the flow and solves the exact CP-SAT model directly: the measured
    alternative (`bench/bench_redeploy.py --compare`); building that model in Python is not
    bounded by `time_limit_s` and is slow on large crises (bench/README.md).

    `on_progress` also hears the phase and best so far every half second; setting `stop` ends the
    MIP stages early (the flow is not interrupted: it takes seconds) and the plan found so far is
    returned with status STOPPED_EARLY unless it is already proven optimal."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; use one of {', '.join(METHODS)}")
    start = time.perf_counter()
    day = rules.plan_date_of(scenario.policy, plan_date)
    previous = list(baseline.assignments) if isinstance(baseline, RedeployResult) else (
        list(baseline) if baseline is not None else None
    )
    stages: list[Stage] = []
    notes: list[str] = []

    def tick(seconds: float, phase: str, objective, bound) -> None:
        if on_progress:
            on_progress(Progress(stage="tick", seconds=time.perf_counter() - start, objective=objective, bound=bound,
                                 phase=phase))

    control = SolveControl(stop, on_tick=tick)

    def report(stage: str, objective=None, bound=None, message: str = "") -> None:
        seconds = time.perf_counter() - start
        stages.append(Stage(name=stage, seconds=round(seconds, 4), value=objective))
        control.best(objective, bound)
        if on_progress:
            on_progress(Progress(stage=stage, seconds=seconds, objective=objective, bound=bound, message=message,
                                 phase=control.phase))

    with control.running():
        return _redeploy(scenario, day, previous, time_limit_s, start, method, report, stages, notes, control)


def _redeploy(scenario, day, previous, time_limit_s, start, method, report, stages, notes, control) -> RedeployResult:
    arrays = build_arrays(scenario, day, previous)
    report(
        "model built",
        message=f"{int(arrays.group_eligible.sum())} groups of interchangeable people, {arrays.candidate_pairs} candidate pairs",
    )
    if arrays.baseline_missing:
        notes.append(f"{len(arrays.baseline_missing)} people of the previous plan are no longer in the scenario")

    status, method_used, flow, rank_bound = _solve(
        arrays, scenario, previous, time_limit_s, start, method, report, notes, control
    )
    if control.stopped() and status != "OPTIMAL":
        status = "STOPPED_EARLY"
        notes.append("stopped early on request: the plan found so far (it obeys every rule) is kept")
    control.phase_is("writing_up")
    result = _result(arrays, scenario, previous, flow, status, method_used, rank_bound, start, stages, notes)
    report("done", result.objective, result.bound)
    result.solve_seconds = round(time.perf_counter() - start, 4)
    return result


def _solve(arrays: CrisisArrays, scenario, previous, time_limit_s, start, method, report, notes, control):
    workers, seed = scenario.policy.workers, scenario.policy.random_seed

    def on_stage(name, seconds, value, bound):
        if name.startswith("priority"):
            report(f"exact {name}", value, bound, message="units covered at this priority")
        else:
            report(f"exact {name}", message=f"objective {value:g}, bound {bound:g}")

    if not arrays.group_eligible.any():
        return (
            "OPTIMAL",
            "nothing to decide (nobody may cover any demand)",
            GroupMoves.empty(),
            [0] * len(arrays.priorities),
        )
    if method == "auto":
        control.phase_is("first_plan")
        tree = build_release_tree(arrays)
        try:
            sol = solve_flow(arrays, tree)
        except OverflowError:
            notes.append("too many demand units for exact flow weights: solved as a MIP on the same network")
            control.phase_is("improving")
            mip = solve_network_mip(arrays, tree, time_limit_s - (time.perf_counter() - start), on_stage,
                                    control=control)
            return (
                ("OPTIMAL" if mip.proven else "FEASIBLE"),
                f"{MIP_SOLVER} MIP on the flow network",
                mip.moves,
                mip.rank_bound,
            )
        else:
            covered = _covered_by_rank(arrays, sol.moves)
            report("min-cost flow", float(sum(covered)), float(sum(covered)))
            broken = [c for c in sol.side if critical_skill_overuse(arrays, sol.moves, c)]
            if not broken:
                if sol.side:
                    notes.append(
                        f"{len(sol.side)} critical skills overlap others without nesting; the flow keeps them all, "
                        "so its optimum is the proven optimum"
                    )
                return "OPTIMAL", "min-cost flow (exact)", sol.moves, covered
            notes.append(
                f"the network relaxation breaks {len(broken)} overlapping critical skills: "
                "solved exactly as a MIP on the same network"
            )
            repaired = repair(arrays, sol.moves, sol.side)
            control.phase_is("improving")
            # Re-plan: warm start from the previous plan as carried through the flow and repaired.
            mip = solve_network_mip(
                arrays,
                tree,
                time_limit_s - (time.perf_counter() - start),
                on_stage,
                start_plan=repaired,
                relaxed_coverage=covered,
                warm=arrays.has_baseline,
                control=control,
            )
            if not mip.proven and _covered_by_rank(arrays, mip.moves) < _covered_by_rank(arrays, repaired):
                notes.append("the MIP ran out of time; the repaired flow plan (which obeys every rule) is kept")
                return "FEASIBLE", "min-cost flow, repaired", repaired, [int(v) for v in covered]
            if mip.coverage_proven and not mip.proven:
                notes.append(
                    "coverage is the proven lexicographic optimum; the later stages (keeping the previous "
                    "plan, skill match, organisation) stopped at the time limit"
                )
            return (
                ("OPTIMAL" if mip.proven else "FEASIBLE"),
                f"min-cost flow relaxation + {WARM_MIP_SOLVER if arrays.has_baseline else MIP_SOLVER} MIP (exact)",
                mip.moves,
                mip.rank_bound,
            )
    hint = baseline_hint(arrays, previous) if previous else None
    control.phase_is("improving")
    ex = solve_exact(arrays, hint, time_limit_s - (time.perf_counter() - start), workers, seed, on_stage)
    return ("OPTIMAL" if ex.proven else "FEASIBLE"), "CP-SAT on grouped people", ex.moves, ex.rank_bound


def _covered_by_rank(arrays: CrisisArrays, moves: GroupMoves) -> list[int]:
    return (
        np.bincount(arrays.line_rank[moves.line], weights=moves.count, minlength=len(arrays.priorities))
        .astype(int)
        .tolist()
    )


def baseline_hint(arrays: CrisisArrays, previous: list[Assignment]) -> GroupMoves:
    """A feasible start from the previous plan: keep each previous redeployment that still fits
    every rule (same team, a line of it the person may cover, capacity left)."""
    groups, lines = kept_moves(arrays)
    order = np.lexsort((arrays.line_rank[lines], groups))
    lines_of_group: dict[int, list[int]] = {}
    for k in order.tolist():
        lines_of_group.setdefault(int(groups[k]), []).append(int(lines[k]))
    line_left = arrays.line_count.copy()
    group_left = arrays.group_size.copy()
    team_left = np.where(arrays.team_limit < 0, np.iinfo(np.int64).max, arrays.team_limit)
    crit_left = {(c.team, c.bit): c.may_leave for c in arrays.critical}
    kept: dict[tuple[int, int], int] = {}
    index = {pid: i for i, pid in enumerate(arrays.person_ids)}
    for assignment in previous:
        i = index.get(assignment.person_id)
        if i is None or arrays.person_group[i] < 0:
            continue
        g = int(arrays.person_group[i])
        team = int(arrays.group_team[g])
        bits = [
            (team, c.bit) for c in arrays.critical if c.team == team and (arrays.group_critical_bits[g] >> c.bit) & 1
        ]
        if group_left[g] <= 0 or team_left[team] <= 0 or any(crit_left[b] <= 0 for b in bits):
            continue
        for li in lines_of_group.get(g, []):
            if line_left[li] > 0:
                kept[g, li] = kept.get((g, li), 0) + 1
                line_left[li] -= 1
                group_left[g] -= 1
                team_left[team] -= 1
                for b in bits:
                    crit_left[b] -= 1
                break
    if not kept:
        return GroupMoves.empty()
    pairs = np.array(list(kept.keys()), dtype=np.int64)
    return GroupMoves(pairs[:, 0], pairs[:, 1], np.array(list(kept.values()), dtype=np.int64))


def _people_for_moves(arrays: CrisisArrays, moves: GroupMoves, previous) -> list[tuple[int, int]]:
    """Name the people behind each group's count: on a kept move, those who covered the same skill
    before come first; otherwise members in file order."""
    previous_skill = {x.person_id: x.skill for x in previous or []}
    chosen: list[tuple[int, int]] = []
    used: set[int] = set()
    kept = arrays.group_baseline_team[moves.group] == arrays.line_team[moves.line]
    # Kept moves first, so the people who were there before are the ones who stay.
    for k in np.argsort(~kept, kind="stable").tolist():
        g, li, f = int(moves.group[k]), int(moves.line[k]), int(moves.count[k])
        members = arrays.group_members[g].tolist()
        if kept[k] and previous_skill:
            skill = arrays.demanded_skills[arrays.line_skill[li]]
            members.sort(key=lambda i: previous_skill.get(arrays.person_ids[i]) != skill)
        picked = 0
        for i in members:  # a member already sent to another line of this group is skipped
            if picked == f:
                break
            if i not in used:
                used.add(i)
                chosen.append((i, li))
                picked += 1
    return chosen


def _result(arrays, scenario, previous, moves, status, method_used, rank_bound, start, stages, notes) -> RedeployResult:
    chosen = _people_for_moves(arrays, moves, previous)
    assignments = []
    assigned_line = np.full(len(arrays.person_ids), -1, dtype=np.int64)
    for i, li in chosen:
        assigned_line[i] = li
        demand = scenario.demand[int(arrays.line_source[li])]
        assignments.append(
            Assignment(
                person_id=arrays.person_ids[i],
                from_team_id=arrays.team_ids[arrays.person_team[i]],
                to_team_id=demand.team_id,
                skill=demand.skill,
                priority=demand.priority,
                level=demand.level,
            )
        )
    assignments.sort(key=lambda x: (x.priority, x.to_team_id, x.skill, x.person_id))
    line_covered = np.bincount(assigned_line[assigned_line >= 0], minlength=len(arrays.line_count))
    moved_people = assigned_line >= 0
    team_released = np.bincount(arrays.person_team[moved_people], minlength=len(arrays.team_ids))

    by_priority = []
    for r, p in enumerate(arrays.priorities):
        on = arrays.line_rank == r
        demanded, covered = int(arrays.line_count[on].sum()), int(line_covered[on].sum())
        bound = (
            covered if status == "OPTIMAL" else int(max(covered, rank_bound[r] if r < len(rank_bound) else demanded))
        )
        by_priority.append(
            PriorityCoverage(priority=p, demanded=demanded, covered=covered, uncovered=demanded - covered, bound=bound)
        )

    by_team = []
    for t, team_id in enumerate(arrays.team_ids):
        on = arrays.line_team == t
        demanded, covered = int(arrays.line_count[on].sum()), int(line_covered[on].sum())
        if demanded or team_released[t]:
            by_team.append(
                TeamCoverage(
                    team_id=team_id,
                    demanded=demanded,
                    covered=covered,
                    uncovered=demanded - covered,
                    released=int(team_released[t]),
                )
            )

    moved_holders = {}
    for c in arrays.critical:
        members = (
            moved_people & (arrays.person_team == c.team) & ((arrays.person_critical_bits >> c.bit) & 1 == 1)
            if moved_people.any()
            else None
        )
        moved_holders[(c.team, c.bit)] = int(members.sum()) if members is not None else 0
    saturated = [(c.team, c.bit) for c in arrays.critical if moved_holders[(c.team, c.bit)] >= c.may_leave]
    uncovered = []
    short = np.nonzero(line_covered < arrays.line_count)[0]
    if len(short):
        codes = blocking_codes(arrays, assigned_line, team_released, saturated)
        for li in short.tolist():
            demand = scenario.demand[int(arrays.line_source[li])]
            own, others, counts = holder_blocks(arrays, li, codes, assigned_line)
            uncovered.append(
                UncoveredDemand(
                    team_id=demand.team_id,
                    skill=demand.skill,
                    level=demand.level,
                    priority=demand.priority,
                    units=int(arrays.line_count[li] - line_covered[li]),
                    reason=uncovered_reason(
                        demand.skill, demand.level, scenario.team_by_id[demand.team_id].name, own, others, counts
                    ),
                    holders={"in_demand_team": own, **counts},
                )
            )
        uncovered.sort(key=lambda u: (u.priority, u.team_id, u.skill, u.level))

    changes = baseline_changes(previous, assignments) if previous is not None else None
    objective = float(moved_people.sum())
    bound = float(sum(pc.bound for pc in by_priority))
    surplus = (
        int(
            (
                arrays.person_levels[moved_people, arrays.line_skill[assigned_line[moved_people]]]
                - arrays.line_level[assigned_line[moved_people]]
            ).sum()
        )
        if moved_people.any()
        else 0
    )
    cross = int(
        (
            arrays.team_org[arrays.person_team[moved_people]]
            != arrays.team_org[arrays.line_team[assigned_line[moved_people]]]
        ).sum()
    )
    return RedeployResult(
        status=status,
        method=method_used,
        objective=objective,
        bound=bound,
        gap=0.0 if bound <= 0 else round((bound - objective) / bound, 6),
        solve_seconds=round(time.perf_counter() - start, 4),
        plan_date=arrays.plan_date,
        assignments=assignments,
        coverage_by_priority=by_priority,
        coverage_by_team=by_team,
        people_moved=int(moved_people.sum()),
        protected=_protected(arrays),
        uncovered=uncovered,
        changes=changes,
        people_changed=changes.people_changed if changes else None,
        skill_surplus_levels=surplus,
        cross_organisation_moves=cross,
        groups=len(arrays.group_size),
        candidate_pairs=arrays.candidate_pairs,
        stages=stages,
        notes=notes,
    )


def _protected(arrays: CrisisArrays) -> Protected:
    """Who the rest period and availability kept from moving (in teams that release people)."""
    releasable = arrays.team_status[arrays.person_team] != 2
    resting = releasable & arrays.person_available & arrays.person_resting & ~arrays.person_restricted
    unavailable = releasable & ~arrays.person_available
    candidate = np.zeros(len(arrays.person_ids), dtype=bool)
    for (s, lv), line_list in arrays.level_classes().items():
        candidate |= may_cover_some_line(arrays, arrays.person_team, arrays.person_levels[:, s] >= lv, line_list)
    return Protected(
        resting=int(resting.sum()),
        unavailable=int(unavailable.sum()),
        resting_candidates=int((resting & candidate).sum()),
        unavailable_candidates=int((unavailable & candidate).sum()),
        rest_days=arrays.rest_days,
        plan_date=arrays.plan_date,
    )


def baseline_changes(previous: list[Assignment], assignments: list[Assignment]) -> BaselineChanges:
    """Compare with the previous plan: same team = stayed; another team = reassigned; none = returned."""
    now = {x.person_id: x.to_team_id for x in assignments}
    before = {x.person_id: x.to_team_id for x in previous}
    stayed = sorted(p for p, t in before.items() if now.get(p) == t)
    reassigned = sorted(p for p, t in before.items() if p in now and now[p] != t)
    returned = sorted(p for p in before if p not in now)
    moved = sorted(p for p in now if p not in before)
    return BaselineChanges(
        stayed=stayed,
        moved=moved,
        reassigned=reassigned,
        returned=returned,
        kept_share=round(len(stayed) / len(before), 4) if before else 1.0,
    )
