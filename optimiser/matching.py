"""Matching people to opportunities: the public entry points `solve_plan` and `what_if`.

How a plan is made (chosen by measurement, see bench/README.md "Matching optimiser"):

1. Candidate pairs and every rule's rows, from arrays (`candidates`, `rules`).
2. Small models and `stable: true` go straight to CP-SAT with a greedy plan (best score first)
   as hint.
3. Larger models make the greedy plan first (one linear pass), so a
   plan with every rule kept is in hand however short the time limit; it is returned when the
   LP relaxation does not finish in time.
4. Larger models: the LP relaxation (GLOP) gives the upper bound and an LP-rounded plan (nearly
   always within 0.1% of the bound). Reduced-cost fixing then drops every pair that provably cannot
   be in a plan better than the rounded one (LP bound - |reduced cost| < rounded objective); the
   MIP solver SCIP solves the remaining small model (chosen over CP-SAT, which stalls short of the
   bound, and HiGHS, which overran its time limit; figures in bench/README.md).
   When it proves that model optimal, the plan is optimal for the whole scenario.
5. An infeasible model is solved again with one CP-SAT assumption per rule instance, and the
   instances in the infeasible core are reported by name.

Every step gets what is left of `time_limit_s`; the best plan found is returned with its status.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from optimiser.explain import explain_placements, unplaced_reasons
from optimiser.greedy import greedy_plan
from optimiser.lp_bound import lp_bound, lp_rounded_order, solve_linear
from optimiser.model import Progress, build_model, model_data, solve
from optimiser.objective import TERMS
from optimiser.rules import COUNTING_RULES, ModelData, Rows, build_rows
from optimiser.stability import blocking_pair_records, blocking_pairs
from planner.domain import Opportunity, Placement, Plan, Policy, Scenario
from planner.eligibility import eligibility_reasons

# Below this many placement variables CP-SAT alone proves optimality quickly; above it the LP
# route wins (measured: bench/README.md, "Design figures").
DIRECT_CP_SAT_UP_TO = 5_000
# Measured cost of writing one variable and its rows into a CP-SAT model (loaded 2-core machine).
CP_SAT_BUILD_S_PER_VAR = 1.5e-5
# Time kept back for writing up the plan (explanations, blocking pairs), at most this share of
# the time limit, so a short limit still leaves time to plan.
REPORT_RESERVE_S = 0.3
REPORT_RESERVE_MAX_SHARE = 0.3


@dataclass
class _Outcome:
    status: str
    chosen: np.ndarray
    objective: float | None
    bound: float | None
    method: str
    conflicts: list[str]


def solve_plan(scenario: Scenario, policy: Policy | None = None,
               on_progress: Callable[[Progress], None] | None = None) -> Plan:
    """Place people on opportunities under every hard rule, best weighted score first, within
    the policy's time limit. Returns a `Plan` with status, objective, bound, gap and explanations."""
    policy = policy or scenario.policy
    started = time.perf_counter()
    deadline = started + policy.time_limit_s
    events: list[Progress] = []

    def emit(event: Progress) -> None:
        event.seconds = time.perf_counter() - started
        events.append(event)
        if on_progress is not None:
            on_progress(event)

    t0 = time.perf_counter()
    data = model_data(scenario, policy)
    rows = build_rows(data)
    build_seconds = time.perf_counter() - t0
    stats: dict = {"candidate_pairs": data.pruned_from or data.n_pairs, "pairs_in_model": data.n_pairs,
                   "variables": data.n_total_vars,
                   "build_seconds": round(build_seconds, 3)}

    work_deadline = deadline - min(_reserve(data), REPORT_RESERVE_MAX_SHARE * policy.time_limit_s)
    outcome = _ineligible_pins(data) or _optimise(data, rows, work_deadline, emit, stats)
    plan = _write_up(data, outcome, stats, events, started)
    return plan


def _reserve(data: ModelData) -> float:
    """Seconds kept back to write the plan up (explanations grow with the model)."""
    return REPORT_RESERVE_S + 2e-6 * data.n_vars + 1e-4 * len(data.arrays.preferences)


def _remaining(deadline: float) -> float:
    return deadline - time.perf_counter()


def _ineligible_pins(data: ModelData) -> _Outcome | None:
    """Pinned placements that break eligibility are conflicts before any solving."""
    s = data.scenario
    conflicts = []
    for p, o in data.pinned_positions:
        if (p, o) not in data.pair_index:
            person, opp = s.people[p], s.opportunities[o]
            reasons = eligibility_reasons(person, opp, s, data.policy.stretch_levels, subject="this person")
            why = "; ".join(reasons) or "the opportunity has no places"
            conflicts.append(f"pinned placement of person {person.person_id} on opportunity "
                             f"{opp.opportunity_id} conflicts with eligibility: {why}")
    if not conflicts:
        return None
    return _Outcome("INFEASIBLE", np.zeros(data.n_vars, np.int8), None, None, "eligibility check", conflicts)


def _value(data: ModelData, chosen: np.ndarray) -> float:
    return float((np.tile(data.pairs["points"].to_numpy(), data.periods) * chosen[: data.n_vars]).sum())


def _greedy(data: ModelData, rows: dict[str, Rows], deadline: float | None, emit, stats: dict):
    """The greedy plan, its value and whether it meets every rule."""
    t0 = time.perf_counter()
    greedy = greedy_plan(data, rows, deadline=deadline)
    greedy_value = _value(data, greedy)
    greedy_ok = _satisfies(data, rows, greedy)
    stats["greedy_objective"] = greedy_value
    stats["greedy_seconds"] = round(time.perf_counter() - t0, 3)
    if greedy_ok:
        emit(Progress(0, greedy_value, None, "greedy"))
    return greedy, greedy_value, greedy_ok


def _optimise(data: ModelData, rows: dict[str, Rows], deadline: float, emit, stats: dict) -> _Outcome:
    policy = data.policy
    if data.n_vars == 0:
        return _Outcome("OPTIMAL", np.zeros(0, np.int8), 0.0, 0.0, "no candidate pairs", [])
    if policy.stable or data.n_vars <= DIRECT_CP_SAT_UP_TO:
        greedy, greedy_value, greedy_ok = _greedy(data, rows, deadline, emit, stats)
        if greedy_ok and not policy.stable and _remaining(deadline) < CP_SAT_BUILD_S_PER_VAR * data.n_vars + 0.2:
            return _Outcome("FEASIBLE", greedy, greedy_value, None, "greedy (no time left to optimise)", [])
        result = _cp_sat(data, deadline, emit, "cp-sat",
                         with_counts(data, rows, greedy) if greedy_ok else None)
        if result.status not in ("OPTIMAL", "FEASIBLE", "INFEASIBLE") and greedy_ok and not policy.stable:
            return _Outcome("FEASIBLE", greedy, greedy_value, result.bound, "greedy (CP-SAT found no better plan in time)", [])
        return result

    # The LP route. The greedy plan comes first and is never cut short: it is the plan returned
    # when the LP relaxation does not finish, and it costs a fraction of the LP.
    greedy, greedy_value, greedy_ok = _greedy(data, rows, None, emit, stats)
    lp = lp_bound(data, rows, max(0.1, _remaining(deadline)))
    stats["lp_seconds"] = round(lp.seconds + lp.build_seconds, 3)
    stats["lp_status"] = lp.status
    if lp.status == "INFEASIBLE":
        return _cp_sat(data, deadline, emit, "cp-sat", None)
    if lp.status != "OPTIMAL" or lp.reduced_costs is None:
        status = "FEASIBLE" if greedy_ok else "TIME_LIMIT_NO_PLAN"
        return _Outcome(status, greedy if greedy_ok else greedy * 0, greedy_value if greedy_ok else None,
                        None, "greedy (LP relaxation did not finish in time)", [])
    stats["lp_bound"] = lp.bound
    points = np.tile(data.pairs["points"].to_numpy(), data.periods)
    # Rounding is one linear pass; it runs even when the deadline is near, the LP is worth it.
    rounded = greedy_plan(data, rows, order=lp_rounded_order(lp.values, points))
    incumbent = (_value(data, rounded), rounded)
    if not _satisfies(data, rows, rounded):
        incumbent = (greedy_value, greedy) if greedy_ok else (0.0, np.zeros(data.n_vars, np.int8))
    else:
        if greedy_ok and greedy_value > incumbent[0]:
            incumbent = (greedy_value, greedy)
        emit(Progress(0, incumbent[0], lp.bound, "lp-rounded"))
    stats["lp_rounded_objective"] = _value(data, rounded)
    if incumbent[0] >= np.floor(lp.bound + 1e-6):
        # Objective points are integers: a plan worth floor(LP bound) is optimal.
        return _Outcome("OPTIMAL", incumbent[1], incumbent[0], incumbent[0], "lp + rounding (optimal)", [])
    # Reduced-cost fixing: x with reduced cost d < 0 can only lower the bound by |d|.
    gap = lp.bound - incumbent[0]
    keep_var = (lp.values > 1e-9) | (lp.reduced_costs > -(gap + 1.0)) | (incumbent[1] > 0)
    keep_pair = keep_var.reshape(data.periods, data.n_pairs).any(axis=0)
    for pp in data.pinned_positions:
        keep_pair[data.pair_index[pp]] = True
    kept = np.flatnonzero(keep_pair)
    stats["pairs_after_reduced_cost_fixing"] = int(len(kept))
    if _remaining(deadline) < CP_SAT_BUILD_S_PER_VAR * len(kept) * data.periods + 0.2:
        return _Outcome("FEASIBLE", incumbent[1], incumbent[0], lp.bound, "lp + rounding (no time left for the exact step)", [])
    small = ModelData(scenario=data.scenario, arrays=data.arrays, policy=data.policy, periods=data.periods,
                      pairs=data.pairs.iloc[kept].reset_index(drop=True), critical_table=data.critical_table,
                      eligible_people=data.eligible_people)
    to_full = (np.arange(data.periods)[:, None] * data.n_pairs + kept[None, :]).ravel()
    small_rows = build_rows(small)
    # SCIP, not HiGHS: both prove the small model optimal in about a second, but HiGHS overran its
    # time limit by minutes on a 6,000-pair model, where SCIP stops within about a second.
    mip = solve_linear(small, small_rows, "scip", max(0.1, _remaining(deadline) - 0.5), integral=True)
    stats["reduced_mip_status"] = mip.status
    chosen = incumbent[1]
    value = incumbent[0]
    if mip.values is not None:
        candidate = np.zeros(data.n_vars, np.int8)
        candidate[to_full] = np.rint(mip.values[: small.n_vars]).astype(np.int8)
        if _satisfies(data, rows, candidate) and _value(data, candidate) >= value:
            chosen, value = candidate, _value(data, candidate)
    if mip.status == "OPTIMAL" and value >= (mip.objective or 0) - 1e-6:
        # The reduced model's optimum is the whole model's: every dropped pair is worse than it.
        emit(Progress(0, value, value, "scip mip (reduced model)"))
        return _Outcome("OPTIMAL", chosen, value, value, "lp + reduced-cost fixing + scip mip", [])
    bound = lp.bound
    if mip.bound is not None:
        bound = min(bound, max(mip.bound, value))
    emit(Progress(0, value, bound, "scip mip (reduced model)"))
    if value <= 0:
        return _Outcome("TIME_LIMIT_NO_PLAN", chosen, None, bound, "lp + reduced-cost fixing + scip mip", [])
    return _Outcome("FEASIBLE", chosen, value, bound, "lp + reduced-cost fixing + scip mip", [])


def _cp_sat(data: ModelData, deadline: float, emit, method: str,
            hint: np.ndarray | None, bound_cap: float | None = None) -> _Outcome:
    built = build_model(data)
    policy = data.policy
    result = solve(built, max(0.05, _remaining(deadline)), policy.workers, policy.random_seed, hint=hint,
                   on_progress=lambda e: emit(Progress(0, e.objective, min(e.bound, bound_cap)
                                                        if (e.bound is not None and bound_cap) else e.bound,
                                                        e.source)))
    if result.status == "INFEASIBLE":
        diagnosis = build_model(data, diagnose=True)
        found = solve(diagnosis, max(0.5, _remaining(deadline)), policy.workers, policy.random_seed)
        conflicts = found.conflicts or ["the rules cannot all hold together (no smaller conflict found in time)"]
        return _Outcome("INFEASIBLE", result.chosen * 0, None, None, method, conflicts)
    if result.status not in ("OPTIMAL", "FEASIBLE"):
        return _Outcome(result.status, result.chosen * 0, None, result.bound, method, [])
    return _Outcome(result.status, result.chosen, result.objective, result.bound, method, [])


def with_counts(data: ModelData, rows: dict[str, Rows], chosen: np.ndarray) -> np.ndarray:
    """A 0/1 plan extended with the values its helper counts take (so a hint is complete)."""
    values = np.zeros(data.n_total_vars, dtype=np.int64)
    values[: data.n_vars] = chosen[: data.n_vars]
    for key in COUNTING_RULES:
        fair = rows[key]
        for r in range(fair.n_rows):
            sel = fair.row == r
            v, c = fair.var[sel], fair.coef[sel]
            if fair.lb[r] == 0 and fair.ub[r] == 0 and (c == -1).sum() == 1:
                values[v[c == -1][0]] = int(values[v[c == 1]].sum())
    return values


def _satisfies(data: ModelData, rows: dict[str, Rows], chosen: np.ndarray) -> bool:
    """Does a 0/1 plan meet every row?"""
    values = with_counts(data, rows, chosen)
    for r in rows.values():
        if r.n_rows == 0:
            continue
        activity = np.bincount(r.row, weights=r.coef * values[r.var], minlength=r.n_rows)
        if (activity < r.lb - 1e-9).any() or (activity > r.ub + 1e-9).any():
            return False
    return True


def _write_up(data: ModelData, outcome: _Outcome, stats: dict, events: list[Progress], started: float) -> Plan:
    chosen = outcome.chosen
    picked = np.flatnonzero(chosen[: data.n_vars])
    pair = picked % max(data.n_pairs, 1)
    period = picked // max(data.n_pairs, 1) + 1
    placements = explain_placements(data, pair, period)
    blocking = blocking_pairs(data, chosen[: data.n_vars]) if data.n_vars else pd.DataFrame()
    objective = outcome.objective
    bound = outcome.bound
    gap = None
    if objective is not None and bound is not None:
        gap = max(0.0, (bound - objective) / max(abs(bound), 1e-9)) if bound else 0.0
    stats["method"] = outcome.method
    stats["solve_status"] = outcome.status
    unplaced = unplaced_reasons(data, pair, period) if outcome.status != "INFEASIBLE" else {}
    return Plan(
        status=outcome.status,
        objective=objective,
        best_bound=bound,
        gap=gap,
        solve_seconds=round(time.perf_counter() - started, 3),
        placements=placements,
        blocking_pairs=blocking_pair_records(data, blocking),
        blocking_pair_count=int(len(blocking)),
        conflicts=outcome.conflicts,
        unplaced=unplaced,
        periods=data.periods,
        progress=[{"seconds": round(e.seconds, 3), "objective": e.objective, "bound": e.bound, "source": e.source}
                  for e in events],
        stats=stats,
    )


# ---------------------------------------------------------------------------------------------
# What-if
# ---------------------------------------------------------------------------------------------


@dataclass
class WhatIf:
    """A baseline plan beside the plan with a requirement relaxed (or more stretch allowed)."""

    change: str
    baseline: Plan
    changed: Plan
    eligible_pairs_before: int
    eligible_pairs_after: int
    people_newly_eligible: int  # people eligible for at least one more opportunity
    eligible_by_opportunity: pd.DataFrame  # opportunity_id, before, after

    def moved(self) -> tuple[set, set]:
        """(placements only in the changed plan, placements only in the baseline)."""
        base = {(p.person_id, p.opportunity_id, p.period) for p in self.baseline.placements}
        new = {(p.person_id, p.opportunity_id, p.period) for p in self.changed.placements}
        return new - base, base - new


def relax_requirement(scenario: Scenario, opportunity_id: str, skill: str) -> Scenario:
    """The same scenario with one required skill dropped from one opportunity."""
    opp = scenario.opportunity_by_id.get(opportunity_id)
    if opp is None:
        raise KeyError(f"unknown opportunity {opportunity_id!r}")
    if skill not in opp.required_skills:
        held = ", ".join(opp.required_skills) or "none"
        raise KeyError(f"opportunity {opportunity_id} does not require {skill!r} (it requires: {held})")
    changed: Opportunity = opp.model_copy(
        update={"required_skills": {s: lv for s, lv in opp.required_skills.items() if s != skill}}
    )
    opps = tuple(changed if o.opportunity_id == opportunity_id else o for o in scenario.opportunities)
    return Scenario(skills=scenario.skills, teams=scenario.teams, people=scenario.people, opportunities=opps,
                    demand=scenario.demand, policy=scenario.policy)


def what_if(scenario: Scenario, relax: list[tuple[str, str]] = (), stretch: int | None = None,
            policy: Policy | None = None, on_progress=None) -> WhatIf:
    """Plan the scenario as it is and with the change, side by side: `relax` drops (opportunity,
    skill) requirements; `stretch` sets how many levels short of a requirement a person may be."""
    policy = policy or scenario.policy
    changed_scenario = scenario
    for opp_id, skill in relax:
        changed_scenario = relax_requirement(changed_scenario, opp_id, skill)
    changed_policy = policy if stretch is None else policy.model_copy(update={"stretch_levels": stretch})
    half = policy.model_copy(update={"time_limit_s": policy.time_limit_s / 2})
    changed_half = changed_policy.model_copy(update={"time_limit_s": policy.time_limit_s / 2})
    before = model_data(scenario, policy).pairs
    after = model_data(changed_scenario, changed_policy).pairs
    opp_ids = np.array([o.opportunity_id for o in scenario.opportunities], dtype=object)
    by_opp = pd.DataFrame({
        "opportunity_id": opp_ids,
        "before": np.bincount(before["opp"], minlength=len(opp_ids)),
        "after": np.bincount(after["opp"], minlength=len(opp_ids)),
    })
    by_opp = by_opp[by_opp["before"] != by_opp["after"]].reset_index(drop=True)
    old = set(zip(before["person"].tolist(), before["opp"].tolist()))
    gained = {p for p, o in zip(after["person"].tolist(), after["opp"].tolist()) if (p, o) not in old}
    parts = [f"{o} without {s}" for o, s in relax] + ([f"stretch {stretch}"] if stretch is not None else [])
    return WhatIf(
        change=", ".join(parts) or "no change",
        baseline=solve_plan(scenario, half, on_progress),
        changed=solve_plan(changed_scenario, changed_half, on_progress),
        eligible_pairs_before=len(before),
        eligible_pairs_after=len(after),
        people_newly_eligible=len(gained),
        eligible_by_opportunity=by_opp,
    )


__all__ = ["solve_plan", "what_if", "WhatIf", "relax_requirement", "TERMS", "Placement"]
