"""An independent LP relaxation of the WHOLE matching problem (every eligible pair), built here
from the scenario's own objects, not from the optimiser's rows, and solved with scipy's HiGHS.

Only the pairs and their points come from the project (`candidate_pairs`, `score_pairs`): the
rules are written again from the contract, so a pricing or bound bug in the optimiser cannot hide
behind a shared mistake in the rows."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from optimiser.candidates import candidate_pairs, scenario_arrays
from optimiser.objective import score_pairs
from planner.domain import Scenario
from planner.staffing import release_allowance


def full_lp_optimum(scenario: Scenario, policy=None) -> float:
    """max points.x over x in [0, 1] for every eligible pair and period, under every rule."""
    return full_optimum(scenario, policy, integral=False)


def full_mip_optimum(scenario: Scenario, policy=None) -> float:
    """The same with x in {0, 1}: the best plan there is (a bound from a MIP may be below the LP's)."""
    return full_optimum(scenario, policy, integral=True)


def full_optimum(scenario: Scenario, policy=None, integral: bool = False) -> float:
    """max points.x over every eligible pair and period under every rule, x in [0, 1] or {0, 1}."""
    policy = policy or scenario.policy
    a = scenario_arrays(scenario)
    pairs = score_pairs(a, candidate_pairs(scenario, policy), policy.weights)
    person = pairs["person"].to_numpy()
    opp = pairs["opp"].to_numpy()
    points = pairs["points"].to_numpy().astype(float)
    n, k = len(pairs), policy.periods
    people, opps, teams = scenario.people, scenario.opportunities, scenario.teams
    team_of = [p.team_id for p in people]
    org_of_team = {t.team_id: t.organisation for t in teams}
    ub_rows: list[tuple[np.ndarray, np.ndarray, float]] = []  # (variables, coefficients, limit)
    eq_rows: list[tuple[np.ndarray, np.ndarray, float]] = []

    def var(pair_idx, t):
        return t * n + np.asarray(pair_idx)

    def at_most(pair_idx, t, limit):
        if len(pair_idx):
            ub_rows.append((var(pair_idx, t), np.ones(len(pair_idx)), float(limit)))

    by_person = {p: np.flatnonzero(person == p) for p in np.unique(person)}
    by_opp = {o: np.flatnonzero(opp == o) for o in np.unique(opp)}
    for t in range(k):
        for idx in by_person.values():  # one placement per person per period
            at_most(idx, t, 1)
        for o, idx in by_opp.items():  # capacity
            at_most(idx, t, opps[o].capacity)
        for team in teams:  # release limit; critical skills
            members = [i for i, p in enumerate(people) if p.team_id == team.team_id]
            idx = np.flatnonzero(np.isin(person, members))
            at_most(idx, t, release_allowance(team, len(members)))
            for c in team.critical_skills:
                holders = [i for i in members if people[i].skills.get(c.skill, 0) >= c.level]
                at_most(np.flatnonzero(np.isin(person, holders)), t, max(0, len(holders) - c.count))
        if policy.max_cross_organisation is not None:
            cross = [j for j in range(n)
                     if org_of_team[team_of[person[j]]] != org_of_team[opps[opp[j]].host_team_id]]
            at_most(np.array(cross, dtype=int), t, policy.max_cross_organisation)
        fair = policy.fairness
        share = round(fair.min_share * 1000)
        if share > 0 and fair.bands:
            grade = np.array([people[p].grade for p in person])
            for lo, hi in fair.bands:  # band x 1000 >= share x all  ->  share x all - 1000 x band <= 0
                band = (grade >= lo) & (grade <= hi)
                if band.any():
                    ub_rows.append((var(np.arange(n), t), share - 1000.0 * band, 0.0))
    if k > 1:
        for j in range(n):  # no repeat
            ub_rows.append((np.arange(k) * n + j, np.ones(k), 1.0))
    pinned = {(pp.person_id, pp.opportunity_id) for pp in policy.pinned}
    banned = {(pp.person_id, pp.opportunity_id) for pp in policy.forbidden}
    for j in range(n):
        key = (people[person[j]].person_id, opps[opp[j]].opportunity_id)
        if key in pinned:
            eq_rows.append((np.arange(k) * n + j, np.ones(k), 1.0))
        if key in banned:
            eq_rows.append((np.arange(k) * n + j, np.ones(k), 0.0))

    def matrix(rows):
        if not rows:
            return None, None
        r = np.concatenate([np.full(len(v), i) for i, (v, _, _) in enumerate(rows)])
        c = np.concatenate([v for v, _, _ in rows])
        w = np.concatenate([w for _, w, _ in rows])
        return sp.csr_matrix((w, (r, c)), shape=(len(rows), n * k)), np.array([b for _, _, b in rows])

    a_ub, b_ub = matrix(ub_rows)
    a_eq, b_eq = matrix(eq_rows)
    if integral:
        constraints = [LinearConstraint(a_ub, -np.inf, b_ub)] if a_ub is not None else []
        if a_eq is not None:
            constraints.append(LinearConstraint(a_eq, b_eq, b_eq))
        result = milp(-np.tile(points, k), constraints=constraints, integrality=np.ones(n * k),
                      bounds=Bounds(0, 1), options={"time_limit": 120})
        assert result.status == 0, result.message  # proved optimal
        return float(-result.fun)
    result = linprog(-np.tile(points, k), A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, 1),
                     method="highs")
    assert result.status == 0, result.message
    return float(-result.fun)
