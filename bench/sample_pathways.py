"""How many people of a scenario have each kind of pathway (networked, developmental, ladder).

    .venv/bin/python -m bench.sample_pathways                 # the bundled sample, data/sample
    .venv/bin/python -m bench.sample_pathways path/to/scenario --max-steps 2

Asks `PathwayIndex(scenario).pathways_for(person_id, max_steps=...)` for every person and prints
how many have at least one pathway, one of each kind, and a ladder route among those below the
top grade of their profession in the scenario; then the eligible pairs (rules 1-4) and the
seconds the whole run took.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from planner.generate import eligible_pair_count
from planner.pathways import KINDS, PathwayIndex
from planner.scenario_io import read_scenario

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default=str(SAMPLE))
    parser.add_argument("--max-steps", type=int, default=3)
    args = parser.parse_args()
    scenario = read_scenario(args.scenario).scenario
    started = time.perf_counter()
    index = PathwayIndex(scenario)
    top: dict[str, int] = {}
    for p in scenario.people:
        top[p.profession] = max(top.get(p.profession, 0), p.grade)
    counts: Counter[str] = Counter()
    below = ladder_below = 0
    for p in scenario.people:
        kinds = {pathway.kind for pathway in index.pathways_for(p.person_id, max_steps=args.max_steps).pathways}
        counts["any pathway"] += bool(kinds)
        counts.update(kinds)
        if p.grade < top[p.profession]:
            below += 1
            ladder_below += "ladder" in kinds
    seconds = time.perf_counter() - started
    people = len(scenario.people)
    print(f"{people} people, {len(scenario.opportunities)} opportunities, up to {args.max_steps} steps")
    print(f"{'':<40} {'people':>7} {'share':>6}")
    for label in ("any pathway", *KINDS):
        print(f"{label:<40} {counts[label]:>7} {counts[label] / people:>6.0%}")
    print(f"{'ladder, of those below their top grade':<40} {ladder_below:>7} {ladder_below / max(1, below):>6.0%}"
          f"  (of {below})")
    print(f"eligible pairs (rules 1-4): {eligible_pair_count(scenario):,}; {seconds:.1f} s")


if __name__ == "__main__":
    main()
