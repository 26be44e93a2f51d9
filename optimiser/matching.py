"""Matching people to opportunities: the public entry points `solve_plan` and `what_if`.

How a plan is made (chosen by measurement, see bench/README.md "Matching: the bound over the whole problem"):

1. Eligible pairs are found and scored block by block of people (`model.model_and_eligible_pairs`);
   all of them stay as compact arrays for pricing. Above about 1.5 million pairs (some 20,000
   people) the model keeps each person's 3 best pairs (plus ranked, pinned, forbidden ones).
2. Small unpruned models and `stable: true` go straight to CP-SAT with a greedy plan (best score
   first) as hint.
3. Larger models make the greedy plan first (one linear pass), so a plan with every rule kept is
   in hand however short the time limit, with a bound that needs no solver (each person's best
   pairs, or each opportunity's best times its places).
4. Then rounds of: the LP relaxation of the model (HiGHS dual simplex, measured fastest in
   bench/bench_lp_solvers.py); its duals price EVERY eligible pair (`pricing`), which gives a
   bound on the whole problem; an LP-rounded plan; and the pairs with positive reduced cost added
   back (column generation), until none is left, the plan meets the bound, or time runs short.
5. Reduced-cost fixing then drops every variable that provably cannot be in a plan better than the
   best one (bound - penalty < best plan), and when few pairs are left the MIP solver SCIP solves
   that model (chosen over CP-SAT, which stalls short of the bound, and HiGHS, which overran its
   time limit; figures in bench/README.md). Its bound, with the best any left-out variable could give, bounds the
   whole problem, so a proof there is a proof for the whole scenario.
6. An infeasible model is solved again with one CP-SAT assumption per rule instance, and the
   instances in the infeasible core are reported by name.

Every bound reported covers every eligible pair (`bound_scope` in plan.json), never only the
pairs kept in the model. Every step gets what is left of `time_limit_s`; the best plan found is returned with its status.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from optimiser.explain import explain_placements, unplaced_reasons
from optimiser.greedy import greedy_plan
from optimiser.lp_bound import lp_bound, lp_rounded_order, solve_linear
from optimiser.model import (
    EligiblePairs,
    Progress,
    build_model,
    model_and_eligible_pairs,
    model_data,
    solve,
    with_more_pairs,
)
from optimiser.objective import TERMS
from optimiser.pricing import Priced, price_all_pairs, trivial_bound, unpriced
from optimiser.rules import COUNTING_RULES, ModelData, Rows, build_rows
from optimiser.run_control import SolveControl
from optimiser.stability import blocking_pair_records, blocking_pairs
from planner.domain import Opportunity, Placement, Plan, Policy, Scenario
from planner.eligibility import eligibility_reasons
from planner.rotation_calendar import calendar_warnings, date_placements

# What every reported bound covers: the model may hold only each person's best pairs, but the
# bound is priced over every eligible pair (optimiser.pricing) or needs no model at all.
BOUND_SCOPE = "all eligible pairs"
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
    data: ModelData | None = None  # the model the plan's variables belong to (None: the first one)
    priced: Priced | None = None  # the whole-problem pricing of the last LP round that had one


def solve_plan(scenario: Scenario, policy: Policy | None = None,
               on_progress: Callable[[Progress], None] | None = None,
               stop: threading.Event | None = None, *,
               keep_per_person: int | None = None, prune_from: int | None = None) -> Plan:
    """Place people on opportunities under every hard rule, best weighted score first, within
    the policy's time limit. Returns a `Plan` with status, objective, bound, gap and explanations.
    `on_progress` hears each improvement and, every half second, the phase and best so far;
    setting `stop` ends the run early with the best plan found (status STOPPED_EARLY).

    The bound always covers the whole problem (every eligible pair), even when the model kept only
    each person's best pairs (`keep_per_person`, from `prune_from` eligible pairs; defaults in
    optimiser.model) and even when the LP relaxation did not finish."""
    return _solve(scenario, policy, on_progress, stop, keep_per_person, prune_from, with_prices=False)[0]


def solve_plan_with_prices(scenario: Scenario, policy: Policy | None = None,
                           on_progress: Callable[[Progress], None] | None = None,
                           stop: threading.Event | None = None) -> tuple[Plan, Priced]:
    """`solve_plan`, and the pricing of the whole problem by the duals of its final LP round
    (`optimiser.pricing.Priced`: its bound, and each person's and opportunity's prices), for a
    caller that combines plans of parts of a scenario (optimiser.distributed). A model solved
    without the LP route has its LP solved once more for the prices; when no LP finished, every
    dual is zero (each person's best pairs alone, still a bound)."""
    return _solve(scenario, policy or scenario.policy, on_progress, stop, None, None, with_prices=True)


def _solve(scenario: Scenario, policy: Policy | None, on_progress, stop, keep_per_person: int | None,
           prune_from: int | None, with_prices: bool) -> tuple[Plan, Priced | None]:
    policy = policy or scenario.policy
    started = time.perf_counter()
    deadline = started + policy.time_limit_s
    events: list[Progress] = []

    def tick(seconds: float, phase: str, objective: float | None, bound: float | None) -> None:
        if on_progress is not None:
            on_progress(Progress(time.perf_counter() - started, objective, bound, "tick", phase, control.placements))

    control = SolveControl(stop, on_tick=tick)

    def emit(event: Progress) -> None:
        event.seconds = time.perf_counter() - started
        event.phase = event.phase or control.phase
        control.best(event.objective, event.bound, event.placements)
        events.append(event)
        if on_progress is not None:
            on_progress(event)

    with control.running():
        emit(Progress(0, None, None, "start", "candidates"))
        return _plan(scenario, policy, deadline, started, events, emit, control, keep_per_person, prune_from,
                     with_prices)


def _plan(scenario: Scenario, policy: Policy, deadline: float, started: float, events: list[Progress], emit,
          control: SolveControl, keep_per_person: int | None, prune_from: int | None,
          with_prices: bool) -> tuple[Plan, Priced | None]:
    """The steps of `solve_plan` (see the module docstring), phases reported to `control`."""
    t0 = time.perf_counter()
    data, eligible = model_and_eligible_pairs(scenario, policy, keep_per_person=keep_per_person,
                                              prune_from=prune_from)
    rows = build_rows(data)
    build_seconds = time.perf_counter() - t0
    stats: dict = {"candidate_pairs": eligible.n_pairs, "pairs_in_model": data.n_pairs,
                   "variables": data.n_total_vars,
                   "build_seconds": round(build_seconds, 3)}

    work_deadline = deadline - min(_reserve(data), REPORT_RESERVE_MAX_SHARE * policy.time_limit_s)
    outcome = _ineligible_pins(data) or _optimise(data, rows, eligible, work_deadline, emit, stats, control)
    outcome.status = stopped_early_status(outcome.status, control.stopped())
    priced = _final_pricing(data, rows, eligible, outcome, deadline, control) if with_prices else None
    control.phase_is("writing_up")
    plan = _write_up(outcome.data or data, eligible, outcome, stats, events, started)
    return plan, priced


def _final_pricing(data: ModelData, rows: dict[str, Rows], eligible: EligiblePairs, outcome: _Outcome,
                   deadline: float, control: SolveControl) -> Priced:
    """The last LP round's pricing; else (CP-SAT alone) the LP of the model solved once for it,
    when time is left; else every dual zero."""
    if outcome.priced is not None:
        return outcome.priced
    if outcome.data is None and data.n_vars and _remaining(deadline) > 0 and not control.stopped():
        lp = lp_bound(data, rows, max(0.1, _remaining(deadline)), solver=LP_SOLVER, control=control)
        if lp.status == "OPTIMAL" and lp.duals is not None:
            priced = price_all_pairs(data, rows, lp.duals, eligible)
            if priced is not None:
                return priced
    return unpriced(data, rows, eligible)


def stopped_early_status(status: str, stopped: bool) -> str:
    """A run its planner stopped keeps a proven answer (optimal, or rules that conflict);
    otherwise its plan is the best found so far and says it was stopped early."""
    if not stopped or status in ("OPTIMAL", "INFEASIBLE"):
        return status
    return "STOPPED_EARLY"


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


def _greedy(data: ModelData, rows: dict[str, Rows], deadline: float | None, emit, stats: dict,
            control: SolveControl):
    """The greedy plan, its value and whether it meets every rule."""
    control.phase_is("first_plan")
    t0 = time.perf_counter()
    greedy = greedy_plan(data, rows, deadline=deadline)
    greedy_value = _value(data, greedy)
    greedy_ok = _satisfies(data, rows, greedy)
    stats["greedy_objective"] = greedy_value
    stats["greedy_seconds"] = round(time.perf_counter() - t0, 3)
    if greedy_ok:
        emit(Progress(0, greedy_value, None, "greedy", placements=int(greedy[: data.n_vars].sum())))
    return greedy, greedy_value, greedy_ok


def _optimise(data: ModelData, rows: dict[str, Rows], eligible: EligiblePairs, deadline: float, emit,
              stats: dict, control: SolveControl) -> _Outcome:
    policy = data.policy
    if data.n_vars == 0:
        return _Outcome("OPTIMAL", np.zeros(0, np.int8), 0.0, 0.0, "no candidate pairs", [])
    pruned = data.pruned_from is not None
    if not pruned and (policy.stable or data.n_vars <= DIRECT_CP_SAT_UP_TO):
        greedy, greedy_value, greedy_ok = _greedy(data, rows, deadline, emit, stats, control)
        if greedy_ok and not policy.stable and control.stopped():
            return _Outcome("FEASIBLE", greedy, greedy_value, trivial_bound(data, eligible),
                            "greedy (stopped before optimising)", [])
        if greedy_ok and not policy.stable and _remaining(deadline) < CP_SAT_BUILD_S_PER_VAR * data.n_vars + 0.2:
            return _Outcome("FEASIBLE", greedy, greedy_value, trivial_bound(data, eligible),
                            "greedy (no time left to optimise)", [])
        control.phase_is("improving")
        result = _cp_sat(data, deadline, emit, "cp-sat",
                         with_counts(data, rows, greedy) if greedy_ok else None, control=control)
        if result.status not in ("OPTIMAL", "FEASIBLE", "INFEASIBLE") and greedy_ok and not policy.stable:
            return _Outcome("FEASIBLE", greedy, greedy_value, result.bound, "greedy (CP-SAT found no better plan in time)", [])
        return result
    return _optimise_by_lp(data, rows, eligible, deadline, emit, stats, control)


@dataclass
class _Search:
    """The state of the LP route: the model (grown by column generation), the best plan so far
    (by eligible pair and period, so it survives the model growing) and the best whole-problem bound."""

    data: ModelData
    rows: dict[str, Rows]
    plan: np.ndarray  # 0/1 per variable of `data`
    value: float
    plan_ok: bool
    bound: float
    method: str
    priced: Priced | None = None


def _optimise_by_lp(data: ModelData, rows: dict[str, Rows], eligible: EligiblePairs, deadline: float, emit,
                    stats: dict, control: SolveControl) -> _Outcome:
    """Greedy plan, then rounds of: LP on the model, whole-problem bound by pricing every eligible
    pair, LP-rounded plan, and the pairs with positive reduced cost added back; then the exact step
    on the pairs that could still improve the plan."""
    # The greedy plan comes first and is never cut short: it is the plan returned when the LP
    # relaxation does not finish, and it costs a fraction of the LP.
    greedy, greedy_value, greedy_ok = _greedy(data, rows, None, emit, stats, control)
    t0 = time.perf_counter()
    state = _Search(data, rows, greedy, greedy_value, greedy_ok, trivial_bound(data, eligible), "greedy")
    stats["trivial_bound"] = state.bound
    stats["trivial_bound_seconds"] = round(time.perf_counter() - t0, 3)
    emit(Progress(0, state.value if greedy_ok else None, state.bound, "greedy + bound without LP",
                  placements=int(state.plan[: data.n_vars].sum()) if greedy_ok else None))
    if control.stopped():
        state.method = "greedy (stopped before optimising)"
        return _finish(state)
    control.phase_is("improving")
    lp, priced = None, None
    stats["lp_rounds"] = []
    for _round in range(MAX_PRICING_ROUNDS):
        round_started = time.perf_counter()
        # HiGHS (through scipy) cannot be interrupted; a run someone may stop uses GLOP, which can.
        solver = STOPPABLE_LP_SOLVER if control.stoppable else LP_SOLVER
        lp = lp_bound(state.data, state.rows, max(0.1, _remaining(deadline)), solver=solver, control=control)
        if lp.status == "INFEASIBLE":
            return _cp_sat(state.data, deadline, emit, "cp-sat", None, control=control)
        if lp.status != "OPTIMAL" or lp.duals is None:
            stats["lp_rounds"].append({"pairs": state.data.n_pairs, "lp_status": lp.status,
                                       "seconds": round(time.perf_counter() - round_started, 3)})
            if control.stopped():
                state.method = ("greedy (stopped during the LP relaxation)" if state.method == "greedy"
                                else state.method + " (stopped during the LP relaxation)")
            lp = None
            break
        priced = price_all_pairs(state.data, state.rows, lp.duals, eligible, max_add=_max_added(state.data))
        if priced is not None:
            state.bound = min(state.bound, priced.bound)
            state.priced = priced
        elif state.data.pruned_from is None:
            state.bound = min(state.bound, lp.bound)
        _round_lp(state, lp, emit)
        stats["lp_rounds"].append({
            "pairs": state.data.n_pairs, "lp_status": lp.status, "lp_objective": lp.objective,
            "whole_problem_bound": None if priced is None else priced.bound,
            "pairs_with_positive_reduced_cost": None if priced is None else priced.n_positive,
            "seconds": round(time.perf_counter() - round_started, 3)})
        if state.plan_ok and state.value >= np.floor(state.bound + 1e-6):
            # Objective points are integers: a plan worth floor(bound) is optimal.
            return _Outcome("OPTIMAL", state.plan, state.value, state.value, state.method + " (optimal)", [],
                            state.data, state.priced)
        last_round = time.perf_counter() - round_started
        # Another round is tried even when it may not finish: an LP cut short loses nothing (the
        # plan and bound so far stand), and one that finishes can close most of the gap.
        if (priced is None or priced.n_positive == 0 or _remaining(deadline) < 0.5 * last_round
                or control.stopped()):
            break
        grown = with_more_pairs(state.data, eligible, priced.add)
        state.plan = _remap(state.data, state.plan, grown)
        state.data, state.rows = grown, build_rows(grown)
        stats["pairs_in_model"] = state.data.n_pairs
        lp, priced = None, None
    stats["lp_bound"] = None if lp is None else lp.bound
    if lp is None or priced is None:
        return _finish(state)
    return _exact_step(state, lp, priced, deadline, emit, stats, control)


# Column generation: at most this many rounds, each adding at most this many pairs per person in
# the model (the best by reduced cost), so one round cannot blow the model up.
MAX_PRICING_ROUNDS = 8
ADDED_PER_PERSON = 2
# The exact step (SCIP) runs only on a reduced model this small: measured, it proves a model of a
# few thousand pairs optimal in about a second, and only reaches a plan on 400,000 pairs.
EXACT_STEP_UP_TO_PAIRS = 20_000
# The LP back end of the LP route: measured side by side in bench/bench_lp_solvers.py.
LP_SOLVER = "highs"
STOPPABLE_LP_SOLVER = "glop"


def _max_added(data: ModelData) -> int:
    return max(1000, ADDED_PER_PERSON * data.arrays.n_people)


def _remap(old: ModelData, chosen: np.ndarray, new: ModelData) -> np.ndarray:
    """A plan over the variables of `old` as the same placements over the variables of `new`."""
    picked = np.flatnonzero(chosen[: old.n_vars])
    pair, period = picked % max(old.n_pairs, 1), picked // max(old.n_pairs, 1)
    index = old.pairs["eligible"].to_numpy()[pair]
    where = np.searchsorted(new.pairs["eligible"].to_numpy(), index)
    out = np.zeros(new.n_vars, dtype=np.int8)
    out[period * new.n_pairs + where] = 1
    return out


def _round_lp(state: _Search, lp, emit) -> None:
    """The LP-rounded plan (one linear pass); kept when it meets every rule and beats the best."""
    data, rows = state.data, state.rows
    points = np.tile(data.pairs["points"].to_numpy(), data.periods)
    rounded = greedy_plan(data, rows, order=lp_rounded_order(lp.values, points))
    value = _value(data, rounded)
    if _satisfies(data, rows, rounded) and (not state.plan_ok or value > state.value):
        state.plan, state.value, state.plan_ok, state.method = rounded, value, True, "lp + rounding"
    emit(Progress(0, state.value if state.plan_ok else None, state.bound, "lp-rounded",
                  placements=int(state.plan[: data.n_vars].sum()) if state.plan_ok else None))


def _finish(state: _Search) -> _Outcome:
    if not state.plan_ok:
        return _Outcome("TIME_LIMIT_NO_PLAN", state.plan * 0, None, state.bound, state.method, [], state.data,
                        state.priced)
    method = state.method if state.method != "greedy" else "greedy (LP relaxation did not finish in time)"
    return _Outcome("FEASIBLE", state.plan, state.value, state.bound, method, [], state.data, state.priced)


def _exact_step(state: _Search, lp, priced, deadline: float, emit, stats: dict,
                control: SolveControl) -> _Outcome:
    """Reduced-cost fixing, then SCIP on what is left. A plan using variable v is worth at most
    bound(y) - penalty(v) (optimiser.pricing), so only variables with
    penalty < bound(y) - best plan + 1 can improve it; the MIP solves the model of those."""
    data, rows = state.data, state.rows
    if not state.plan_ok:
        return _finish(state)
    room = priced.bound - state.value + 1.0
    keep_var = (priced.penalty < room) | (state.plan > 0)
    keep_pair = keep_var.reshape(data.periods, data.n_pairs).any(axis=0)
    for pp in data.pinned_positions:
        keep_pair[data.pair_index[pp]] = True
    kept = np.flatnonzero(keep_pair)
    dropped_min = float(priced.penalty[~np.repeat(keep_pair[None, :], data.periods, axis=0).ravel()].min(initial=np.inf))
    # Any plan using a variable left out of the MIP is worth at most this:
    outside_best = priced.bound - min(dropped_min, priced.outside_min_penalty)
    stats["pairs_after_reduced_cost_fixing"] = int(len(kept))
    if len(kept) > EXACT_STEP_UP_TO_PAIRS:
        state.method += " (too many pairs left for the exact step)"
        return _finish(state)
    if control.stopped():
        state.method += " (stopped before the exact step)"
        return _finish(state)
    if _remaining(deadline) < CP_SAT_BUILD_S_PER_VAR * len(kept) * data.periods + 0.2:
        state.method += " (no time left for the exact step)"
        return _finish(state)
    control.phase_is("proving")
    small = ModelData(scenario=data.scenario, arrays=data.arrays, policy=data.policy, periods=data.periods,
                      pairs=data.pairs.iloc[kept].reset_index(drop=True), critical_table=data.critical_table,
                      eligible_people=data.eligible_people)
    to_full = (np.arange(data.periods)[:, None] * data.n_pairs + kept[None, :]).ravel()
    small_rows = build_rows(small)
    # SCIP, not HiGHS: both prove the small model optimal in about a second, but HiGHS overran its
    # time limit by minutes on a 6,000-pair model, where SCIP stops within about a second.
    mip = solve_linear(small, small_rows, "scip", max(0.1, _remaining(deadline) - 0.5), integral=True,
                       control=control)
    stats["reduced_mip_status"] = mip.status
    if mip.values is not None:
        candidate = np.zeros(data.n_vars, np.int8)
        candidate[to_full] = np.rint(mip.values[: small.n_vars]).astype(np.int8)
        if _satisfies(data, rows, candidate) and _value(data, candidate) >= state.value:
            state.plan, state.value = candidate, _value(data, candidate)
            state.method = "lp + reduced-cost fixing + scip mip"
    if mip.bound is not None:
        state.bound = min(state.bound, max(mip.bound, outside_best))
    emit(Progress(0, state.value, state.bound, "scip mip (reduced model)", placements=int(state.plan[: data.n_vars].sum())))
    if state.value >= np.floor(state.bound + 1e-6):
        return _Outcome("OPTIMAL", state.plan, state.value, state.value, state.method, [], data, state.priced)
    return _finish(state)


def _cp_sat(data: ModelData, deadline: float, emit, method: str,
            hint: np.ndarray | None, bound_cap: float | None = None, control: SolveControl | None = None) -> _Outcome:
    built = build_model(data)
    policy = data.policy
    result = solve(built, max(0.05, _remaining(deadline)), policy.workers, policy.random_seed, hint=hint,
                   on_progress=lambda e: emit(Progress(0, e.objective, min(e.bound, bound_cap)
                                                        if (e.bound is not None and bound_cap) else e.bound,
                                                        e.source, placements=e.placements)), control=control)
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


def _write_up(data: ModelData, eligible: EligiblePairs, outcome: _Outcome, stats: dict, events: list[Progress],
              started: float) -> Plan:
    chosen = outcome.chosen
    picked = np.flatnonzero(chosen[: data.n_vars])
    pair = picked % max(data.n_pairs, 1)
    period = picked // max(data.n_pairs, 1) + 1
    placements = explain_placements(data, pair, period)
    date_placements(data.scenario, data.policy, placements)
    blocking = blocking_pairs(data, chosen[: data.n_vars]) if data.n_vars else pd.DataFrame()
    objective = outcome.objective
    bound = outcome.bound
    if bound is None and outcome.status != "INFEASIBLE":
        bound = trivial_bound(data, eligible)  # never "no bound": the one that needs no solver
        stats["bound_source"] = "each person's best pairs (no solver bound in time)"
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
        bound_scope=BOUND_SCOPE if bound is not None else None,
        gap=gap,
        solve_seconds=round(time.perf_counter() - started, 3),
        placements=placements,
        blocking_pairs=blocking_pair_records(data, blocking),
        blocking_pair_count=int(len(blocking)),
        conflicts=outcome.conflicts,
        unplaced=unplaced,
        periods=data.periods,
        warnings=calendar_warnings(data.scenario, data.policy),
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
            policy: Policy | None = None, on_progress=None, stop: threading.Event | None = None) -> WhatIf:
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
        baseline=solve_plan(scenario, half, on_progress, stop=stop),
        changed=solve_plan(changed_scenario, changed_half, on_progress, stop=stop),
        eligible_pairs_before=len(before),
        eligible_pairs_after=len(after),
        people_newly_eligible=len(gained),
        eligible_by_opportunity=by_opp,
    )


__all__ = ["solve_plan", "what_if", "WhatIf", "relax_requirement", "TERMS", "Placement"]
