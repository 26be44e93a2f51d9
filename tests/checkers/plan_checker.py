"""An independent checker of matching plans.

It re-reads a scenario's CSV files (and policy.json) and a written plan.csv with nothing but the
standard library, and checks every rule of the contract (docs/scenario-format.md, section
Eligibility) in every period, plus the policy's pinned/forbidden pairs, cross-organisation cap,
fairness floor, the equality rule (four-fifths, on the people.csv column the policy's
`equality.attribute` names) and "nobody repeats an opportunity". It imports no optimiser code, so a bug in the
model cannot hide itself.

With a policy `start`, it also checks the dates of every placement: inside its period (start +
(t-1) x period_months months ..), inside its opportunity's start..end, and exactly their overlap;
and that nobody listed in the policy's `commitments` is placed in a period their assignment
overlaps, their home team's release limit counting them as away.

`check_plan(scenario_dir, plan_dir) -> list[str]` returns one sentence per violation ([] = valid).
"""

from __future__ import annotations

import calendar
import csv
import json
import math
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(f)]


def _levels(cell: str) -> dict[str, int]:
    out = {}
    for item in filter(None, (x.strip() for x in cell.split(";"))):
        name, _, level = item.partition(":")
        out[name.strip()] = int(level)
    return out


def _critical(cell: str) -> list[tuple[str, int, int]]:
    out = []
    for item in filter(None, (x.strip() for x in cell.split(";"))):
        skill, level, count = item.split(":")
        out.append((skill.strip(), int(level), int(count)))
    return out


def _num(cell: str, default, kind=float):
    return kind(cell) if cell not in ("", None) else default


def load(scenario_dir: Path):
    scenario_dir = Path(scenario_dir)
    teams = {r["team_id"]: r for r in _rows(scenario_dir / "teams.csv")}
    people = {r["person_id"]: r for r in _rows(scenario_dir / "people.csv")}
    opps = {r["opportunity_id"]: r for r in _rows(scenario_dir / "opportunities.csv")}
    policy_path = scenario_dir / "policy.json"
    policy = json.loads(policy_path.read_text(encoding="utf-8")) if policy_path.exists() else {}
    return teams, people, opps, policy


def eligibility_problems(person: dict, opp: dict, teams: dict, stretch: int) -> list[str]:
    """Contract rules 1-5 for one pair, recomputed from the CSV cells."""
    problems = []
    if person.get("available", "") .lower() == "no":
        problems.append("person is not available")
    if person["team_id"] == opp["host_team_id"]:
        problems.append("opportunity is in the person's own team")
    held = _levels(person.get("skills", ""))
    for skill, level in _levels(opp.get("required_skills", "")).items():
        if held.get(skill, 0) < level - stretch:
            problems.append(f"{skill} held at {held.get(skill, 0)}, needs {level} (stretch {stretch})")
    grade = int(person["grade"])
    if opp.get("grade_min") and grade < int(opp["grade_min"]):
        problems.append(f"grade {grade} below grade_min {opp['grade_min']}")
    if opp.get("grade_max") and grade > int(opp["grade_max"]):
        problems.append(f"grade {grade} above grade_max {opp['grade_max']}")
    must = _num(person.get("must_practise", ""), 0.0)
    fte = _num(opp.get("fte", ""), 1.0)
    if fte > 1 - must + 1e-9 and opp.get("profession", "") != person["profession"]:
        problems.append(f"must practise {must} but the opportunity takes fte {fte} in another profession")
    # Regions compare without regard to case or spacing ("North East" = "north  east").
    here = " ".join(teams[person["team_id"]].get("region", "").lower().split())
    there = " ".join(teams[opp["host_team_id"]].get("region", "").lower().split())
    remote = opp.get("remote", "").strip().lower() in ("yes", "y", "true", "1")
    if here and there and here != there and not remote:
        problems.append(f"opportunity is in region {there}, not remote, and the person's team is in {here}")
    return problems


def allowance(team: dict, headcount: int) -> int:
    share = _num(team.get("max_release_share", ""), 0.2)
    allowed = int(math.floor(share * headcount + 1e-9))
    if team.get("min_staff"):
        allowed = min(allowed, max(0, headcount - int(team["min_staff"])))
    return max(0, allowed)


def _add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later, clamped to the month's last day."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_window(policy: dict, period: int) -> tuple[date, date] | None:
    if not policy.get("start"):
        return None
    start = date.fromisoformat(policy["start"])
    months = int(policy.get("period_months", 6))
    return (_add_months(start, months * (period - 1)), _add_months(start, months * period) - timedelta(days=1))


def _commitments_away(policy: dict, period: int) -> set[str]:
    """People away on a commitment overlapping the (dated) period."""
    window = period_window(policy, period)
    away = set()
    for c in policy.get("commitments", []):
        end = date.fromisoformat(c["end"]) if c.get("end") else date.max
        if window is None or (date.fromisoformat(c["start"]) <= window[1] and end >= window[0]):
            away.add(c["person_id"])
    return away


def date_problems(row: dict, opp: dict, policy: dict) -> list[str]:
    """The placement's start..end lies in its period and its opportunity's window, and is their overlap."""
    period = int(row.get("period") or 1)
    window = period_window(policy, period)
    if window is None:
        return [f"undated plan but placement has dates {row['start']}..{row['end']}"] if row.get("start") else []
    if not row.get("start") or not row.get("end"):
        return [f"dated plan (start {policy['start']}) but the placement has no start/end"]
    start, end = date.fromisoformat(row["start"]), date.fromisoformat(row["end"])
    opp_start = date.fromisoformat(opp["start"]) if opp.get("start") else date.min
    opp_end = date.fromisoformat(opp["end"]) if opp.get("end") else date.max
    expected = (max(window[0], opp_start), min(window[1], opp_end))
    problems = []
    if start < window[0] or end > window[1]:
        problems.append(f"{start}..{end} is outside period {period} ({window[0]}..{window[1]})")
    if start < opp_start or end > opp_end:
        problems.append(f"{start}..{end} is outside the opportunity's window {opp.get('start')}..{opp.get('end')}")
    if expected[0] > expected[1]:
        problems.append(f"the opportunity is not offered in period {period}")
    elif (start, end) != expected:
        problems.append(f"{start}..{end} is not the overlap {expected[0]}..{expected[1]}")
    return problems


def check_plan(scenario_dir: str | Path, plan_dir: str | Path) -> list[str]:
    teams, people, opps, policy = load(Path(scenario_dir))
    plan = _rows(Path(plan_dir) / "plan.csv")
    stretch = int(policy.get("stretch_levels", 0))
    violations: list[str] = []
    by_period: dict[int, list[tuple[str, str]]] = defaultdict(list)
    seen_pairs = Counter()
    for row in plan:
        pid, oid, period = row["person_id"], row["opportunity_id"], int(row.get("period") or 1)
        if pid not in people or oid not in opps:
            violations.append(f"unknown person {pid} or opportunity {oid} in the plan")
            continue
        for problem in eligibility_problems(people[pid], opps[oid], teams, stretch):
            violations.append(f"{pid} on {oid} (period {period}): {problem}")
        for problem in date_problems(row, opps[oid], policy):
            violations.append(f"{pid} on {oid} (period {period}): {problem}")
        if pid in _commitments_away(policy, period):
            violations.append(f"{pid} on {oid} (period {period}): placed while away on an assignment")
        by_period[period].append((pid, oid))
        seen_pairs[(pid, oid)] += 1
    for pair, count in seen_pairs.items():
        if count > 1:
            violations.append(f"{pair[0]} repeats opportunity {pair[1]} ({count} periods)")

    headcount = Counter(p["team_id"] for p in people.values())
    org_of = {t: r["organisation"] for t, r in teams.items()}
    for period, placed in sorted(by_period.items()):
        per_person = Counter(p for p, _ in placed)
        for p, c in per_person.items():
            if c > 1:
                violations.append(f"period {period}: {p} holds {c} placements")
        per_opp = Counter(o for _, o in placed)
        for o, c in per_opp.items():
            cap = _num(opps[o].get("capacity", ""), 1, int)
            if c > cap:
                violations.append(f"period {period}: {o} has {c} people for {cap} places")
        away = Counter(people[p]["team_id"] for p, _ in placed)
        # People already away count too (a team already past its limit may release nobody more).
        placed_teams = set(away)
        away.update(people[p]["team_id"] for p in _commitments_away(policy, period) if p in people)
        for t, c in ((t, c) for t, c in away.items() if t in placed_teams):
            limit = allowance(teams[t], headcount[t])
            if c > limit:
                violations.append(f"period {period}: team {t} releases {c}, its limit is {limit}")
        leaving = {p for p, _ in placed}
        for t, team in teams.items():
            for skill, level, count in _critical(team.get("critical_skills", "")):
                holders = [p for p, r in people.items()
                           if r["team_id"] == t and _levels(r.get("skills", "")).get(skill, 0) >= level]
                stay = [p for p in holders if p not in leaving]
                if len(stay) < min(count, len(holders)):
                    violations.append(f"period {period}: team {t} keeps {len(stay)} with {skill}>={level}, "
                                      f"needs {min(count, len(holders))}")
        cap = policy.get("max_cross_organisation")
        if cap is not None:
            cross = sum(1 for p, o in placed if org_of[people[p]["team_id"]] != org_of[opps[o]["host_team_id"]])
            if cross > cap:
                violations.append(f"period {period}: {cross} moves across organisations, cap {cap}")
        violations += _fairness(policy, people, opps, teams, placed, period, stretch)
        violations += _equality(policy, people, opps, teams, placed, period, stretch)

    placed_pairs = set(seen_pairs)
    for pin in policy.get("pinned", []):
        if (pin["person_id"], pin["opportunity_id"]) not in placed_pairs:
            violations.append(f"pinned placement {pin['person_id']} -> {pin['opportunity_id']} missing")
    for ban in policy.get("forbidden", []):
        if (ban["person_id"], ban["opportunity_id"]) in placed_pairs:
            violations.append(f"forbidden placement {ban['person_id']} -> {ban['opportunity_id']} made")
    return violations


def _fairness(policy, people, opps, teams, placed, period, stretch) -> list[str]:
    fair = policy.get("fairness") or {}
    share = float(fair.get("min_share", 0))
    if share <= 0 or not fair.get("bands") or not placed:
        return []
    out = []
    total = len(placed)
    for lo, hi in fair["bands"]:
        band = [p for p, r in people.items() if lo <= int(r["grade"]) <= hi]
        has_candidates = any(not eligibility_problems(people[p], o, teams, stretch) and
                             _num(o.get("capacity", ""), 1, int) > 0 for p in band for o in opps.values())
        if not has_candidates:
            continue
        got = sum(1 for p, _ in placed if lo <= int(people[p]["grade"]) <= hi)
        if got * 1000 < round(share * 1000) * total:
            out.append(f"period {period}: grades {lo}-{hi} got {got} of {total} placements, floor {share:.0%}")
    return out


EQUALITY_MIN_GROUP = 10


def _equality(policy, people, opps, teams, placed, period, stretch) -> list[str]:
    """Each group (of the monitored column, at least 10 people eligible for some opportunity)
    is placed at a rate of at least min_ratio times every other such group's."""
    equality = policy.get("equality") or {}
    attribute = equality.get("attribute")
    ratio = float(equality.get("min_ratio", 0.8))
    if not attribute or ratio <= 0:
        return []
    column = attribute.strip().lower().replace(" ", "_").replace("-", "_")
    group_of = {}
    for p, r in people.items():
        value = next((v for k, v in r.items() if k.strip().lower().replace(" ", "_").replace("-", "_") == column), "")
        if value and any(not eligibility_problems(r, o, teams, stretch) and _num(o.get("capacity", ""), 1, int) > 0
                         for o in opps.values()):
            group_of[p] = value
    size = Counter(group_of.values())
    got = Counter(group_of[p] for p, _ in placed if p in group_of)
    groups = [g for g, n in size.items() if n >= EQUALITY_MIN_GROUP]
    out = []
    for g in groups:
        for h in groups:
            # rate_g >= ratio x rate_h, in integers as the policy writes ratio to thousandths
            if g != h and size[h] * got[g] * 1000 < round(ratio * 1000) * size[g] * got[h]:
                out.append(f"period {period}: {attribute} group {g} placed {got[g]} of {size[g]}, below "
                           f"{ratio:.0%} of group {h} ({got[h]} of {size[h]})")
    return out
