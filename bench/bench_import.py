"""Benchmark `trellis import` on a generated 100,000-person scenario.

    .venv/bin/python -m bench.bench_import                      # SQLite
    .venv/bin/python -m bench.bench_import --postgres-url URL   # SQLite and PostgreSQL
    bash scripts/with-postgres.sh .venv/bin/python -m bench.bench_import --postgres

Generates the scenario once (`planner.generate.generate_scenario`, written as a CSV folder and
reused on later runs), then runs `trellis import` as a separate process, `--repeat` times per
case, and reports the median wall time (read + validate + write), the part spent reading and
validating, and the process's peak resident memory (from `os.wait4`). Cases: importing into an
empty database, and importing again over the stored 100,000 people (the usual re-import).
Each PostgreSQL run uses its own schema, dropped afterwards. Not a test: it prints a table.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from planner.store.testing import postgres_test_url, schema_url

TARGET_SECONDS = 20.0
TARGET_RSS_MB = 2048.0
CLI = "from planner.cli import main; main()"
REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass
class Run:
    seconds: float
    read_seconds: float
    cpu_seconds: float
    peak_rss_mb: float


def scenario_folder(people: int, seed: int, cache: Path) -> Path:
    """The generated scenario as a CSV folder, made once (in a child process, so this process
    stays small: a child's peak RSS starts from its parent's size at fork) and reused."""
    folder = cache / f"scenario-{people}-seed{seed}"
    if not (folder / "people.csv").is_file():
        subprocess.run([sys.executable, "-m", "bench.bench_import", "--generate-only", "--people", str(people),
                        "--seed", str(seed), "--cache", str(cache)], check=True, cwd=REPOSITORY)
    return folder


def generate_folder(people: int, seed: int, folder: Path) -> None:
    from planner.generate import generate_scenario
    from planner.scenario_io import write_scenario_csv

    started = time.perf_counter()
    scenario = generate_scenario(people, seed=seed)
    partial = folder.with_name(folder.name + ".partial")
    write_scenario_csv(scenario, partial)
    partial.rename(folder)
    print(f"generated {people} people in {time.perf_counter() - started:.1f} s -> {folder}")


def run_import(folder: Path, url: str) -> Run:
    """One `trellis import` in its own process: wall time, the reading time it reports, and its
    own peak RSS (reaped with os.wait4, so earlier children do not count)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", CLI, "import", str(folder), "--database-url", url],
                                   stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        output = out.read()
        if process.returncode != 0:
            err.seek(0)
            raise SystemExit(f"trellis import failed ({process.returncode}):\n{output}\n{err.read()}")
    match = re.search(r"read and checked in ([0-9.]+) s", output)
    # ru_maxrss is in kilobytes on Linux.
    return Run(seconds, float(match.group(1)) if match else float("nan"),
               usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


class SqliteTarget:
    name = "SQLite"

    def __init__(self, workdir: Path):
        self.workdir = workdir

    def fresh(self) -> str:
        path = self.workdir / f"bench-{uuid.uuid4().hex[:8]}.sqlite3"
        return f"sqlite:///{path}"

    def drop(self, url: str) -> None:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)


class PostgresTarget:
    name = "PostgreSQL"

    def __init__(self, url: str):
        self.url = url
        self.admin = create_engine(url, isolation_level="AUTOCOMMIT")

    def fresh(self) -> str:
        schema = f"trellis_bench_{uuid.uuid4().hex[:8]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        return schema_url(self.url, schema)

    def drop(self, url: str) -> None:
        schema = re.search(r"search_path%3D(\w+)|search_path=(\w+)", url)
        name = schema.group(1) or schema.group(2)
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))


def measure(target, folder: Path, repeat: int) -> dict[str, list[Run]]:
    """`repeat` runs of: import into an empty database, then import again over it."""
    results: dict[str, list[Run]] = {"empty database": [], "re-import over 100k": []}
    for _ in range(repeat):
        url = target.fresh()
        try:
            results["empty database"].append(run_import(folder, url))
            results["re-import over 100k"].append(run_import(folder, url))
        finally:
            target.drop(url)
    return results


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def print_table(rows: list[tuple[str, str, list[Run]]], people: int) -> None:
    print()
    print(f"trellis import, {people:,} people (median of {len(rows[0][2])} runs; min-max in brackets)")
    print()
    print("| database | case | total s | read + validate s | write s | CPU s | peak RSS MB |")
    print("|---|---|---|---|---|---|---|")
    for backend, case, runs in rows:
        total = [r.seconds for r in runs]
        read = [r.read_seconds for r in runs]
        write = [r.seconds - r.read_seconds for r in runs]
        rss = [r.peak_rss_mb for r in runs]
        cpu = [r.cpu_seconds for r in runs]
        print(f"| {backend} | {case} | {statistics.median(total):.1f} ({min(total):.1f}-{max(total):.1f}) "
              f"| {statistics.median(read):.1f} | {statistics.median(write):.1f} | {statistics.median(cpu):.1f} "
              f"| {statistics.median(rss):.0f} ({min(rss):.0f}-{max(rss):.0f}) |")
    print()
    worst_total = max(statistics.median([r.seconds for r in runs]) for _b, _c, runs in rows)
    worst_rss = max(max(r.peak_rss_mb for r in runs) for _b, _c, runs in rows)
    print(f"targets: total under {TARGET_SECONDS:.0f} s -> {'met' if worst_total < TARGET_SECONDS else 'NOT met'}"
          f" (worst median {worst_total:.1f} s); peak RSS under {TARGET_RSS_MB:.0f} MB -> "
          f"{'met' if worst_rss < TARGET_RSS_MB else 'NOT met'} (worst {worst_rss:.0f} MB)")
    print("'write s' = total minus read + validate: process start-up, schema check, delete and insert, commit.")
    print("'CPU s' = user + system CPU of the trellis process (PostgreSQL's own server CPU not included);")
    print("on a busy machine it shows what the wall time would be without contention.")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "trellis-bench",
                        help="where the generated scenario is kept between runs")
    parser.add_argument("--postgres-url", default=None, help="also measure on this PostgreSQL database")
    parser.add_argument("--postgres", action="store_true",
                        help="also measure on TRELLIS_TEST_POSTGRES_URL (scripts/with-postgres.sh sets it)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip SQLite")
    parser.add_argument("--generate-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate_only:
        generate_folder(args.people, args.seed, args.cache / f"scenario-{args.people}-seed{args.seed}")
        return

    args.cache.mkdir(parents=True, exist_ok=True)
    folder = scenario_folder(args.people, args.seed, args.cache)
    print(f"load average before: {load_average()} ({os.cpu_count()} CPUs)")
    rows = []
    targets = [] if args.no_sqlite else [SqliteTarget(args.cache)]
    postgres_url = args.postgres_url or (postgres_test_url() if args.postgres else None)
    if args.postgres and not postgres_url:
        raise SystemExit("--postgres needs TRELLIS_TEST_POSTGRES_URL: run through scripts/with-postgres.sh")
    if postgres_url:
        targets.append(PostgresTarget(postgres_url))
    for target in targets:
        for case, runs in measure(target, folder, args.repeat).items():
            rows.append((target.name, case, runs))
            print(f"  {target.name}, {case}: "
                  + ", ".join(f"{r.seconds:.1f} s ({r.cpu_seconds:.1f} s CPU)/{r.peak_rss_mb:.0f} MB" for r in runs))
    print(f"load average after: {load_average()}")
    print_table(rows, args.people)


if __name__ == "__main__":
    main()
