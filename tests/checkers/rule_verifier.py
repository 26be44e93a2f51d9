"""Which rules does a proposed plan break? A verifier in the spirit of Timefold's
ConstraintVerifier: give it a tiny scenario and a proposed assignment, and it answers with the
rules (and rule instances) the assignment breaks, with no solver involved.

Both verifiers read the production rules, never a copy:
- `broken_matching_rules` evaluates the rows of `optimiser.rules.HARD_RULES` (the same rows the
  CP-SAT model, the LP bound and the greedy plan are built from) on the proposed placements, the
  helper counts of the counting rules (fairness floor, equal placement rates) filled in from the
  placements (`optimiser.matching.with_counts`), so the equality rule's instances are named
  ("equality: the placement rate of ethnicity group X could not reach 80% of group Y's");
- `broken_crisis_rules` asks the functions of `optimiser.redeploy.rules` and `planner.staffing`
  about each proposed redeployment.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date

import numpy as np

from optimiser.matching import with_counts
from optimiser.model import model_data
from optimiser.redeploy import rules as crisis
from optimiser.rules import build_rows
from optimiser.stability import blocking_pairs
from planner.domain import Scenario
from planner.eligibility import eligibility_reasons


def broken_matching_rules(scenario: Scenario, placements) -> dict[str, list[str]]:
    """Rule key -> the broken instances (plain words), for `placements` given as
    (person_id, opportunity_id) or (person_id, opportunity_id, period) with periods from 1.
    A rule the plan keeps is absent; {} means the plan breaks no hard rule."""
    data = model_data(scenario, prune=False)
    rows = build_rows(data)
    person_position = {pid: i for i, pid in enumerate(data.arrays.person_ids)}
    opportunity_position = {oid: i for i, oid in enumerate(data.arrays.opp_ids)}
    chosen = np.zeros(data.n_vars, dtype=np.int64)
    broken: dict[str, list[str]] = {}
    for placement in placements:
        person_id, opportunity_id, period = (*placement, 1)[:3]
        pair = data.pair_index.find(person_position[person_id], opportunity_position[opportunity_id])
        if pair < 0:  # no variable exists: the eligibility rule forbids the pair
            person = scenario.person_by_id[person_id]
            opportunity = scenario.opportunity_by_id[opportunity_id]
            reasons = eligibility_reasons(person, opportunity, scenario, data.policy.stretch_levels,
                                          subject="this person")
            broken.setdefault("eligibility", []).append(
                f"{person_id} on {opportunity_id}: " + "; ".join(reasons or ["the opportunity has no places"]))
            continue
        chosen[(period - 1) * data.n_pairs + pair] += 1
    values = with_counts(data, rows, chosen)
    for key, rule_rows in rows.items():
        if key == "stability" or rule_rows.n_rows == 0:
            continue  # stability: its helper flags are chosen by the solver, see blocking_pairs below
        activity = np.bincount(rule_rows.row, weights=rule_rows.coef * values[rule_rows.var], minlength=rule_rows.n_rows)
        bad_rows = np.flatnonzero((activity < rule_rows.lb) | (activity > rule_rows.ub))
        if len(bad_rows):
            groups = sorted({rule_rows.groups[rule_rows.row_group[r]] for r in bad_rows})
            broken.setdefault(key, []).extend(groups)
    if data.policy.stable and data.n_pairs:
        blocking = blocking_pairs(data, np.minimum(chosen, 1))
        if len(blocking):
            broken["stability"] = [
                f"{data.person_id(r.person)} and {data.opp_id(r.opp)} would rather have each other "
                f"in period {r.period}" for r in blocking.itertuples()
            ]
    return broken


@dataclass(frozen=True)
class Redeployment:
    """A proposed crisis move: the person covers one unit of the demand line (team, skill, level)."""

    person_id: str
    team_id: str
    skill: str
    level: int


def broken_crisis_rules(scenario: Scenario, moves: list[Redeployment], plan_date: date) -> dict[str, list[str]]:
    """Rule name -> the broken instances, for proposed crisis moves; {} means no rule is broken."""
    broken: dict[str, list[str]] = {}

    def breaks(rule: str, instance: str) -> None:
        broken.setdefault(rule, []).append(instance)

    people = scenario.person_by_id
    teams = {t.team_id: t for t in scenario.teams}
    rest_days = scenario.policy.rest_days
    lines = {(d.team_id, d.skill, d.level): d for d in scenario.demand}
    for person_id, times in Counter(m.person_id for m in moves).items():
        if times > 1:
            breaks("one_move_each", f"{person_id} is moved {times} times")
    for move in moves:
        person = people[move.person_id]
        home = teams[person.team_id]
        line = lines.get((move.team_id, move.skill, move.level))
        if not person.available:
            breaks("available", f"{move.person_id} is not available")
        if crisis.is_resting(person, plan_date, rest_days):
            breaks("rest_period", f"{move.person_id} is resting")
        if not crisis.team_releases_anyone(home):
            breaks("critical_team_releases_nobody", f"{move.person_id} belongs to critical team {home.team_id}")
        if line is None:
            breaks("demand_line", f"no demand for {move.skill} {move.level}+ in {move.team_id}")
        elif not crisis.may_cover(person, line):
            breaks("may_cover", f"{move.person_id} may not cover {move.skill} {move.level}+ in {move.team_id}")
        if move.team_id in teams and not crisis.redeployed_within_region(home, teams[move.team_id]):
            breaks("redeployed_within_region", f"{move.person_id} is sent from region {home.region} "
                                               f"to region {teams[move.team_id].region}")
    for key, taken in Counter((m.team_id, m.skill, m.level) for m in moves).items():
        if key in lines and taken > lines[key].count:
            breaks("demand_units", f"{taken} people for {lines[key].count} units of {key[1]} in {key[0]}")
    headcount = Counter(p.team_id for p in scenario.people)
    moved = [people[person_id] for person_id in dict.fromkeys(m.person_id for m in moves)]
    for team_id, released in Counter(p.team_id for p in moved).items():
        limit = crisis.team_release_limit(teams[team_id], headcount[team_id])
        if limit is not crisis.UNLIMITED and released > limit:
            breaks("team_release_limit", f"team {team_id} releases {released}, at most {limit}")
    for team in scenario.teams:
        if not crisis.critical_skills_apply(team):
            continue
        members = [p for p in scenario.people if p.team_id == team.team_id]
        for critical in team.critical_skills:
            holders = [p for p in members if crisis.holds_skill(p, critical.skill, critical.level)]
            leaving = sum(1 for p in moved if p in holders)
            may_leave = crisis.critical_skill_may_leave(len(holders), critical.count)
            if leaving > may_leave:
                breaks("critical_skills_kept", f"team {team.team_id} loses {leaving} holders of "
                                               f"{critical.skill}, at most {may_leave}")
    return broken
