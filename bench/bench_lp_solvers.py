"""The LP back ends side by side on the pruned matching LP (the model `trellis plan` solves).

    .venv/bin/python -m bench.bench_lp_solvers                      # 10,000 and 50,000 people
    .venv/bin/python -m bench.bench_lp_solvers --sizes 10000 --solvers glop,highs-ipm
    .venv/bin/python -m bench.bench_lp_solvers --scenario big/       # a scenario folder
    .venv/bin/python -m bench.bench_lp_solvers --sizes 10000 --keep 3  # prune 10,000 people too

For each size it builds the model `solve_plan` builds (each person's best pairs when pruned,
every rule's rows, the default policy of the generated scenario), then solves its LP relaxation
with each back end under the same time limit: GLOP (OR-Tools dual simplex), HiGHS dual simplex and
interior point (scipy.optimize.linprog), and PDLP (OR-Tools' first-order method). It reports the
status, objective, wall seconds (with the load average, because the machine may be shared) and
the whole-problem bound that the back end's duals give (`optimiser.pricing`): a back end whose
duals are loose gives a weaker bound even when its objective is right. Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import os
import time


def run(scenario, solvers: list[str], time_limit: float, keep: int | None = None) -> list[dict]:
    from optimiser.lp_bound import lp_bound
    from optimiser.model import model_and_eligible_pairs
    from optimiser.pricing import price_all_pairs
    from optimiser.rules import build_rows

    data, eligible = model_and_eligible_pairs(scenario, scenario.policy, keep_per_person=keep,
                                              prune_from=0 if keep else None)
    rows = build_rows(data)
    out = []
    for name in solvers:
        load = os.getloadavg()[0]
        t = time.perf_counter()
        lp = lp_bound(data, rows, time_limit, solver=name)
        seconds = time.perf_counter() - t
        whole = None
        if lp.duals is not None:
            priced = price_all_pairs(data, rows, lp.duals, eligible)
            whole = priced.bound if priced is not None else None
        out.append({"solver": name, "status": lp.status, "objective": lp.objective, "seconds": seconds,
                    "load": load, "whole": whole, "pairs": eligible.n_pairs, "model_pairs": data.n_pairs})
    return out


def main() -> None:
    from planner.generate import generate_scenario
    from planner.scenario_io import read_scenario

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,50000")
    parser.add_argument("--scenario", default=None, help="a scenario folder instead of generated sizes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--solvers", default="glop,highs,highs-ipm,pdlp")
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--keep", type=int, default=None,
                        help="prune to each person's KEEP best pairs whatever the size (default: as solve_plan)")
    args = parser.parse_args()
    solvers = args.solvers.split(",")
    cases = ([(args.scenario, read_scenario(args.scenario).scenario)] if args.scenario else
             [(f"{int(s):,} people", generate_scenario(int(s), args.seed)) for s in args.sizes.split(",")])
    print("| scenario | eligible pairs (in LP) | solver | status | LP objective | whole-problem bound "
          "from its duals | seconds | load avg |")
    print("|---|---:|---|---|---:|---:|---:|---:|")
    for label, scenario in cases:
        for r in run(scenario, solvers, args.time_limit, args.keep):
            obj = "-" if r["objective"] is None else f"{r['objective']:,.0f}"
            whole = "-" if r["whole"] is None else f"{r['whole']:,.0f}"
            print(f"| {label} | {r['pairs']:,} ({r['model_pairs']:,}) | {r['solver']} | {r['status']} | {obj} | "
                  f"{whole} | {r['seconds']:.1f} | {r['load']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
