"""How fast a scenario is read and fully checked, from a CSV folder, scenario.json and a workbook.

    .venv/bin/python -m bench.bench_read_scenario                 # 100,000 people (CSV, JSON), 10,000 (xlsx)
    .venv/bin/python -m bench.bench_read_scenario --people 20000 --runs 5

The scenario is `planner.generate.generate_scenario(people, seed=1)`, written once with the
scenario writers into a temporary folder. Each read is `planner.scenario_io.read_scenario`: decode,
parse every cell, validate every row with the domain models, check every reference, compute the
warnings. Reports the median wall time and CPU time over the runs (CPU time is what an idle
core would take; wall time grows when other work shares the machine). Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from planner.generate import generate_scenario
from planner.scenario_io import read_scenario, write_scenario_csv, write_scenario_json, write_scenario_xlsx


def timed_reads(path: Path, runs: int) -> tuple[float, float, dict]:
    walls, cpus = [], []
    counts = {}
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), time.process_time()
        counts = read_scenario(path).counts
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu_started)
    return statistics.median(walls), statistics.median(cpus), counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--xlsx-people", type=int, default=10_000, help="workbooks are slower to parse")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="trellis-bench-") as tmp:
        folder = Path(tmp)
        big = generate_scenario(args.people, seed=1)
        write_scenario_csv(big, folder / "csv")
        write_scenario_json(big, folder / "scenario.json")
        del big
        write_scenario_xlsx(generate_scenario(args.xlsx_people, seed=1), folder / "scenario.xlsx")
        header = f"{'source':<16} {'people':>8} {'opps':>7} {'wall s (median)':>16} {'cpu s':>7}"
        print(header)
        print("-" * len(header))
        for label, path in (("CSV folder", folder / "csv"), ("scenario.json", folder / "scenario.json"),
                            ("xlsx workbook", folder / "scenario.xlsx")):
            wall, cpu, counts = timed_reads(path, args.runs)
            print(f"{label:<16} {counts['people.csv']:>8,} {counts.get('opportunities.csv', 0):>7,} "
                  f"{wall:>10.2f} (n={args.runs}) {cpu:>7.2f}", flush=True)


if __name__ == "__main__":
    main()
