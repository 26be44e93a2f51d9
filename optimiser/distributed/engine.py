"""National scale: a scenario planned in parts, side by side, then a coordinating pass.

1. Split (`parts`): by region when teams name regions, else clusters of whole organisations.
2. Rules that compare the whole organisation (stable matching, fairness floors, the equality
   rule, the cap on moves across organisations, pins or forbids across parts) cannot be kept by
   parts alone: such a plan is made by the single-process `solve_plan`, and says so.
3. Each part is planned by the single-process solver (`solve_part`, a module-level function of
   plain picklable arguments, so a cluster can run it), all within a time limit that fits the
   whole run: parts run in waves of `run_parts.slots` at once (1 in process), and the
   coordinating pass keeps its share. Each part returns its plan and the prices of its last LP
   round.
4. Each part's pairs across parts are found and priced by every part's duals, side by side
   (`cross`), and with the parts' bounds give a bound on the whole problem (`bound`).
5. The coordinating pass plans what is left (`coordinate`): the places open across parts and
   the moves that compete with them reopened, people still unplaced who have a pair across
   parts, on the places the parts left free, within what each team may still release; kept
   only when it beats what it reopened.
6. The plans are added up: every rule holds, because each part kept it over its own people and
   opportunities and the coordinating pass kept it over what was left.

Any engine runs the parts: `run_parts(fn, calls)` must return [fn(*args) for args in calls], in
order (`run_in_process` does exactly that; a cluster runner maps them onto workers and may say how
many run at once with a `slots` attribute).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np

from optimiser.candidates import scenario_arrays
from optimiser.distributed.bound import (
    CrossPairs,
    PartBound,
    PricedCross,
    opp_prices,
    own_reduced_costs,
    value_alone,
    whole_bound,
)
from optimiser.distributed.coordinate import movers, placement_points, places_left, reopened, what_is_left
from optimiser.distributed.cross import (
    MAX_PAYING_PAIRS,
    PRICING_S_PER_CELL,
    mask_cells,
    opportunities_open_across,
    pairs_between,
    price_pairs_across,
)
from optimiser.distributed.parts import Part, part_scenario, pins_across_parts, split_scenario, teams_name_regions
from optimiser.matching import BOUND_SCOPE, solve_plan, solve_plan_with_prices, stopped_early_status
from optimiser.model import Progress
from planner.domain import Plan, Policy, Scenario
from planner.rotation_calendar import date_placements

T = TypeVar("T")
PartRunner = Callable[[Callable[..., T], list[tuple]], list[T]]

# Share of what is left of the time limit, once the parts are set up, kept for the coordinating pass.
COORDINATING_SHARE = 0.2
# Seconds kept for adding the plans up and pricing the pairs across parts.
COMBINE_RESERVE_S = 0.3
# Measured set-up cost of a coordinating pass (copying the scenario, its arrays, the candidate pairs of
# its movers): per person of the scenario, and per (mover x opportunity) cell of the eligibility mask.
COORDINATING_SETUP_S_PER_PERSON = 5e-5
COORDINATING_SETUP_S_PER_CELL = 5e-8
# Short of time for everyone who could move, the pass takes each place's best this many candidates.
MOVERS_PER_PLACE = 10
# Tightening the whole bound (raised capacity prices) takes at most this long, or this share of the limit.
BOUND_SECONDS = 2.0
BOUND_SHARE = 0.02
# A part gets at least this long, and the coordinating pass runs only with this long left.
MIN_SOLVE_S = 0.3
PLANNED_STATUSES = ("OPTIMAL", "FEASIBLE", "STOPPED_EARLY")


def run_in_process(fn: Callable[..., T], calls: list[tuple]) -> list[T]:
    """Run the parts one after another in this process (the default engine)."""
    return [fn(*args) for args in calls]


run_in_process.slots = 1  # type: ignore[attr-defined]


@dataclass
class _Coordinated:
    """The placements after the coordinating pass, its plans, one per period (None: the parts'
    plan stands), and the points of the parts' placements it replaced."""

    placements: list
    plans: list[Plan] | None
    reopened_points: float = 0.0
    unplaced: dict[str, str] = field(default_factory=dict)  # why the people it could move stayed unplaced


@dataclass
class PartOutcome:
    """A part's plan and what its solve says about its own pairs (for the whole bound)."""

    plan: Plan
    bound: PartBound


def solve_part(scenario: Scenario, policy: Policy, open_across: np.ndarray | None = None,
               stop: threading.Event | None = None) -> PartOutcome:
    """Plan one part with the single-process solver and keep its prices and those of its own
    pairs on `open_across` (its opportunities that people of other parts could take; positions
    are the part's) that still pay: raising those opportunities' prices can lower only these."""
    plan, priced = solve_plan_with_prices(scenario, policy, stop=stop)
    own = pairs_between(scenario_arrays(scenario), policy.stretch_levels, policy.weights,
                        np.arange(len(scenario.people)),
                        np.asarray(open_across if open_across is not None else [], dtype=np.int64))
    own = own.subset(value_alone(own_reduced_costs(priced.prices, own)) > 1e-9)
    return PartOutcome(plan, PartBound(priced.bound, priced.prices, priced.people, own, priced.best_on_opp))


def share(run_parts: PartRunner, value: T) -> T:
    """`value` as the engine passes one large argument to many calls (Ray: put once in its object
    store, read by every task without a copy); in process, the value itself."""
    put = getattr(run_parts, "share", None)
    return put(value) if put is not None else value


def part_work(scenario: Scenario) -> float:
    """How much solving a part takes, for sharing out the time: its people times its
    opportunities (the cells its eligible pairs come from; the LP grows with the pairs)."""
    return float(max(1, len(scenario.people)) * max(1, len(scenario.opportunities)))


def list_schedule_span(limits: np.ndarray, slots: int) -> float:
    """When parts with these time limits, run on `slots` workers each taking the next part as it
    frees, have all ended, whatever order they come in and however early each ends (Graham's
    bound): the last to end started when no worker was free, so by the sum of the others'
    limits over the slots, and ran for at most its own limit."""
    if not len(limits):
        return 0.0
    return float(limits.sum() / slots + (1 - 1 / slots) * limits.max())


def coordinating_setup_s(people: int, opportunities: int, movers: int) -> float:
    """About how long setting up a coordinating pass over `movers` people takes (its scenario and
    candidates cost about as much as the single-process solver's for that many people, and
    cannot be cut short)."""
    return COORDINATING_SETUP_S_PER_PERSON * people + COORDINATING_SETUP_S_PER_CELL * movers * opportunities


def coordinating_share(people: int, opportunities: int, places_open_across: int, left: float) -> float:
    """The share of the time left that the parts leave to the coordinating pass: COORDINATING_SHARE,
    or nothing when even a pass over as many movers as there are places open across parts (the
    parts fill most of them, and the pass reopens those) could not be set up in half of that
    share (`_Run._time_to_coordinate` would skip it): then the parts get the time."""
    setup = coordinating_setup_s(people, opportunities, places_open_across)
    return COORDINATING_SHARE if setup <= COORDINATING_SHARE * left / 2 else 0.0


def whole_organisation_rules(policy: Policy) -> list[str]:
    """The policy's rules that compare the whole organisation, which no part can keep alone."""
    rules = []
    if policy.stable:
        rules.append("stable matching")
    if policy.fairness.bands and policy.fairness.min_share > 0:
        rules.append("the fairness floor")
    if policy.equality.attribute and policy.equality.min_ratio > 0:
        rules.append("the equality rule")
    if policy.max_cross_organisation is not None:
        rules.append("the cap on moves across organisations")
    return rules


def solve_plan_in_parts(scenario: Scenario, policy: Policy | None = None, *,
                        run_parts: PartRunner = run_in_process, parts: int | None = None,
                        on_progress: Callable[[Progress], None] | None = None,
                        stop: threading.Event | None = None) -> Plan:
    """Plan the scenario in parts (see the module docstring) within `policy.time_limit_s`; the
    plan's bound covers the whole problem. `on_progress` hears the phases "parts" and
    "coordinating"; setting `stop` ends the run with the best plan so far."""
    policy = policy or scenario.policy
    started = time.perf_counter()
    deadline = started + policy.time_limit_s
    split = split_scenario(scenario, parts)
    why_whole = whole_organisation_rules(policy)
    if why_whole or len(split) < 2:
        why = (", ".join(why_whole) + " compare the whole organisation") if why_whole else "the scenario has one part"
        return _in_one_process(scenario, policy, deadline, why, on_progress, stop)
    across = pins_across_parts(scenario, policy, split)
    if across:
        return _in_one_process(scenario, policy, deadline, f"{len(across)} pinned or forbidden placements join "
                               "two parts", on_progress, stop)
    return _Run(scenario, policy, split, started, deadline, on_progress, stop).plan(run_parts)


def _in_one_process(scenario: Scenario, policy: Policy, deadline: float, why: str, on_progress, stop) -> Plan:
    """The single-process plan, saying why the scenario was not split."""
    left = max(MIN_SOLVE_S, deadline - time.perf_counter())
    plan = solve_plan(scenario, policy.model_copy(update={"time_limit_s": left}), on_progress, stop)
    plan.warnings.append(f"planned in one process, not in parts: {why}")
    plan.stats["engine"] = f"single process ({why})"
    return plan


class _Run:
    """One run of `solve_plan_in_parts` past the checks: parts, bound, coordination, plan."""

    def __init__(self, scenario: Scenario, policy: Policy, split: list[Part], started: float, deadline: float,
                 on_progress, stop: threading.Event | None):
        self.scenario, self.policy, self.split = scenario, policy, split
        self.started, self.deadline = started, deadline
        self.on_progress, self.stop = on_progress, stop
        self.events: list[Progress] = []
        self.places_open_across = 0  # places on opportunities people of other parts may take
        self.stats: dict = {"engine": f"{len(split)} parts by " + ("region" if teams_name_regions(scenario)
                                                                    else "organisation cluster")}

    def _stopped(self) -> bool:
        return self.stop is not None and self.stop.is_set()

    def _emit(self, source: str, phase: str, objective: float | None = None, bound: float | None = None,
              placements: int | None = None) -> None:
        event = Progress(time.perf_counter() - self.started, objective, bound, source, phase, placements)
        self.events.append(event)
        if self.on_progress is not None:
            self.on_progress(event)

    def plan(self, run_parts: PartRunner) -> Plan:
        self._emit("start", "parts")
        t0 = time.perf_counter()
        arrays = scenario_arrays(self.scenario)
        scenarios = [part_scenario(self.scenario, part, self.policy) for part in self.split]
        open_opps = opportunities_open_across(arrays, self.split)
        cells = mask_cells(arrays, self.split)
        slots = max(1, int(getattr(run_parts, "slots", 1)))
        # the pairs across parts are priced side by side after the parts: keep their time aside
        pricing = PRICING_S_PER_CELL * max(sum(cells) / slots, max(cells, default=0))
        self.stats.update({"split_seconds": round(time.perf_counter() - t0, 3), "cross_mask_cells": int(sum(cells)),
                           "cross_pricing_estimate_s": round(pricing, 3)})
        outcomes = self._solve_parts(run_parts, scenarios, open_opps, pricing)
        failed = [o.plan for o in outcomes if o.plan.status not in PLANNED_STATUSES]
        if failed:
            return self._not_planned(failed)
        bounds = [o.bound for o in outcomes]
        self._emit("parts solved", "parts", float(sum(o.plan.objective or 0.0 for o in outcomes)), None,
                   sum(len(o.plan.placements) for o in outcomes))
        priced = self._price_pairs_across(run_parts, arrays, bounds)
        cross = CrossPairs.joined([p.paying for p in priced])
        bound = whole_bound(self.scenario, self.split, bounds, priced, self.policy.periods,
                            seconds=min(BOUND_SECONDS, BOUND_SHARE * self.policy.time_limit_s))
        placements = [p for o in outcomes for p in o.plan.placements]
        objective = float(sum(o.plan.objective or 0.0 for o in outcomes))
        self._emit("parts planned", "parts", objective, bound, len(placements))
        coordinated = self._coordinate(placements, cross, bound, objective)
        return self._combine(outcomes, coordinated, bound)

    def _price_pairs_across(self, run_parts: PartRunner, arrays, bounds: list[PartBound]) -> list[PricedCross]:
        """Every part's pairs across parts, priced by all the parts' duals, side by side."""
        t0 = time.perf_counter()
        prices = opp_prices(self.split, bounds, len(self.scenario.opportunities), self.policy.periods)
        keep = MAX_PAYING_PAIRS // len(self.split)
        shared = share(run_parts, arrays)
        policy = self.policy
        priced = run_parts(price_pairs_across, [(shared, policy.stretch_levels, policy.weights, part, found, prices,
                                                 keep) for part, found in zip(self.split, bounds)])
        self.stats.update({"cross_pairs": int(sum(p.n_pairs for p in priced)),
                           "cross_pairs_paying": int(sum(p.paying.n_pairs for p in priced)),
                           "cross_pairs_complete": all(p.complete for p in priced),
                           "cross_seconds": round(time.perf_counter() - t0, 3)})
        return priced

    def _solve_parts(self, run_parts: PartRunner, scenarios: list[Scenario], open_across: list[np.ndarray],
                     reserve: float) -> list[PartOutcome]:
        slots = max(1, int(getattr(run_parts, "slots", 1)))
        waves = math.ceil(len(scenarios) / slots)
        left = self.deadline - time.perf_counter() - reserve
        places = int(sum(self.scenario.opportunities[i].capacity for part, opps in zip(self.split, open_across)
                         for i in part.opportunities[opps].tolist()))
        kept = coordinating_share(len(self.scenario.people), len(self.scenario.opportunities), places, left)
        self.stats["coordinating_share"] = kept
        self.places_open_across = places
        budget = left * (1 - kept) - COMBINE_RESERVE_S
        limit = max(MIN_SOLVE_S, budget / waves)
        self.stats["part_time_limit_s"] = round(limit, 3)
        if run_parts is not run_in_process and slots > 1:
            return self._solve_parts_side_by_side(run_parts, scenarios, open_across, slots, budget)
        calls = [(s, s.policy.model_copy(update={"time_limit_s": limit}), open_opps)
                 for s, open_opps in zip(scenarios, open_across)]
        if run_parts is run_in_process:
            # In this process a stop request reaches the running part, each part reports, and
            # each part gets its share of the time the parts have left, so one that overran its
            # limit (candidate pairs cannot be cut short) does not push the run past its own.
            done: list[PartOutcome] = []
            parts_end = time.perf_counter() + limit * len(scenarios)

            def one(scenario: Scenario, policy: Policy, open_opps: np.ndarray) -> PartOutcome:
                share = (parts_end - time.perf_counter()) / (len(scenarios) - len(done))
                policy = policy.model_copy(update={"time_limit_s": MIN_SOLVE_S if self._stopped()
                                                   else max(MIN_SOLVE_S, share)})
                outcome = solve_part(scenario, policy, open_opps, self.stop)
                done.append(outcome)
                self._emit(f"part {len(done)} of {len(scenarios)} planned", "parts",
                           float(sum(o.plan.objective or 0.0 for o in done)), None,
                           sum(len(o.plan.placements) for o in done))
                return outcome

            return run_parts(one, calls)
        return run_parts(solve_part, calls)

    def _solve_parts_side_by_side(self, run_parts: PartRunner, scenarios: list[Scenario],
                                  open_across: list[np.ndarray], slots: int, budget: float) -> list[PartOutcome]:
        """Parts on `slots` workers at once, largest first, each with a time limit in proportion to
        its work (`part_work`): any order of running them then ends within `budget`
        (`list_schedule_span`), and the large
        parts, whose LPs need the time, get it instead of an equal share."""
        work = np.array([part_work(s) for s in scenarios], dtype=np.float64)
        order = np.argsort(-work, kind="stable")
        share = budget / max(list_schedule_span(work, slots), 1e-9)
        limits = np.maximum(MIN_SOLVE_S, work * share)
        self.stats["part_time_limits_s"] = [round(float(x), 3) for x in limits]
        calls = [(scenarios[i], scenarios[i].policy.model_copy(update={"time_limit_s": float(limits[i])}),
                  open_across[i]) for i in order]
        results = run_parts(solve_part, calls)
        outcomes: list[PartOutcome | None] = [None] * len(scenarios)
        for i, outcome in zip(order, results):
            outcomes[i] = outcome
        return outcomes  # type: ignore[return-value]

    def _coordinate(self, placements: list, cross: CrossPairs, bound: float, objective: float) -> _Coordinated:
        """The coordinating pass, period by period: the places open across parts and the moves
        that compete with them reopened, plus what the parts left, planned again; kept only
        when it beats the parts' plan of the same places."""
        self.stats["coordinating"] = {"placements_reopened": 0, "people": 0}
        # the parts fill most places open across parts, and the pass reopens them: with no time to
        # set up a pass over that many movers, even finding them is not worth it
        if not self._time_to_coordinate(self.places_open_across, self.policy.periods):
            return _Coordinated(placements, None)
        kept, freed = reopened(self.scenario, self.policy, placements, (cross.person, cross.opp, cross.points))
        freed_people = {p.person_id for p in freed}
        unchanged = _Coordinated(placements, None)
        self.stats["coordinating"] = {"placements_reopened": len(freed), "people": 0}
        if self._stopped():
            return unchanged
        self._emit("start", "coordinating", objective, bound, len(placements))
        t0 = time.perf_counter()
        current, plans, chosen_all, reasons = list(kept), [], set(), {}
        periods = self.policy.periods
        for period in range(1, periods + 1):
            now = [p for p in current if p.period == period]
            chosen = self._movers(now, cross, freed_people, periods - period + 1)
            if not chosen or self._stopped():
                continue
            chosen_all |= chosen
            rest = what_is_left(self.scenario, self.policy, current, chosen, period)
            left = self.deadline - time.perf_counter() - COMBINE_RESERVE_S
            if left < MIN_SOLVE_S:
                break
            limit = left / (periods - period + 1)
            plan = solve_plan(rest, rest.policy.model_copy(update={"time_limit_s": limit}), stop=self.stop)
            if plan.status not in PLANNED_STATUSES:
                continue
            for placement in plan.placements:
                placement.period = period
            date_placements(self.scenario, self.policy, plan.placements)
            current += plan.placements
            plans.append(plan)
            # everyone else was out of this period's pass (unavailable there): not their reason
            reasons.update({pid: why for pid, why in plan.unplaced.items() if pid in chosen})
        before = placement_points(self.scenario, self.policy, freed)
        after = float(sum(plan.objective or 0.0 for plan in plans))
        added = len(current) - len(kept)
        self.stats["coordinating"].update({"people": len(chosen_all), "objective": after, "reopened_objective": before,
                                           "placements": added, "seconds": round(time.perf_counter() - t0, 3),
                                           "statuses": [plan.status for plan in plans]})
        if not plans or after <= before:
            self.stats["coordinating"]["kept"] = "the parts' plan (the coordinating pass found nothing better)"
            return unchanged
        self._emit("coordinated", "coordinating", objective - before + after, bound, len(current))
        return _Coordinated(current, plans, before, reasons)

    def _movers(self, now: list, cross: CrossPairs, freed: set[str], periods_left: int) -> set[str]:
        """Everyone the pass could move in this period when there is time for it, else each place's
        best candidates across parts (MOVERS_PER_PLACE), else nobody."""
        free = places_left(self.scenario, now)
        pairs = (cross.person, cross.opp, cross.points)
        for per_place in (None, MOVERS_PER_PLACE):
            chosen = movers(self.scenario, now, pairs, free, per_place) | freed
            if self._time_to_coordinate(len(chosen), periods_left):
                self.stats["coordinating"].pop("skipped", None)
                return chosen
        return set()

    def _time_to_coordinate(self, movers: int, periods_left: int) -> bool:
        """Is there time for a coordinating pass over `movers` people in this period? Its scenario
        and candidates cost about as much as the single-process solver's for that many people,
        and cannot be cut short, so they must fit in half of this period's share of the time left."""
        left = (self.deadline - time.perf_counter() - COMBINE_RESERVE_S) / periods_left
        setup = coordinating_setup_s(len(self.scenario.people), len(self.scenario.opportunities), movers)
        if left < MIN_SOLVE_S or setup > left / 2:
            self.stats["coordinating"]["skipped"] = f"no time left (about {setup:.1f} s needed to set up)"
            return False
        return True

    def _combine(self, outcomes: list[PartOutcome], coordinated: _Coordinated, bound: float) -> Plan:
        plans = [o.plan for o in outcomes] + (coordinated.plans or [])
        placements = coordinated.placements
        objective = float(sum(o.plan.objective or 0.0 for o in outcomes))
        unplaced = {pid: why for o in outcomes for pid, why in o.plan.unplaced.items()}
        unplaced.update(coordinated.unplaced)
        if coordinated.plans:
            objective += sum(plan.objective or 0.0 for plan in coordinated.plans) - coordinated.reopened_points
        placed = {p.person_id for p in placements}
        unplaced = {pid: why for pid, why in unplaced.items() if pid not in placed}
        status = "OPTIMAL" if objective >= math.floor(bound + 1e-6) else "FEASIBLE"
        status = stopped_early_status(status, self._stopped())
        self.stats["parts"] = [{"name": part.name, "people": len(part.people), "opportunities": len(part.opportunities),
                                "status": o.plan.status, "objective": o.plan.objective, "bound": o.bound.bound,
                                "seconds": o.plan.solve_seconds, "method": o.plan.stats.get("method")}
                               for part, o in zip(self.split, outcomes)]
        self.stats["method"] = "parts + coordinating pass" if coordinated.plans else "parts"
        self.stats["solve_status"] = status
        warnings = list(dict.fromkeys(w for plan in plans for w in plan.warnings))
        self._emit("plan", "writing_up", objective, bound, len(placements))
        return Plan(
            status=status, objective=objective, best_bound=bound, bound_scope=BOUND_SCOPE,
            gap=max(0.0, (bound - objective) / max(abs(bound), 1e-9)) if bound else 0.0,
            solve_seconds=round(time.perf_counter() - self.started, 3),
            placements=placements,
            # Blocking pairs are listed within each part and the coordinating pass, not across parts.
            blocking_pairs=[b for plan in plans for b in plan.blocking_pairs],
            blocking_pair_count=sum(plan.blocking_pair_count for plan in plans),
            unplaced=unplaced, periods=self.policy.periods, warnings=warnings,
            progress=[{"seconds": round(e.seconds, 3), "objective": e.objective, "bound": e.bound, "source": e.source}
                      for e in self.events],
            stats=self.stats,
        )

    def _not_planned(self, failed: list[Plan]) -> Plan:
        """A part without a plan: the whole has none either (a part's rules are the whole's
        over fewer pairs, so rules that conflict there conflict in the whole)."""
        status = "INFEASIBLE" if any(p.status == "INFEASIBLE" for p in failed) else failed[0].status
        self.stats["solve_status"] = status
        return Plan(status=status, conflicts=[c for p in failed for c in p.conflicts], periods=self.policy.periods,
                    solve_seconds=round(time.perf_counter() - self.started, 3), stats=self.stats,
                    progress=[{"seconds": round(e.seconds, 3), "objective": e.objective, "bound": e.bound,
                               "source": e.source} for e in self.events])
