"""Planning in parts (optimiser.distributed) beside the single-process plan, on generated
scenarios whose teams name regions and some of whose opportunities are remote.

    PYTHONPATH=.:tests .venv/bin/python -m bench.bench_distributed --people 20000 --regions 5 --time-limit 60

Scenarios come from `tests/regional_scenarios.regional_scenario` (the generated scenario with
regions, the region rule also carried by skills until `planner.eligibility` reads regions). Both
runs get the same time limit, one solver thread, parts in this process one after another. Prints
objective, bound (every eligible pair), gap and wall seconds of each, and the ratio of objectives.
Not a test.
"""

from __future__ import annotations

import argparse
import json
import time

from regional_scenarios import regional_scenario

from optimiser.distributed import solve_plan_in_parts
from optimiser.matching import solve_plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--regions", type=int, default=5)
    parser.add_argument("--remote-share", type=float, default=0.15)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--parts-only", action="store_true")
    args = parser.parse_args()
    scenario = regional_scenario(args.people, args.seed, regions=args.regions, remote_share=args.remote_share,
                                 time_limit_s=args.time_limit)
    rows = []
    runs = [("parts", solve_plan_in_parts)] + ([] if args.parts_only else [("single process", solve_plan)])
    for name, solve in runs:
        started = time.perf_counter()
        plan = solve(scenario)
        rows.append((name, plan, time.perf_counter() - started))
    print(f"{args.people:,} people, {args.regions} regions, remote share {args.remote_share}, "
          f"limit {args.time_limit:g} s")
    print("| engine | status | objective | bound (all eligible pairs) | gap | wall s |")
    print("|---|---|---:|---:|---:|---:|")
    for name, plan, seconds in rows:
        print(f"| {name} | {plan.status} | {plan.objective:,.0f} | {plan.best_bound:,.0f} | {plan.gap:.3%} "
              f"| {seconds:.1f} |")
    if len(rows) == 2:
        print(f"objective in parts / single process: {rows[0][1].objective / rows[1][1].objective:.4f}")
    print(json.dumps({k: v for k, v in rows[0][1].stats.items() if k != "parts"}, default=str))
    print(json.dumps(rows[0][1].stats.get("parts"), default=str))


if __name__ == "__main__":
    main()
