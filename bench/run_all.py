"""Run every Trellis benchmark in turn with its default sizes (`make bench`).

Each benchmark is its own module and prints its own table; this only runs them one after the
other, so none of them shares the 2 cores with another. Expect about half an hour in all."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = [
    "bench.generate_scale",
    "bench.bench_read_scenario",
    "bench.bench_import",
    "bench.bench_matching",
    "bench.bench_distributed",
    "bench.bench_redeploy",
    "bench.bench_pathways",
    "bench.bench_web",
]


def main() -> int:
    failed = []
    for module in sys.argv[1:] or BENCHMARKS:
        print(f"\n=== {module} ===", flush=True)
        if subprocess.call([sys.executable, "-m", module]) != 0:
            failed.append(module)
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
