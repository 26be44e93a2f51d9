"""Crisis redeployment: first plan and re-plan times on generated crises.

    .venv/bin/python -m bench.bench_redeploy                  # 5,000, 20,000 and 100,000 people
    .venv/bin/python -m bench.bench_redeploy 20000 --runs 5
    .venv/bin/python -m bench.bench_redeploy 5000 20000 --compare   # also the alternatives measured

For each size, `planner.generate.generate_scenario(people, seed, crisis=True)` (not timed), then:

- first plan: `optimiser.redeploy.redeploy(scenario)`, median wall-clock seconds over the runs,
  with the CPU seconds of the same call (what an idle core would take: the machine is shared);
- re-plan: three demand lines change (the biggest priority-1 line grows by 3 people, the biggest
  other line halves, the next line escalates to priority 1) and `redeploy(changed,
  baseline=first_plan)` runs; median seconds, and how many people's assignment changed (newly
  moved + reassigned + returned home) against how many stayed.

`--overlap` first gives every normal team two overlapping critical skills (its two most held
demanded skills at level 2+, all holders but one to keep, release share 0.5): not a network flow,
so the exact MIP decides (the slow case).

`--compare` also times, on the same first plan, the alternatives the method was chosen against:
the exact CP-SAT model on grouped people (`method="cp-sat"`) and the same flow network as a linear
programme solved by GLOP and by HiGHS through `pywraplp` (a network LP has integral optima).
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from optimiser.redeploy import redeploy
from optimiser.redeploy.arrays import build_arrays
from optimiser.redeploy.flow import build_network, build_release_tree
from optimiser.redeploy.rules import plan_date_of
from planner.generate import generate_scenario

DEFAULT_SIZES = (5_000, 20_000, 100_000)


def with_overlapping_critical_skills(scenario):
    """Stress: every normal team must keep all but one holder of its two most held demanded skills."""
    from collections import Counter

    from planner.domain import CriticalSkill, TeamStatus

    demanded = {d.skill for d in scenario.demand}
    held: dict[str, Counter] = {}
    for p in scenario.people:
        held.setdefault(p.team_id, Counter()).update(s for s, lv in p.skills.items() if lv >= 2 and s in demanded)
    teams = []
    for t in scenario.teams:
        if t.status == TeamStatus.normal and held.get(t.team_id):
            counts = held[t.team_id]
            critical = tuple(CriticalSkill(skill=s, level=2, count=max(1, counts[s] - 1)) for s, _ in counts.most_common(2))
            t = t.model_copy(update={"critical_skills": critical, "max_release_share": 0.5})
        teams.append(t)
    return scenario.model_copy(update={"teams": tuple(teams)})


def three_demand_changes(scenario):
    """The situation changes: a surge, an easing and an escalation, on three demand lines."""
    demand = list(scenario.demand)
    order = sorted(range(len(demand)), key=lambda i: (-demand[i].count, i))
    surge = next(i for i in order if demand[i].priority == 1)
    ease = next(i for i in order if i != surge)
    escalate = next(i for i in order if i not in (surge, ease) and demand[i].priority > 1)
    demand[surge] = demand[surge].model_copy(update={"count": demand[surge].count + 3})
    demand[ease] = demand[ease].model_copy(update={"count": demand[ease].count // 2})
    demand[escalate] = demand[escalate].model_copy(update={"priority": 1})
    return scenario.model_copy(update={"demand": tuple(demand)})


def _timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def measure(people: int, runs: int, seed: int, overlap: bool = False) -> dict:
    scenario = generate_scenario(people, seed, crisis=True)
    if overlap:
        scenario = with_overlapping_critical_skills(scenario)
    changed = three_demand_changes(scenario)
    first_times, first_cpu, re_times, re_cpu = [], [], [], []
    first = again = None
    for _ in range(runs):
        first, wall, cpu = _timed(lambda: redeploy(scenario, time_limit_s=120))
        first_times.append(wall)
        first_cpu.append(cpu)
    for _ in range(runs):
        again, wall, cpu = _timed(lambda: redeploy(changed, baseline=first, time_limit_s=120))
        re_times.append(wall)
        re_cpu.append(cpu)
    return dict(
        people=people,
        demand_units=sum(d.count for d in scenario.demand),
        pairs=first.candidate_pairs,
        groups=first.groups,
        covered=int(first.objective),
        status=f"{first.status}/{again.status}",
        first_s=statistics.median(first_times),
        first_cpu=statistics.median(first_cpu),
        replan_s=statistics.median(re_times),
        replan_cpu=statistics.median(re_cpu),
        changed=again.people_changed,
        stayed=len(again.changes.stayed),
        method=first.method,
        scenario=scenario,
        first=first,
    )


def compare(row: dict, time_limit: float) -> list[dict]:
    """The alternatives, on the same first plan."""
    scenario, best = row["scenario"], row["first"]
    out = [dict(method=f"chosen: {best.method}", seconds=row["first_s"], status=best.status,
                coverage=[c.covered for c in best.coverage_by_priority])]
    cp, wall, _ = _timed(lambda: redeploy(scenario, method="cp-sat", time_limit_s=time_limit))
    out.append(dict(method=f"CP-SAT on grouped people ({time_limit:g} s limit)", seconds=wall, status=cp.status,
                    coverage=[c.covered for c in cp.coverage_by_priority]))
    for solver_name in ("GLOP", "HIGHS"):
        result = _network_lp(scenario, solver_name)
        if result is not None:
            out.append(result)
    return out


def _network_lp(scenario, solver_name: str) -> dict | None:
    """The flow network as an LP (build and solve timed together, as a user would wait for both)."""
    from ortools.linear_solver import pywraplp

    started = time.perf_counter()
    a = build_arrays(scenario, plan_date_of(scenario.policy), None)
    net = build_network(a, build_release_tree(a))
    tails, heads, caps, costs = (np.concatenate(x) for x in (net.tails, net.heads, net.caps, net.costs))
    solver = pywraplp.Solver.CreateSolver(solver_name)
    if solver is None:
        return None
    solver.SuppressOutput()
    solver.SetSolverSpecificParametersAsString("output_flag=false" if solver_name == "HIGHS" else "")
    x = [solver.NumVar(0, float(c), "") for c in caps.tolist()]
    balance = {}
    for k, (t, h) in enumerate(zip(tails.tolist(), heads.tolist())):
        balance.setdefault(t, []).append((k, -1))
        balance.setdefault(h, []).append((k, 1))
    units = a.total_units
    for node, terms in balance.items():
        supply = units if node == 0 else (-units if node == 1 else 0)
        row = solver.Constraint(-supply, -supply) if node in (0, 1) else solver.Constraint(0, 0)
        for k, sign in terms:
            row.SetCoefficient(x[k], sign)
    objective = solver.Objective()
    for k, c in enumerate(costs.tolist()):
        if c:
            objective.SetCoefficient(x[k], float(c))
    objective.SetMinimization()
    status = solver.Solve()
    seconds = time.perf_counter() - started
    sink_in = [k for k, h in enumerate(heads.tolist()) if h == 1 and tails[k] != 0]
    covered_by_rank = np.zeros(len(a.priorities))
    line_first = net.tails[-2][0] if len(net.tails[-2]) else 0
    for k in sink_in:
        covered_by_rank[a.line_rank[tails[k] - line_first]] += x[k].solution_value()
    return dict(method=f"same network as an LP, {solver_name}", seconds=seconds,
                status="OPTIMAL" if status == pywraplp.Solver.OPTIMAL else str(status),
                coverage=[round(v, 2) for v in covered_by_rank.tolist()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--compare", action="store_true", help="also time the alternatives")
    parser.add_argument("--overlap", action="store_true", help="add overlapping critical skills (the MIP case)")
    parser.add_argument("--compare-limit", type=float, default=30.0, help="time limit of the CP-SAT alternative")
    args = parser.parse_args()

    print(f"Crisis redeployment, seed {args.seed}, median of {args.runs} runs (wall s; CPU s in brackets)")
    print("| people | demand units | candidate pairs | groups | covered | first plan s | re-plan s (3 lines change) "
          "| people changed | stayed | status |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    rows = []
    for people in args.sizes:
        row = measure(people, args.runs, args.seed, args.overlap)
        rows.append(row)
        print(f"| {people:,} | {row['demand_units']:,} | {row['pairs']:,} | {row['groups']:,} | {row['covered']:,} "
              f"| {row['first_s']:.2f} ({row['first_cpu']:.2f}) | {row['replan_s']:.2f} ({row['replan_cpu']:.2f}) "
              f"| {row['changed']} | {row['stayed']} | {row['status']} |", flush=True)
        if args.overlap:
            print(f"  method: {row['method']}; notes: {'; '.join(row['first'].notes)}", flush=True)
    if args.compare:
        print()
        print("| people | method | seconds | status | units covered per priority |")
        print("|---:|---|---:|---|---|")
        for row in rows:
            for alt in compare(row, args.compare_limit):
                print(f"| {row['people']:,} | {alt['method']} | {alt['seconds']:.2f} | {alt['status']} | {alt['coverage']} |",
                      flush=True)


if __name__ == "__main__":
    main()
