"""Page latency of My pathways and the marketplace under concurrent staff users, on loopback.

Imports the bundled sample (data/sample, ~600 people) into a throw-away SQLite store, creates one
staff account per simulated user (each linked to a different person), starts `trellis serve`
(waitress, production mode) in a child process on a free loopback port, and lets N users (threads
with their own cookie jar) sign in and then alternate between their own My pathways page and a
marketplace query for a fixed number of rounds. Prints p50/p95/max per page and counts 5xx.

    .venv/bin/python -m bench.bench_web                 # 20 users x 25 rounds
    .venv/bin/python -m bench.bench_web --users 50 --rounds 10

Traffic goes only to 127.0.0.1; every loop is bounded in count and each request in time.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
REQUEST_TIMEOUT_S = 30
MARKET_QUERIES = ["", "?kind=project", "?eligible=1", "?skill={skill}", "?kind=secondment&eligible=1", "?page=2"]


def prepare_store(url: str, users: int) -> tuple[list[tuple[str, str, str]], list[str]]:
    """Import the sample and add `users` staff accounts; returns (name, password, person) and the
    skill ids (for marketplace filters)."""
    from planner import store
    from planner.scenario_io import read_scenario
    from web.auth import create_account

    scenario = read_scenario(SAMPLE).scenario
    engine = store.make_engine(url)
    store.upgrade(engine)
    store.save_scenario(engine, scenario, actor="bench")
    people = [p for p in scenario.people if p.available][:users]
    accounts = []
    for i, person in enumerate(people):
        name, password = f"bench-staff-{i:02d}", secrets.token_urlsafe(12)
        create_account(engine, name, password, "staff", person_id=person.person_id, actor="bench")
        accounts.append((name, password, person.person_id))
    engine.dispose()
    return accounts, sorted(scenario.skill_ids())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(base: str, deadline_s: float = 60) -> None:
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(f"{base}/login", timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise RuntimeError(f"the server at {base} did not start within {deadline_s:.0f} s")


class User:
    """One simulated member of staff with their own session cookie."""

    def __init__(self, base: str, name: str, password: str, person_id: str):
        self.base, self.name, self.password, self.person_id = base, name, password, person_id
        jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def get(self, path: str) -> tuple[int, float, bytes]:
        started = time.perf_counter()
        try:
            with self.opener.open(self.base + path, timeout=REQUEST_TIMEOUT_S) as response:
                body = response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            body, status = error.read(), error.code
        return status, time.perf_counter() - started, body

    def sign_in(self) -> None:
        status, _, body = self.get("/login")
        token = re.search(rb'name="csrf_token" value="([^"]+)"', body).group(1).decode()
        data = urllib.parse.urlencode({"csrf_token": token, "username": self.name, "password": self.password}).encode()
        with self.opener.open(self.base + "/login", data=data, timeout=REQUEST_TIMEOUT_S) as response:
            if "/pathways" not in response.url:
                raise RuntimeError(f"{self.name} could not sign in (landed on {response.url})")


def signed_in_users(base: str, accounts) -> list[User]:
    users = [User(base, *account) for account in accounts]
    for user in users:
        user.sign_in()
    return users


def run_users(users: list[User], skills: list[str], rounds: int) -> dict[str, list]:
    """Every user starts together, then alternates between their pathways and a marketplace query."""
    results: dict[str, list] = {"My pathways": [], "Marketplace": []}
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(users))

    def work(i: int, user: User) -> None:
        barrier.wait()
        for r in range(rounds):
            query = MARKET_QUERIES[(i + r) % len(MARKET_QUERIES)].format(skill=skills[(i + r) % len(skills)])
            for page, path in (("My pathways", f"/people/{user.person_id}/pathways"), ("Marketplace", f"/marketplace{query}")):
                status, seconds, _ = user.get(path)
                with lock:
                    results[page].append((status, seconds))
                    if status != 200:
                        errors.append(f"{status} {path}")

    threads = [threading.Thread(target=work, args=(i, u)) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        print(f"non-200 responses: {len(errors)}, e.g. {errors[:3]}", file=sys.stderr)
    return results


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) a process has used so far, from /proc (None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=25, help="requests per page per user")
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="trellis-bench-web-") as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        accounts, skills = prepare_store(url, args.users)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "TRELLIS_DATABASE_URL": url}
        server = subprocess.Popen(
            [sys.executable, "-c", "from planner.cli import main; main()", "serve", "--port", str(port), "--threads", str(args.threads)],
            env=env, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        try:
            wait_until_up(base)
            # Warm-up: one request per page builds the scenario cache and pathway index once.
            warm = User(base, *accounts[0])
            warm.sign_in()
            warm.get(f"/people/{accounts[0][2]}/pathways")
            warm.get("/marketplace")
            users = signed_in_users(base, accounts)  # Argon2 checks happen here, outside the timing
            cpu_before = cpu_seconds(server.pid)
            started = time.perf_counter()
            results = run_users(users, skills, args.rounds)
            wall = time.perf_counter() - started
            cpu_after = cpu_seconds(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)

    total = sum(len(v) for v in results.values())
    print(f"{args.users} concurrent staff users x {args.rounds} rounds on loopback, waitress {args.threads} threads, "
          f"sample scenario; {total} requests in {wall:.1f} s ({total / wall:.0f} req/s)")
    if cpu_before is not None and cpu_after is not None:
        print(f"server CPU time per request (load-independent): {(cpu_after - cpu_before) / total * 1000:.1f} ms; "
              f"load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print("| page | requests | p50 ms | p95 ms | max ms | 5xx |")
    print("|---|---:|---:|---:|---:|---:|")
    for page, samples in results.items():
        seconds = [s for _, s in samples]
        fives = sum(1 for status, _ in samples if status >= 500)
        print(f"| {page} | {len(samples)} | {statistics.median(seconds) * 1000:.0f} | "
              f"{percentile(seconds, 95) * 1000:.0f} | {max(seconds) * 1000:.0f} | {fives} |")


if __name__ == "__main__":
    main()
