"""National scale on Ray: matching and crisis redeployment of a country's public services, in parts.

    .venv/bin/python -m bench.bench_national                          # 100,000 people, 7 regions, local Ray
    .venv/bin/python -m bench.bench_national --people 1000000 --regions 7 --time-limit 1200
    .venv/bin/python -m bench.bench_national --ray-address 10.0.0.5:6379   # on a Ray cluster
    .venv/bin/python -m bench.bench_national --compare                # 100,000: one process vs Ray parts
    .venv/bin/python -m bench.bench_national --scenario DIR           # a scenario of your own (CSV folder)

The national scenario (not timed) is `planner.generate.generate_scenario(people, seed, crisis=True,
regions=R)`, what `trellis generate --people N --regions R --crisis` writes: each region has its own
councils, trusts and forces, about one opportunity in ten is remote (open to every region), the
rest open to their own region only. Then, on a Ray started on this machine (or the cluster at
`--ray-address`):

- matching: `optimiser.distributed.solve_plan_in_parts(scenario, run_parts=ray_runner(...))`;
- crisis redeployment: `optimiser.distributed.crisis.redeploy_in_parts(scenario, run_parts=...)`,
  one part per region (exact: its bound is the sum of the parts' bounds).

For each it prints people, parts, Ray nodes used, wall seconds, peak memory (this process and
every process it started, Ray's workers and object store on this machine included, sampled from
/proc every 0.2 s; on a cluster, the other machines' memory is not counted; a one-process run
counts this process alone), objective, bound and gap.

`--compare` (default 100,000 people) also solves each problem in one process (`solve_plan`,
`redeploy`) with the same time limit and prints the ratio of the Ray decomposition's objective to
the single process's. Not a test: it prints tables.
"""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from pathlib import Path


def _fmt(value, spec=",.0f"):
    return "-" if value is None else format(value, spec)


def national_scenario(people: int, regions: int, seed: int):
    """The national scenario `trellis generate --people N --regions R --crisis` writes."""
    from planner.generate import generate_scenario

    return generate_scenario(people, seed, crisis=True, regions=regions)


class PeakMemory:
    """Peak resident memory of this process and (with `tree`) all its descendants: Ray's workers
    and object store when Ray runs on this machine (Linux /proc), sampled."""

    def __init__(self, tree: bool = True, every_s: float = 0.2):
        self.tree, self.every_s, self.peak, self._stop = tree, every_s, 0, threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _tree_rss(os.getpid(), self.tree))

    def _watch(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid(), self.tree))
            self._stop.wait(self.every_s)


def _tree_rss(root: int, tree: bool = True) -> int:
    """Bytes resident in `root` and (with `tree`) every process descending from it."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, []) if tree else []
    return total


def run_matching(scenario, time_limit: float, runner) -> dict:
    from optimiser.distributed import solve_plan_in_parts
    from optimiser.matching import solve_plan

    policy = scenario.policy.model_copy(update={"time_limit_s": time_limit})

    def say(event) -> None:  # each phase as it happens, with this process's memory, to find a peak
        if event.source != "tick":
            print(f"  {event.seconds:7.1f} s  {event.phase or '':12} {event.source:40.40} "
                  f"this process {_tree_rss(os.getpid(), False) / 1e9:.2f} GB", flush=True)

    with PeakMemory(tree=runner is not None) as memory:
        t = time.perf_counter()
        plan = (solve_plan(scenario, policy) if runner is None
                else solve_plan_in_parts(scenario, policy, run_parts=runner, on_progress=say))
        seconds = time.perf_counter() - t
    print("  stats: " + json.dumps({k: v for k, v in plan.stats.items() if k not in ("parts", "progress")},
                                   default=str), flush=True)
    for part in plan.stats.get("parts", []):
        print(f"  part {part['name']}: {part['people']:,} people, {part['status']}, {part['method']}, "
              f"{part['seconds']} s, objective {_fmt(part['objective'])}, bound {_fmt(part['bound'])}", flush=True)
    where = runner.summary() if runner is not None else {"parts": [], "nodes": 0}
    return {"task": "matching", "engine": "ray" if runner else "single", "people": len(scenario.people),
            # Ray ran each part twice (its plan, then its pairs across parts): count parts, not tasks
            "parts": len(plan.stats.get("parts", [])) or 1, "nodes": where["nodes"], "seconds": seconds,
            "peak_gb": memory.peak / 1e9, "objective": plan.objective, "bound": plan.best_bound, "gap": plan.gap, "status": plan.status,
            "how": plan.stats.get("engine", plan.stats.get("method", ""))}


def run_redeploy(scenario, time_limit: float, runner) -> dict:
    from optimiser.distributed.crisis import redeploy_in_parts
    from optimiser.redeploy import redeploy

    with PeakMemory(tree=runner is not None) as memory:
        t = time.perf_counter()
        result = (redeploy(scenario, time_limit_s=time_limit) if runner is None
                  else redeploy_in_parts(scenario, run_parts=runner, time_limit_s=time_limit))
        seconds = time.perf_counter() - t
    nodes = len({p.get("node_id") for p in result.parts if p.get("node_id")})
    return {"task": "redeploy", "engine": "ray" if runner else "single", "people": len(scenario.people),
            "parts": len(result.parts) or 1, "nodes": nodes, "seconds": seconds, "peak_gb": memory.peak / 1e9,
            "objective": result.objective, "bound": result.bound, "gap": result.gap, "status": result.status,
            "how": result.method}


def _table(rows: list[dict]) -> None:
    print("| task | engine | people | parts | Ray nodes | wall s | peak memory GB | objective | bound | gap | status |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        gap = "-" if r["gap"] is None else f"{100 * r['gap']:.3f}%"
        print(f"| {r['task']} | {r['engine']} | {r['people']:,} | {r['parts']} | {r['nodes']} | {r['seconds']:.1f} | "
              f"{r['peak_gb']:.2f} | {_fmt(r['objective'])} | {_fmt(r['bound'])} | {gap} | {r['status']} |")
    for r in rows:
        print(f"  {r['task']} ({r['engine']}): {r['how']}")


def main() -> None:
    from optimiser.distributed.ray_runner import ray_runner

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--regions", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=120.0, help="seconds per solve")
    parser.add_argument("--ray-address", default=os.environ.get("RAY_ADDRESS"),
                        help="host:port of a Ray cluster's head (default RAY_ADDRESS, else a local Ray)")
    parser.add_argument("--scenario", type=Path, default=None, help="read this scenario instead of generating one")
    parser.add_argument("--compare", action="store_true", help="also solve in one process; print the objective ratio")
    parser.add_argument("--only", choices=("matching", "redeploy"), default=None)
    args = parser.parse_args()

    t = time.perf_counter()
    if args.scenario is not None:
        from planner.scenario_io import read_scenario

        scenario = read_scenario(args.scenario).scenario
    else:
        scenario = national_scenario(args.people, args.regions, args.seed)
    print(f"scenario: {len(scenario.people):,} people, {len(scenario.teams):,} teams, "
          f"{len({t.region for t in scenario.teams})} regions, {len(scenario.opportunities):,} opportunities, "
          f"{sum(d.count for d in scenario.demand):,} demand units ({time.perf_counter() - t:.1f} s, not timed)",
          flush=True)
    runner = ray_runner(args.ray_address)
    print(f"Ray: {args.ray_address or 'local'}, {runner.slots} part(s) at once; load average "
          f"{os.getloadavg()[0]:.1f}", flush=True)
    tasks = [("matching", run_matching), ("redeploy", run_redeploy)]
    rows = []
    for name, run in tasks:
        if args.only and args.only != name:
            continue
        rows.append(run(scenario, args.time_limit, runner))
        print(f"done {name} on Ray", flush=True)
        if args.compare:
            rows.append(run(scenario, args.time_limit, None))
            print(f"done {name} in one process", flush=True)
    print()
    _table(rows)
    if args.compare:
        print("\n| task | Ray decomposition objective / single process objective |")
        print("|---|---:|")
        for name, _ in tasks:
            ray_row = next((r for r in rows if r["task"] == name and r["engine"] == "ray"), None)
            one = next((r for r in rows if r["task"] == name and r["engine"] == "single"), None)
            if ray_row and one and one["objective"]:
                print(f"| {name} | {ray_row['objective'] / one['objective']:.4f} |")


if __name__ == "__main__":
    main()
