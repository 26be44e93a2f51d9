"""Benchmark pathways for one person on a generated 10,000-person scenario.

    .venv/bin/python -m bench.bench_pathways
    .venv/bin/python -m bench.bench_pathways --people 10000 --seed 1 --sample 300 --max-steps 3

Generates the scenario in memory (`planner.generate.generate_scenario`), builds the shared
`PathwayIndex` once (what every person's request reuses), then times `pathways_for` for a random
sample of people, one request at a time, in three cases: no target (aspirations), a `role` target
(a role of the person's profession, when there is one, else any role) and a two-skill target.
Wall-clock times are what a person waits; CPU times (this process only) show the work itself
when the machine is shared. Also times `organisation_network` without a plan. Aim: median under 100 ms and 95th percentile
under 250 ms per person on a 2-core machine. Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

TARGET_MEDIAN_MS = 100.0
TARGET_P95_MS = 250.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sample", type=int, default=300, help="people timed per case")
    parser.add_argument("--max-steps", type=int, default=3)
    args = parser.parse_args()

    from planner.generate import generate_scenario
    from planner.network import organisation_network
    from planner.pathways import PathwayIndex

    started = time.perf_counter()
    scenario = generate_scenario(args.people, seed=args.seed)
    generate_s = time.perf_counter() - started
    started = time.perf_counter()
    index = PathwayIndex(scenario)
    index_s = time.perf_counter() - started

    rng = random.Random(args.seed)
    people = rng.sample(list(scenario.people), min(args.sample, len(scenario.people)))
    roles = [o for o in scenario.opportunities if o.kind.value == "role"]
    skills = sorted(scenario.skill_ids())

    def role_target(person) -> str | None:
        own = [o for o in roles if o.profession == person.profession]
        pool = own or roles
        return rng.choice(pool).opportunity_id if pool else None

    def skill_target(person) -> str:
        return ";".join(f"{s}:{rng.randint(3, 5)}" for s in rng.sample(skills, 2))

    cases = {
        "no target (aspirations)": lambda p: None,
        "role target": role_target,
        "two-skill target": skill_target,
    }
    rows = []
    for name, make_target in cases.items():
        times, cpu, counts = [], [], []
        for person in people:
            target = make_target(person)
            t0, c0 = time.perf_counter(), time.process_time()
            result = index.pathways_for(person.person_id, target=target, max_steps=args.max_steps)
            cpu.append((time.process_time() - c0) * 1000)
            times.append((time.perf_counter() - t0) * 1000)
            counts.append(len(result.pathways))
        rows.append((name, statistics.median(times), percentile(times, 0.95), max(times),
                     statistics.median(cpu), percentile(cpu, 0.95), statistics.mean(counts)))

    started = time.perf_counter()
    organisation_network(scenario)
    network_s = time.perf_counter() - started

    print(
        f"Pathways: {len(scenario.people)} people, {len(scenario.opportunities)} opportunities, "
        f"{len(scenario.teams)} teams; max {args.max_steps} steps; {len(people)} people timed per case"
    )
    print(f"generate scenario {generate_s:.2f} s | build shared PathwayIndex {index_s * 1000:.0f} ms (once)")
    print()
    print("| case | median ms | p95 ms | max ms | CPU median ms | CPU p95 ms | pathways per person |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, med, p95, worst, cpu_med, cpu_p95, count in rows:
        print(f"| {name} | {med:.1f} | {p95:.1f} | {worst:.1f} | {cpu_med:.1f} | {cpu_p95:.1f} | {count:.1f} |")
    print()
    print(f"organisation_network without a plan: {network_s:.2f} s")
    ok = all(row[1] < TARGET_MEDIAN_MS and row[2] < TARGET_P95_MS for row in rows)
    verdict = "meets" if ok else "MISSES"
    print(f"{verdict} the aim: median < {TARGET_MEDIAN_MS:.0f} ms and p95 < {TARGET_P95_MS:.0f} ms in every case")


if __name__ == "__main__":
    main()
