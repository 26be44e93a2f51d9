"""An independent checker for crisis redeployment, and the tests that use it.

The checker knows nothing of `optimiser.redeploy`: it re-reads the scenario's CSV files and the
written redeploy.csv with the csv module, checks every rule of the contract
(`docs/scenario-format.md`, "Crisis redeployment") from its own reading of the text, and finds the
lexicographic optimum with its own model: one CP-SAT Boolean per (person, demand line), solved
priority by priority with the earlier priorities fixed (and, on tiny cases, by exhaustive search).
"""

from __future__ import annotations

import csv
import itertools
import json
import random
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from ortools.sat.python import cp_model

# ---------------------------------------------------------------------------------------------
# Reading the files (our own reading of the contract)
# ---------------------------------------------------------------------------------------------


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _levels(cell: str) -> dict[str, int]:
    out = {}
    for item in (cell or "").split(";"):
        if item.strip():
            skill, level = item.split(":")
            out[skill.strip()] = int(level)
    return out


@dataclass
class World:
    team_status: dict[str, str]
    team_org: dict[str, str]
    share: dict[str, float]
    min_staff: dict[str, int | None]
    critical: dict[str, list[tuple[str, int, int]]]
    person_team: dict[str, str]
    skills: dict[str, dict[str, int]]
    available: dict[str, bool]
    last_redeployed: dict[str, date | None]
    demand: list[tuple[str, str, int, int, int]]  # team, skill, level, count, priority
    rest_days: int
    policy_date: date | None
    team_region: dict[str, str]

    def headcount(self, team: str) -> int:
        return sum(1 for t in self.person_team.values() if t == team)

    def allowance(self, team: str) -> int:
        n = self.headcount(team)
        allowed = int(self.share[team] * n + 1e-9)
        if self.min_staff[team] is not None:
            allowed = min(allowed, max(0, n - self.min_staff[team]))
        return max(0, allowed)

    def same_region(self, from_team: str, to_team: str) -> bool:
        """Crisis moves stay within a region when both teams name one."""
        a, b = (" ".join(self.team_region[t].split()).casefold() for t in (from_team, to_team))
        return not a or not b or a == b

    def resting(self, person: str, plan_date: date) -> bool:
        last = self.last_redeployed[person]
        return last is not None and self.rest_days > 0 and (plan_date - last).days < self.rest_days


def read_world(folder: Path) -> World:
    teams = _rows(folder / "teams.csv")
    people = _rows(folder / "people.csv")
    demand = _rows(folder / "demand.csv") if (folder / "demand.csv").exists() else []
    policy = json.loads((folder / "policy.json").read_text()) if (folder / "policy.json").exists() else {}
    critical = {}
    for t in teams:
        items = []
        for item in (t.get("critical_skills") or "").split(";"):
            if item.strip():
                s, lv, c = item.split(":")
                items.append((s, int(lv), int(c)))
        critical[t["team_id"]] = items
    return World(
        team_status={t["team_id"]: (t.get("status") or "normal").strip() for t in teams},
        team_org={t["team_id"]: t["organisation"] for t in teams},
        share={t["team_id"]: float(t.get("max_release_share") or 0.2) for t in teams},
        min_staff={t["team_id"]: int(t["min_staff"]) if t.get("min_staff") else None for t in teams},
        critical=critical,
        person_team={p["person_id"]: p["team_id"] for p in people},
        skills={p["person_id"]: _levels(p.get("skills", "")) for p in people},
        available={p["person_id"]: (p.get("available") or "yes").strip().lower() != "no" for p in people},
        last_redeployed={
            p["person_id"]: date.fromisoformat(p["last_redeployed"]) if p.get("last_redeployed") else None for p in people
        },
        demand=[(d["team_id"], d["skill"], int(d["level"]), int(d["count"]), int(d["priority"])) for d in demand],
        rest_days=int(policy.get("rest_days", 28)),
        policy_date=date.fromisoformat(policy["plan_date"]) if policy.get("plan_date") else None,
        team_region={t["team_id"]: (t.get("region") or "").strip() for t in teams},
    )


def read_plan(path: Path) -> list[dict[str, str]]:
    rows = _rows(path)
    assert rows == [] or list(rows[0].keys())[:5] == ["person_id", "from_team_id", "to_team_id", "skill", "priority"]
    return rows


# ---------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------


def may_leave(w: World, person: str, plan_date: date, baseline_team: str | None, to_team: str | None) -> bool:
    team = w.person_team[person]
    if w.team_status[team] == "critical" or not w.available[person]:
        return False
    if w.resting(person, plan_date):
        return baseline_team is not None and baseline_team == to_team
    return True


def lines_fit(levels: list[int], lines: list[tuple[int, int]]) -> bool:
    """Can people with these levels fill distinct units of lines (level, count)? Hall's condition on
    nested sets: those below each threshold must fit in the units that ask for no more."""
    for threshold in sorted({lv for lv, _ in lines} | set(levels)):
        people_below = sum(1 for x in levels if x <= threshold)
        units_below = sum(c for lv, c in lines if lv <= threshold)
        if people_below > units_below:
            return False
    return all(any(lv <= x for lv, _ in lines) for x in levels)


def rule_violations(w: World, rows, plan_date: date, baseline: dict[str, str] | None = None) -> list[str]:
    """Every contract rule the plan breaks, in words."""
    problems = []
    seen = set()
    by_key: dict[tuple[str, str, int], list[int]] = {}
    moved_from: dict[str, list[str]] = {}
    for r in rows:
        p, frm, to, skill, prio = r["person_id"], r["from_team_id"], r["to_team_id"], r["skill"], int(r["priority"])
        if p not in w.person_team:
            problems.append(f"{p}: unknown person")
            continue
        if p in seen:
            problems.append(f"{p}: covers more than one unit")
        seen.add(p)
        if w.person_team[p] != frm:
            problems.append(f"{p}: from_team_id {frm} is not their team")
        if to == frm:
            problems.append(f"{p}: covers demand in their own team")
        if frm in w.team_region and to in w.team_region and not w.same_region(frm, to):
            problems.append(f"{p}: sent from region {w.team_region[frm]} to region {w.team_region[to]}")
        if not may_leave(w, p, plan_date, (baseline or {}).get(p), to):
            problems.append(f"{p}: may not be moved (critical team, unavailable or resting)")
        if w.skills[p].get(skill, 0) < 1:
            problems.append(f"{p}: does not hold {skill}")
        by_key.setdefault((to, skill, prio), []).append(w.skills[p].get(skill, 0))
        moved_from.setdefault(frm, []).append(p)
    for key, levels in by_key.items():
        lines = [(lv, c) for t, s, lv, c, pr in w.demand if (t, s, pr) == key]
        if not lines or not lines_fit(levels, lines):
            problems.append(f"{key}: people do not fit the demand lines (skill level or count)")
    for team, movers in moved_from.items():
        status = w.team_status[team]
        if status == "critical":
            problems.append(f"{team}: critical team released people")
        if status == "normal":
            if len(movers) > w.allowance(team):
                problems.append(f"{team}: released {len(movers)} > allowance {w.allowance(team)}")
            members = [p for p, t in w.person_team.items() if t == team]
            stay = set(members) - set(movers)
            for skill, level, count in w.critical[team]:
                holders = [p for p in members if w.skills[p].get(skill, 0) >= level]
                kept = [p for p in holders if p in stay]
                if len(kept) < min(count, len(holders)):
                    problems.append(f"{team}: keeps {len(kept)} holders of {skill}:{level}, needs {min(count, len(holders))}")
    return problems


def coverage(rows) -> dict[int, int]:
    out: dict[int, int] = {}
    for r in rows:
        out[int(r["priority"])] = out.get(int(r["priority"]), 0) + 1
    return out


# ---------------------------------------------------------------------------------------------
# Reference optimum: CP-SAT Booleans per (person, line), priority by priority
# ---------------------------------------------------------------------------------------------


def reference_optimum(w: World, plan_date: date, baseline: dict[str, str] | None = None) -> tuple[dict[int, int], int]:
    """(units covered per priority, previous redeployments kept) at the lexicographic optimum."""
    m = cp_model.CpModel()
    x = {}
    for p, team in w.person_team.items():
        for i, (t, s, lv, c, _pr) in enumerate(w.demand):
            if (c > 0 and t != team and w.same_region(team, t) and w.skills[p].get(s, 0) >= lv
                    and may_leave(w, p, plan_date, (baseline or {}).get(p), t)):
                x[p, i] = m.new_bool_var(f"x[{p},{i}]")
    for p in w.person_team:
        m.add_at_most_one(v for (q, _), v in x.items() if q == p)
    for i, (_, _, _, c, _) in enumerate(w.demand):
        m.add(sum(v for (_, j), v in x.items() if j == i) <= c)
    for team, status in w.team_status.items():
        if status != "normal":
            continue
        out = [v for (p, _), v in x.items() if w.person_team[p] == team]
        m.add(sum(out) <= w.allowance(team))
        members = [p for p, t in w.person_team.items() if t == team]
        for skill, level, count in w.critical[team]:
            holders = [p for p in members if w.skills[p].get(skill, 0) >= level]
            m.add(sum(v for (p, _), v in x.items() if p in holders) <= max(0, len(holders) - count))
    result = {}
    for prio in sorted({d[4] for d in w.demand}):
        expr = sum(v for (_, i), v in x.items() if w.demand[i][4] == prio)
        m.maximize(expr)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.random_seed = 1
        solver.parameters.max_time_in_seconds = 30
        assert solver.solve(m) == cp_model.OPTIMAL
        result[prio] = int(solver.objective_value)
        m.add(expr == result[prio])
    kept = 0
    if baseline:
        expr = sum(v for (p, i), v in x.items() if baseline.get(p) == w.demand[i][0])
        m.maximize(expr)
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        solver.parameters.max_time_in_seconds = 30
        assert solver.solve(m) == cp_model.OPTIMAL
        kept = int(solver.objective_value)
    return {k: v for k, v in result.items() if v}, kept


def exhaustive_optimum(w: World, plan_date: date) -> dict[int, int]:
    """Try every way of sending each person to one line or nowhere; keep the lexicographic best."""
    people = list(w.person_team)
    options = []
    for p in people:
        choices = [None] + [
            i for i, (t, s, lv, c, pr) in enumerate(w.demand)
            if c > 0 and t != w.person_team[p] and w.same_region(w.person_team[p], t) and w.skills[p].get(s, 0) >= lv
            and may_leave(w, p, plan_date, None, t)
        ]
        options.append(choices)
    prios = sorted({d[4] for d in w.demand})
    best = None
    for combo in itertools.product(*options):
        rows = [
            {"person_id": p, "from_team_id": w.person_team[p], "to_team_id": w.demand[i][0],
             "skill": w.demand[i][1], "priority": str(w.demand[i][4])}
            for p, i in zip(people, combo) if i is not None
        ]
        if any(sum(1 for i in combo if i == j) > w.demand[j][3] for j in range(len(w.demand))):
            continue
        if rule_violations(w, rows, plan_date):
            continue
        cov = coverage(rows)
        vector = tuple(cov.get(pr, 0) for pr in prios)
        if best is None or vector > best:
            best = vector
    return {pr: v for pr, v in zip(prios, best) if v}


# ---------------------------------------------------------------------------------------------
# Tests: the checker on written plans
# ---------------------------------------------------------------------------------------------


def _plan(scenario_dir: Path, out: Path, *extra: str):
    from click.testing import CliRunner

    from planner.cli import main

    result = CliRunner().invoke(main, ["redeploy", str(scenario_dir), "--out", str(out), "--time-limit", "20", *extra])
    assert result.exit_code == 0, result.output
    return read_plan(out / "redeploy.csv"), json.loads((out / "redeploy.json").read_text())


def _write(scenario, folder: Path) -> Path:
    from planner.scenario_io import write_scenario_csv

    write_scenario_csv(scenario, folder)
    return folder


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from planner.generate import generate_scenario

    folders = []
    for people, seed in ((250, 1), (400, 7)):
        folders.append(_write(generate_scenario(people, seed, crisis=True), tmp_path_factory.mktemp(f"gen{people}")))
    return folders


def test_generated_plans_obey_every_rule_and_reach_the_lexicographic_optimum(generated, tmp_path):
    for folder in generated:
        w = read_world(folder)
        plan_date = w.policy_date or date.today()
        rows, summary = _plan(folder, tmp_path / folder.name)
        assert rule_violations(w, rows, plan_date) == []
        assert coverage(rows) == reference_optimum(w, plan_date)[0]
        assert summary["status"] == "OPTIMAL"


def test_regional_plans_keep_moves_within_each_region_and_reach_the_regional_optimum(tmp_path):
    from regional import regional_crisis

    folder = _write(regional_crisis(300, 3), tmp_path / "regional")
    w = read_world(folder)
    assert len(set(w.team_region.values())) == 3
    plan_date = w.policy_date or date.today()
    rows, summary = _plan(folder, tmp_path / "out")
    assert rows and rule_violations(w, rows, plan_date) == []
    assert coverage(rows) == reference_optimum(w, plan_date)[0]
    assert summary["status"] == "OPTIMAL"


def test_replan_obeys_every_rule_and_keeps_as_many_previous_moves_as_the_reference(generated, tmp_path):
    folder = generated[0]
    first_rows, _ = _plan(folder, tmp_path / "first")
    # The situation changes: three demand lines change.
    demand = _rows(folder / "demand.csv")
    demand[0]["count"] = str(int(demand[0]["count"]) + 2)
    demand[1]["count"] = "0"
    demand[2]["priority"] = "1"
    changed = tmp_path / "changed"
    changed.mkdir()
    for f in folder.iterdir():
        (changed / f.name).write_bytes(f.read_bytes())
    with (changed / "demand.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(demand[0].keys()))
        writer.writeheader()
        writer.writerows(demand)
    rows, summary = _plan(changed, tmp_path / "second", "--baseline", str(tmp_path / "first" / "redeploy.csv"))
    w = read_world(changed)
    plan_date = w.policy_date or date.today()
    baseline = {r["person_id"]: r["to_team_id"] for r in first_rows}
    assert rule_violations(w, rows, plan_date, baseline) == []
    best, kept = reference_optimum(w, plan_date, baseline)
    assert coverage(rows) == best
    stayed = sum(1 for r in rows if baseline.get(r["person_id"]) == r["to_team_id"])
    assert stayed == kept
    assert summary["changes"]["stayed"] and len(summary["changes"]["stayed"]) == stayed


def _random_world(rng: random.Random, folder: Path, overlapping: bool) -> Path:
    """A tiny random crisis with critical skills whose holders overlap."""
    skills = ["a", "b", "c"]
    teams = [("T0", "paused"), ("T1", "normal"), ("T2", "normal"), ("T3", "critical")]
    with (folder / "teams.csv").open("w", newline="") as h:
        wr = csv.writer(h)
        wr.writerow(["team_id", "name", "organisation", "max_release_share", "critical_skills", "status"])
        for t, status in teams:
            crit = "a:1:1;b:1:1" if overlapping and t in ("T1", "T2") else rng.choice(["", "a:2:1"])
            wr.writerow([t, t, rng.choice(["O1", "O2"]), rng.choice(["0.5", "0.75", "1"]), crit, status])
    with (folder / "people.csv").open("w", newline="") as h:
        wr = csv.writer(h)
        wr.writerow(["person_id", "name", "team_id", "grade", "profession", "skills", "available", "last_redeployed"])
        for i in range(rng.randint(5, 8)):
            held = rng.sample(skills, rng.randint(1, 3))
            wr.writerow([f"P{i}", f"Person {i}", rng.choice(teams)[0], 3, "x",
                         ";".join(f"{s}:{rng.randint(1, 4)}" for s in held),
                         rng.choice(["yes"] * 5 + ["no"]), rng.choice([""] * 5 + ["2027-01-01"])])
    with (folder / "demand.csv").open("w", newline="") as h:
        wr = csv.writer(h)
        wr.writerow(["team_id", "skill", "level", "count", "priority"])
        for _ in range(rng.randint(2, 4)):
            wr.writerow([rng.choice(teams)[0], rng.choice(skills), rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 3)])
    (folder / "policy.json").write_text(json.dumps({"plan_date": "2027-01-11"}))
    return folder


@pytest.mark.parametrize("seed", range(12))
def test_tiny_random_crises_match_exhaustive_search(seed, tmp_path):
    rng = random.Random(seed)
    (tmp_path / "s").mkdir()
    folder = _random_world(rng, tmp_path / "s", overlapping=seed % 2 == 0)
    w = read_world(folder)
    rows, summary = _plan(folder, tmp_path / "out")
    plan_date = date(2027, 1, 11)
    assert rule_violations(w, rows, plan_date) == []
    assert coverage(rows) == exhaustive_optimum(w, plan_date)
    assert summary["status"] == "OPTIMAL"


def _overlapping_world(rng: random.Random, folder: Path) -> Path:
    """Normal teams whose critical skills' holders overlap without nesting: not a network flow."""
    teams = [("T0", "paused"), ("T1", "normal"), ("T2", "normal"), ("T3", "critical")]
    with (folder / "teams.csv").open("w", newline="") as h:
        wr = csv.writer(h)
        wr.writerow(["team_id", "name", "organisation", "max_release_share", "critical_skills", "status"])
        for t, status in teams:
            org, share = rng.choice(["O1", "O2"]), rng.choice(["0.6", "1"])
            crit = rng.choice(["a:1:1;b:1:1", "a:1:2;b:1:1;c:2:1", "a:1:1;b:2:2"])
            wr.writerow([t, t, org, share, crit, status])
    with (folder / "people.csv").open("w", newline="") as h:
        wr = csv.writer(h)
        wr.writerow(["person_id", "name", "team_id", "grade", "profession", "skills"])
        for i in range(rng.randint(8, 16)):
            held = rng.sample(["a", "b", "c", "x"], rng.randint(1, 4))
            if "x" not in held and rng.random() < 0.7:
                held.append("x")
            wr.writerow([f"P{i}", f"P{i}", rng.choice(teams[:3])[0], 3, "x",
                         ";".join(f"{s}:{rng.randint(1, 3)}" for s in held)])
    with (folder / "demand.csv").open("w", newline="") as h:
        wr = csv.writer(h)
        wr.writerow(["team_id", "skill", "level", "count", "priority"])
        for _ in range(rng.randint(2, 4)):
            wr.writerow([rng.choice(["T3", "T3", "T1", "T2"]), rng.choice(["x", "x", "a", "b", "c"]),
                         rng.randint(1, 3), rng.randint(1, 5), rng.randint(1, 3)])
    (folder / "policy.json").write_text(json.dumps({"plan_date": "2027-01-11", "workers": 1}))
    return folder


# Seeds whose network relaxation breaks an overlapping critical skill (the exact MIP decides).
@pytest.mark.parametrize("seed", [2, 9, 10, 12, 18, 32])
def test_overlapping_critical_skills_are_solved_exactly(seed, tmp_path):
    (tmp_path / "s").mkdir()
    folder = _overlapping_world(random.Random(seed), tmp_path / "s")
    w = read_world(folder)
    rows, summary = _plan(folder, tmp_path / "out")
    plan_date = date(2027, 1, 11)
    assert rule_violations(w, rows, plan_date) == []
    assert coverage(rows) == reference_optimum(w, plan_date)[0]
    assert summary["status"] == "OPTIMAL"
    assert "MIP" in summary["method"]


@pytest.mark.parametrize("seed", [2, 9])
def test_replan_with_overlapping_critical_skills_is_exact_and_keeps_the_most(seed, tmp_path):
    """Re-plan (every demand line one more) where the exact MIP decides, warm-started."""
    (tmp_path / "s").mkdir()
    folder = _overlapping_world(random.Random(seed), tmp_path / "s")
    first_rows, _ = _plan(folder, tmp_path / "first")
    demand = _rows(folder / "demand.csv")
    for line in demand:
        line["count"] = str(int(line["count"]) + 1)
    with (folder / "demand.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(demand[0].keys()))
        writer.writeheader()
        writer.writerows(demand)
    rows, summary = _plan(folder, tmp_path / "second", "--baseline", str(tmp_path / "first" / "redeploy.csv"))
    w = read_world(folder)
    plan_date = date(2027, 1, 11)
    baseline = {r["person_id"]: r["to_team_id"] for r in first_rows}
    assert rule_violations(w, rows, plan_date, baseline) == []
    best, kept = reference_optimum(w, plan_date, baseline)
    assert coverage(rows) == best
    assert sum(1 for r in rows if baseline.get(r["person_id"]) == r["to_team_id"]) == kept
    assert summary["status"] == "OPTIMAL" and "MIP" in summary["method"]


def test_checker_catches_a_broken_plan(generated, tmp_path):
    """The checker is not a rubber stamp: a plan that moves a critical team's person is refused."""
    folder = generated[0]
    w = read_world(folder)
    critical_person = next(p for p, t in w.person_team.items() if w.team_status[t] == "critical")
    target = next(t for t in w.team_status if t != w.person_team[critical_person])
    rows = [{"person_id": critical_person, "from_team_id": w.person_team[critical_person], "to_team_id": target,
             "skill": "x", "priority": "1"}]
    assert rule_violations(w, rows, date(2027, 1, 11))
