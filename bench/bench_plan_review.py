"""Size and latency of the HR plan review page for a plan of a large generated scenario.

Generates a scenario (default 10,000 people, seed 1), imports it into a throw-away SQLite store,
solves a plan with a short time limit (real solver, one worker), saves it as version 1, signs an
HR account in through the Flask test client and fetches the plan page in the states a reviewer
uses (first page, sorted, searched, filtered, last page). Prints bytes, rows and the median of
five fetches per state (after one warm-up that loads the scenario cache).

    .venv/bin/python -m bench.bench_plan_review                 # 10,000 people, 10 s solve
    .venv/bin/python -m bench.bench_plan_review --people 3000 --time-limit 5

Nothing leaves the machine: the app runs in-process with the test client.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path

PASSWORD = "bench password for the plan review"
ROW = re.compile(r'<tr id="row-[^"]+" class="hr-row ')


def prepare_store(url: str, people: int, seed: int, time_limit: float) -> tuple[int, int, int]:
    """Generate, import, solve and save; returns (plan id, placements, people left out)."""
    from optimiser.matching import solve_plan
    from planner import store
    from planner.generate import generate_scenario
    from web.auth import create_account

    scenario = generate_scenario(people, seed=seed)
    engine = store.make_engine(url)
    store.upgrade(engine)
    store.save_scenario(engine, scenario, actor="bench")
    create_account(engine, "bench-hr", PASSWORD, "hr", actor="bench")
    policy = scenario.policy.model_copy(update={"time_limit_s": time_limit, "workers": 1, "random_seed": 1})
    plan = solve_plan(scenario, policy)
    stored = store.save_plan(engine, "matching", plan, created_by="bench", policy=policy)
    engine.dispose()
    return stored.id, len(plan.placements), len(plan.unplaced)


def signed_in_client(url: str):
    from planner import store
    from web import create_app

    app = create_app({"TESTING": True, "ENGINE": store.make_engine(url), "SECRET_KEY": "b" * 40})
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"csrf_token": token, "username": "bench-hr", "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError("the bench account could not sign in")
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=10.0, help="solver seconds")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="trellis-bench-review-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        plan_id, placed, left_out = prepare_store(url, args.people, args.seed, args.time_limit)
        client = signed_in_client(url)
        base = f"/hr/plans/{plan_id}"
        client.get(base)  # warm-up: loads the scenario once per revision
        states = {"first page (50 rows)": base, "100 rows, by score": f"{base}?size=100&sort=score&dir=desc",
                  "search 'north'": f"{base}?q=north", "kind: secondment, waiting": f"{base}?kind=secondment&decided=undecided",
                  "page 9999 (the last)": f"{base}?page=9999&upage=9999"}
        print(f"{args.people:,} people (seed {args.seed}): {placed:,} placements, {left_out:,} asked but not placed; "
              f"median of {args.repeats} fetches through the Flask test client")
        print("| state | status | bytes | rows | median ms | max ms |")
        print("|---|---:|---:|---:|---:|---:|")
        for name, path in states.items():
            seconds, response = [], None
            for _ in range(args.repeats):
                started = time.perf_counter()
                response = client.get(path)
                seconds.append(time.perf_counter() - started)
            body = response.get_data(as_text=True)
            print(f"| {name} | {response.status_code} | {len(response.data):,} | {len(ROW.findall(body))} | "
                  f"{statistics.median(seconds) * 1000:.0f} | {max(seconds) * 1000:.0f} |")


if __name__ == "__main__":
    main()
