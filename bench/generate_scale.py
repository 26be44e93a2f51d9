"""How fast the seeded generator is, and how many eligible pairs its scenarios hold.

    .venv/bin/python -m bench.generate_scale            # 600, 2,000, 10,000 and 100,000 people
    .venv/bin/python -m bench.generate_scale 10000 --runs 5

For each size: teams, opportunities, the median wall-clock time of `generate_scenario` over the
runs (seeds 1..runs) with its CPU time (what an idle core would take: the wall time grows when
other work shares the machine), and the person-opportunity pairs that pass contract rules 1-4 (available,
not the host team, required skills held, grade bounds, practice time) with stretch 0 and 1,
counted on the first seed's scenario.
"""

from __future__ import annotations

import argparse
import statistics
import time

from planner.generate import eligible_pair_count, generate_scenario

DEFAULT_SIZES = (600, 2_000, 10_000, 100_000)


def measure(people: int, runs: int) -> dict:
    seconds, cpu = [], []
    first = None
    for seed in range(1, runs + 1):
        started, cpu_started = time.perf_counter(), time.process_time()
        scenario = generate_scenario(people, seed)
        seconds.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
        if first is None:
            first = scenario
        del scenario
    started = time.perf_counter()
    pairs = eligible_pair_count(first)
    count_seconds = time.perf_counter() - started
    stretched = eligible_pair_count(first, stretch_levels=1)
    return dict(
        people=people, teams=len(first.teams), opportunities=len(first.opportunities),
        median_s=statistics.median(seconds), median_cpu_s=statistics.median(cpu), runs=runs, pairs=pairs, stretched=stretched,
        count_s=count_seconds,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=list(DEFAULT_SIZES))
    parser.add_argument("--runs", type=int, default=3, help="generations per size (median reported)")
    args = parser.parse_args()
    header = (f"{'people':>8} {'teams':>6} {'opps':>6} {'wall s (median)':>16} {'cpu s':>7} "
              f"{'eligible pairs':>15} {'per person':>10} {'stretch 1':>11}")
    print(header)
    print("-" * len(header))
    for people in args.sizes:
        r = measure(people, args.runs)
        print(f"{r['people']:>8,} {r['teams']:>6,} {r['opportunities']:>6,} "
              f"{r['median_s']:>10.2f} (n={r['runs']}) {r['median_cpu_s']:>7.2f} {r['pairs']:>15,} "
              f"{r['pairs'] / r['people']:>10.1f} {r['stretched']:>11,}", flush=True)


if __name__ == "__main__":
    main()
