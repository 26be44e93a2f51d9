"""Planning in parts (optimiser.distributed) beside the single-process plan, on generated
scenarios whose teams name regions and some of whose opportunities are remote.

    .venv/bin/python -m bench.bench_distributed --people 20000 --regions 5 --time-limit 60

Scenarios come from `generate_scenario(people, seed, regions=R)` (`trellis generate --regions`:
each organisation in one region, about one opportunity in ten remote). Both runs get the same
time limit and one solver thread; the parts run in this process one after another (`--parts-only`
skips the single-process run). Prints objective, bound (every eligible pair), gap and wall
seconds of each, and the ratio of objectives. Not a test.
"""

from __future__ import annotations

import argparse
import json
import time

from optimiser.distributed import solve_plan_in_parts
from optimiser.matching import solve_plan
from planner.domain import Policy
from planner.generate import generate_scenario


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--regions", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--parts-only", action="store_true")
    args = parser.parse_args()
    scenario = generate_scenario(args.people, args.seed, regions=args.regions)
    scenario = scenario.model_copy(update={"policy": Policy(time_limit_s=args.time_limit, workers=1, random_seed=0)})
    rows = []
    runs = [("parts", solve_plan_in_parts)] + ([] if args.parts_only else [("single process", solve_plan)])
    for name, solve in runs:
        started = time.perf_counter()
        plan = solve(scenario)
        rows.append((name, plan, time.perf_counter() - started))
    remote = sum(o.remote for o in scenario.opportunities) / max(1, len(scenario.opportunities))
    print(f"{args.people:,} people, {args.regions} regions, {remote:.0%} of opportunities remote, "
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
