"""Benchmark the matching optimiser on generated scenarios of 2,000, 10,000 and 50,000 people.

    .venv/bin/python -m bench.bench_matching
    .venv/bin/python -m bench.bench_matching --sizes 10000 --repeats 3
    .venv/bin/python -m bench.bench_matching --sizes 10000 --compare      # back ends side by side

Each scenario comes from `planner.generate.generate_scenario(people, seed)` with its own team
release limits and critical skills, plus a fairness floor (grades 1-4, 5-7, 8+ each get at least
20% of placements). For each size it reports: candidate pairs; build time (scenario arrays,
eligible pairs, scores and every rule's rows) and the time to write the full CP-SAT model; the
LP relaxation bound (GLOP, dual simplex) and its time; the plain greedy plan (best score first)
and its gap to the LP bound; and `solve_plan` (the shipped pipeline) with its status, objective,
gap to the LP bound and wall time. Times are medians over --repeats runs, wall clock; CPU seconds
of this process are shown too, because the machine may be shared (figures measured under load are
noisy). `--compare` also runs, on each size, CP-SAT alone on the full model (greedy hint) and
the MIP solvers HiGHS and SCIP through OR-Tools' model builder on the full model, each with the
same time limit (HiGHS may overrun it: it did by minutes on large models).

Aim (2 cores): 10,000 people built in under 3 s and within 1% of the LP bound in 30 s; 50,000
people planned within 60 s. Not a test: it prints a table.

    .venv/bin/python -m bench.bench_matching --plan-only --sizes 10000,50000,100000

`--plan-only` runs only `solve_plan` (the generated scenario's own default policy, time limit 30 s,
60 s from 50,000 people, 120 s from 100,000), each size in a fresh process so its peak memory is
its own, and reports the plan's status, objective, the bound it reports for the WHOLE problem
(every eligible pair, priced with the LP duals: `bound_scope`), the gap, wall seconds, peak
resident memory and the load average before the run (the machine may be shared).
"""

from __future__ import annotations

import argparse
import statistics
import time


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _fmt(value, spec=",.0f"):
    return "-" if value is None else format(value, spec)


def run_once(people: int, seed: int, time_limit: float, workers: int, compare: bool) -> dict:
    from optimiser.greedy import greedy_plan
    from optimiser.lp_bound import lp_bound, solve_linear
    from optimiser.matching import solve_plan, with_counts
    from optimiser.model import build_model, model_data, solve
    from optimiser.rules import build_rows
    from planner.domain import FairnessFloor
    from planner.generate import generate_scenario

    scenario = generate_scenario(people, seed)
    policy = scenario.policy.model_copy(update={
        "time_limit_s": time_limit, "workers": workers, "random_seed": 0,
        "fairness": FairnessFloor(bands=((1, 4), (5, 7), (8, 99)), min_share=0.2),
    })
    scenario = scenario.model_copy(update={"policy": policy})
    out: dict = {"people": people}

    cpu = time.process_time()
    t = time.perf_counter()
    data = model_data(scenario, policy)
    rows = build_rows(data)
    out["build_s"] = time.perf_counter() - t
    out["pairs"] = data.pruned_from or data.n_pairs
    out["model_pairs"] = data.n_pairs
    t = time.perf_counter()
    built = build_model(data)
    out["cpsat_build_s"] = time.perf_counter() - t
    t = time.perf_counter()
    greedy = greedy_plan(data, rows)
    out["greedy_s"] = time.perf_counter() - t
    out["greedy"] = float((built.points * greedy).sum())
    lp = lp_bound(data, rows, time_limit_s=120)
    out["lp_s"] = lp.seconds + lp.build_seconds
    out["lp"] = lp.bound
    out["prep_cpu_s"] = time.process_time() - cpu

    cpu = time.process_time()
    t = time.perf_counter()
    plan = solve_plan(scenario, policy)
    out["plan_s"] = time.perf_counter() - t
    out["plan_cpu_s"] = time.process_time() - cpu
    out["status"] = plan.status
    out["objective"] = plan.objective
    out["method"] = plan.stats.get("method", "")
    if compare:
        hint = with_counts(data, rows, greedy)
        r = solve(built, time_limit, workers, 0, hint=hint)
        out["cpsat_alone"] = r.objective
        out["cpsat_alone_status"] = r.status
        for name in ("highs", "scip"):
            m = solve_linear(data, rows, name, time_limit, integral=True, workers=workers)
            out[f"{name}_mip"] = m.objective
            out[f"{name}_mip_status"] = m.status
    return out


def plan_only(people: int, seed: int, time_limit: float, workers: int) -> dict:
    """One `solve_plan` on a generated scenario with its default policy; peak RSS of this process."""
    import os
    import resource

    from optimiser.matching import solve_plan
    from planner.generate import generate_scenario

    scenario = generate_scenario(people, seed)
    policy = scenario.policy.model_copy(update={"time_limit_s": time_limit, "workers": workers})
    load = os.getloadavg()[0]
    t = time.perf_counter()
    plan = solve_plan(scenario, policy)
    seconds = time.perf_counter() - t
    return {"people": people, "pairs": plan.stats.get("candidate_pairs"),
            "model_pairs": plan.stats.get("pairs_in_model"),
            "status": plan.status, "objective": plan.objective, "bound": plan.best_bound,
            "scope": plan.bound_scope, "gap": plan.gap, "seconds": seconds, "limit": time_limit,
            "rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6, "load": load,
            "rounds": len(plan.stats.get("lp_rounds", [])), "method": plan.stats.get("method")}


def _plan_only_table(sizes, seed: int, workers: int, time_limit) -> None:
    import json
    import subprocess
    import sys

    print("| people | eligible pairs (in model at the end) | status | objective | bound (all eligible pairs) | gap | "
          "seconds (limit) | peak RSS GB | load avg before | LP rounds | method |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for size in sizes:
        limit = time_limit or (120.0 if size >= 100_000 else 60.0 if size >= 50_000 else 30.0)
        code = (f"import json; from bench.bench_matching import plan_only; "
                f"print(json.dumps(plan_only({size}, {seed}, {limit}, {workers})))")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        gap_text = "-" if r["gap"] is None else f"{100 * r['gap']:.3f}%"
        print(f"| {r['people']:,} | {r['pairs']:,} ({r['model_pairs']:,}) | {r['status']} | {_fmt(r['objective'])} | "
              f"{_fmt(r['bound'])} | {gap_text} | {r['seconds']:.1f} ({r['limit']:.0f}) | {r['rss_gb']:.2f} | "
              f"{r['load']:.1f} | {r['rounds']} | {r['method']} |", flush=True)


def gap(value, bound):
    if value is None or not bound:
        return None
    return 100.0 * (bound - value) / bound


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,10000,50000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds per solve (default 30, or 60 from 50,000 people)")
    parser.add_argument("--compare", action="store_true", help="also CP-SAT alone, HiGHS and SCIP MIP")
    parser.add_argument("--plan-only", action="store_true",
                        help="only solve_plan, default policy, one process per size, with peak RSS")
    args = parser.parse_args()
    if args.plan_only:
        _plan_only_table([int(s) for s in args.sizes.split(",")], args.seed, args.workers, args.time_limit)
        return

    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        limit = args.time_limit or (60.0 if size >= 50_000 else 30.0)
        runs = [run_once(size, args.seed + r, limit, args.workers, args.compare) for r in range(args.repeats)]
        merged = {k: (_median([r[k] for r in runs]) if isinstance(runs[0][k], (int, float)) else runs[0][k])
                  for k in runs[0]}
        merged["limit"] = limit
        rows.append(merged)
        print(f"done {size:,} people", flush=True)

    print(f"\nMatching benchmark: medians over {args.repeats} run(s), {args.workers} workers; wall seconds "
          f"(CPU seconds of this process in brackets: when far below wall, the machine was busy)\n")
    print("| people | eligible pairs (in model) | build s | CP-SAT model s | LP bound | LP s | greedy | greedy gap | "
          "plan status | plan objective | plan gap | plan s (limit) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for r in rows:
        print(f"| {r['people']:,} | {r['pairs']:,} ({r['model_pairs']:,}) | {r['build_s']:.1f} | {r['cpsat_build_s']:.1f} | "
              f"{_fmt(r['lp'])} | {r['lp_s']:.1f} | {_fmt(r['greedy'])} | {_fmt(gap(r['greedy'], r['lp']), '.2f')}% | "
              f"{r['status']} | {_fmt(r['objective'])} | {_fmt(gap(r['objective'], r['lp']), '.3f')}% | "
              f"{r['plan_s']:.1f} ({r['plan_cpu_s']:.1f} CPU) ({r['limit']:.0f}) |")
    print("\nplan method: " + "; ".join(f"{r['people']:,}: {r['method']}" for r in rows))
    if args.compare:
        print("\n| people | CP-SAT alone (greedy hint) | HiGHS MIP | SCIP MIP | shipped pipeline |  (gap to LP bound, same limit)")
        print("|---:|---:|---:|---:|---:|")
        for r in rows:
            cells = [f"{_fmt(gap(r[k], r['lp']), '.3f')}% {r.get(k + '_status', '')}".strip()
                     for k in ("cpsat_alone", "highs_mip", "scip_mip")]
            print(f"| {r['people']:,} | " + " | ".join(cells) + f" | {_fmt(gap(r['objective'], r['lp']), '.3f')}% |")


if __name__ == "__main__":
    main()
