"""Planning in parts (optimiser.distributed.solve_plan_in_parts): the bound covers the whole
problem, the plan keeps every rule (independent checker), it comes close to the single-process
plan, rules that compare the whole organisation are planned in one process, and the time limit
and a stop request are honoured. Every solve is real (CP-SAT, HiGHS); nothing is mocked."""

from __future__ import annotations

import pickle
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import numpy as np
import pytest
from checkers.plan_checker import check_plan
from full_lp_reference import full_lp_optimum
from regional_scenarios import regional_scenario

from optimiser.candidates import scenario_arrays
from optimiser.distributed import run_in_process, solve_part, solve_plan_in_parts
from optimiser.distributed.bound import opp_prices, places_bound, reduced_costs, whole_bound
from optimiser.distributed.cross import cross_pairs, price_pairs_across
from optimiser.distributed.engine import COORDINATING_SHARE, coordinating_share, list_schedule_span
from optimiser.distributed.parts import part_of_opportunities, part_of_people, part_scenario, split_scenario
from optimiser.matching import BOUND_SCOPE, solve_plan
from optimiser.model import model_and_eligible_pairs
from optimiser.pricing import unpriced
from optimiser.rules import build_rows
from planner.domain import EqualityPolicy, FairnessFloor, PersonOpportunity, Policy
from planner.generate import generate_scenario
from planner.plan_io import write_plan
from planner.scenario_io import write_scenario_csv

EPS = 1e-6

CASES = [  # people, seed, regions, policy
    (300, 11, 3, {}),
    (600, 12, 2, {"periods": 2}),
    (900, 13, 4, {"periods": 3, "stretch_levels": 1}),
    (1200, 14, 3, {}),
    (800, 15, 5, {"periods": 2}),
]


@pytest.mark.parametrize("people,seed,regions,policy", CASES)
def test_the_bound_holds_for_the_whole_problem(people, seed, regions, policy):
    """The parts' bounds and the pairs across parts combined are at least the LP optimum over
    ALL eligible pairs (an independent LP), so at least the best plan there is. (The bound is the
    same with a longer time limit: the parts' LPs finish in a fraction of a second.)"""
    scenario = regional_scenario(people, seed, regions=regions, remote_share=0.3, time_limit_s=3, **policy)
    plan = solve_plan_in_parts(scenario)
    assert plan.stats["engine"].endswith("parts by region")
    assert plan.stats["cross_pairs"] > 0  # there were pairs across parts to price
    assert plan.bound_scope == BOUND_SCOPE
    assert plan.best_bound >= full_lp_optimum(scenario) - EPS
    assert plan.objective <= plan.best_bound + EPS


def _placed_within_its_region(scenario, plan) -> list[str]:
    """Non-remote opportunities taken by people of another region (the region rule, read here
    from the scenario's objects)."""
    region = {t.team_id: t.region for t in scenario.teams}
    team_of = {p.person_id: p.team_id for p in scenario.people}
    opp = scenario.opportunity_by_id
    return [f"{p.person_id} on {p.opportunity_id}" for p in plan.placements
            if not opp[p.opportunity_id].remote
            and region[team_of[p.person_id]] != region[opp[p.opportunity_id].host_team_id]]


@pytest.mark.parametrize("periods,start", [(1, None), (2, None), (2, date(2027, 1, 1))])
def test_the_plan_keeps_every_rule(tmp_path, periods, start):
    """Undated and dated rotations (opportunities' own dates, placement days) alike. A thousand
    people in four regions already make dozens of moves across parts in every period."""
    scenario = regional_scenario(1000, 21, regions=4, remote_share=0.3, time_limit_s=5, periods=periods,
                                 start=start)
    plan = solve_plan_in_parts(scenario)
    assert plan.status in ("OPTIMAL", "FEASIBLE")
    assert set(plan.stats["coordinating"]["statuses"]) <= {"OPTIMAL", "FEASIBLE"}
    assert len(plan.stats["coordinating"]["statuses"]) == periods  # the pass planned every period
    write_scenario_csv(scenario, tmp_path / "scenario")
    write_plan(plan, tmp_path / "plan")
    assert check_plan(tmp_path / "scenario", tmp_path / "plan") == []
    assert _placed_within_its_region(scenario, plan) == []
    parts = split_scenario(scenario)
    person_part = dict(zip((q.person_id for q in scenario.people), part_of_people(scenario, parts)))
    opp_part = dict(zip((o.opportunity_id for o in scenario.opportunities), part_of_opportunities(scenario, parts)))
    moves_across = [p for p in plan.placements if person_part[p.person_id] != opp_part[p.opportunity_id]]
    assert moves_across, "the coordinating pass made moves across parts"
    assert plan.objective == pytest.approx(sum(p.score for p in plan.placements) * 100, rel=1e-3)
    available = {p.person_id for p in scenario.people if p.available}
    placed = {p.person_id for p in plan.placements}
    assert not placed & set(plan.unplaced)
    # the coordinating pass's scenario marks everyone it could not move unavailable: that is not
    # why they were left unplaced
    assert not [pid for pid, why in plan.unplaced.items() if pid in available and "not available" in why]


@pytest.mark.slow
@pytest.mark.parametrize("national", [True, False])
def test_the_plan_is_within_two_percent_of_the_single_process_plan_at_5000_people(national):
    """A national scenario as `trellis generate --regions 4` makes it (each employer in one
    region, one opportunity in ten remote), and one with organisations spread over regions and
    three in twenty opportunities remote (far more moves across parts)."""
    if national:
        scenario = generate_scenario(5000, 5, regions=4)
        scenario = scenario.model_copy(update={"policy": Policy(time_limit_s=20, workers=1, random_seed=0)})
    else:
        scenario = regional_scenario(5000, 5, regions=4, time_limit_s=20)
    in_parts = solve_plan_in_parts(scenario)
    whole = solve_plan(scenario)
    assert in_parts.objective >= 0.98 * whole.objective
    assert in_parts.best_bound >= whole.objective - EPS


WHOLE_ORGANISATION = {
    "stable matching": {"stable": True},
    "the fairness floor": {"fairness": FairnessFloor(bands=((1, 4), (5, 20)), min_share=0.2)},
    "the equality rule": {"equality": EqualityPolicy(attribute="ethnicity")},
    "the cap on moves across organisations": {"max_cross_organisation": 5},
}


@pytest.mark.parametrize("rule", list(WHOLE_ORGANISATION))
def test_rules_that_compare_the_whole_organisation_are_planned_in_one_process_and_say_so(rule):
    scenario = regional_scenario(300, 31, regions=3, time_limit_s=5, **WHOLE_ORGANISATION[rule])
    plan = solve_plan_in_parts(scenario)
    assert plan.stats["engine"].startswith("single process")
    assert rule in plan.stats["engine"]
    assert any("planned in one process" in w and rule in w for w in plan.warnings)
    assert plan.status in ("OPTIMAL", "FEASIBLE")


def test_one_region_is_planned_in_one_process():
    scenario = regional_scenario(300, 32, regions=1, time_limit_s=5)
    plan = solve_plan_in_parts(scenario)
    assert plan.stats["engine"] == "single process (the scenario has one part)"


def test_a_pin_across_parts_is_planned_in_one_process_and_a_pin_inside_a_part_is_kept():
    scenario = regional_scenario(600, 33, regions=3, remote_share=0.3, time_limit_s=6)
    parts = split_scenario(scenario)
    person_part, opp_part = part_of_people(scenario, parts), part_of_opportunities(scenario, parts)
    # a pair a plan can make inside a part, on a remote opportunity (its places are reopened by
    # the coordinating pass, but never a pinned one)
    opportunity = scenario.opportunity_by_id
    inside = next(p for p in solve_plan(scenario).placements
                  if person_part[[q.person_id for q in scenario.people].index(p.person_id)]
                  == opp_part[[o.opportunity_id for o in scenario.opportunities].index(p.opportunity_id)]
                  and opportunity[p.opportunity_id].remote)
    pin = PersonOpportunity(person_id=inside.person_id, opportunity_id=inside.opportunity_id)
    plan = solve_plan_in_parts(scenario, scenario.policy.model_copy(update={"pinned": (pin,)}))
    assert plan.stats["engine"].endswith("parts by region")
    assert (pin.person_id, pin.opportunity_id) in {(p.person_id, p.opportunity_id) for p in plan.placements}
    person = next(i for i, q in enumerate(scenario.people) if q.person_id == inside.person_id)
    elsewhere = next(o for i, o in enumerate(scenario.opportunities) if opp_part[i] != person_part[person])
    across = PersonOpportunity(person_id=inside.person_id, opportunity_id=elsewhere.opportunity_id)
    plan = solve_plan_in_parts(scenario, scenario.policy.model_copy(update={"forbidden": (across,)}))
    assert plan.stats["engine"].startswith("single process (1 pinned or forbidden placements join two parts")


def test_the_time_limit_covers_the_whole_run():
    scenario = regional_scenario(3000, 41, regions=4, remote_share=0.3, time_limit_s=3)
    started = time.perf_counter()
    plan = solve_plan_in_parts(scenario)
    assert time.perf_counter() - started <= 3.0 + 0.5
    assert plan.status in ("OPTIMAL", "FEASIBLE")
    assert plan.stats["part_time_limit_s"] < 3.0 / 4


class _Threads:
    """A real engine other than the default: parts on a thread pool, two at a time."""

    slots = 2

    def __init__(self):
        self.functions = []

    def __call__(self, fn, calls):
        self.functions.append(fn)
        with ThreadPoolExecutor(self.slots) as pool:
            return list(pool.map(lambda args: fn(*args), calls))


def test_any_engine_runs_the_parts_with_a_picklable_function_and_slots_lengthen_each_part():
    scenario = regional_scenario(1200, 51, regions=4, remote_share=0.3, time_limit_s=6)
    engine = _Threads()
    plan = solve_plan_in_parts(scenario, run_parts=engine)
    assert engine.functions == [solve_part, price_pairs_across]  # the parts, then their pairs across parts
    assert all(pickle.loads(pickle.dumps(fn)) is fn for fn in engine.functions)
    alone = solve_plan_in_parts(scenario, run_parts=run_in_process)
    # two waves of two parts instead of four parts one after another
    assert plan.stats["part_time_limit_s"] > 1.5 * alone.stats["part_time_limit_s"]
    assert plan.objective == pytest.approx(alone.objective, rel=0.02)


class _Recording(_Threads):
    """The thread engine, remembering each part's size and time limit in the order it was given them."""

    def __call__(self, fn, calls):
        if fn is solve_part:
            self.given = [(len(part.people) * len(part.opportunities), policy.time_limit_s)
                          for part, policy, _ in calls]
        return super().__call__(fn, calls)


def test_side_by_side_the_largest_parts_go_first_with_time_in_proportion_and_all_end_in_the_limit():
    scenario = regional_scenario(1500, 54, regions=5, remote_share=0.2, time_limit_s=10)
    engine = _Recording()
    plan = solve_plan_in_parts(scenario, run_parts=engine)
    work = [w for w, _ in engine.given]
    limits = [limit for _, limit in engine.given]
    assert work == sorted(work, reverse=True) and work[0] > work[-1]
    assert limits == pytest.approx([limits[0] * w / work[0] for w in work])
    # Graham's bound for any list schedule on two slots stays inside the parts' share of the limit
    assert sum(limits) / engine.slots + max(limits) / 2 <= 10 * (1 - COORDINATING_SHARE)
    # the results come back to their own parts, whatever order they ran in
    names = [p["name"] for p in plan.stats["parts"]]
    assert [p["people"] for p in plan.stats["parts"]] == [len(part.people) for part in
                                                          (part_scenario(scenario, x, scenario.policy)
                                                           for x in split_scenario(scenario))]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("limits,slots,span", [
    ([4, 3, 3], 2, 5 + 2),  # 10/2 + 4/2: e.g. 3 and 3 side by side, then 4 starts at 3 and ends at 7
    ([4, 3, 3], 1, 10),  # one after another
    ([5], 4, 5),
    ([], 2, 0),
])
def test_parts_on_workers_end_within_grahams_bound(limits, slots, span):
    assert list_schedule_span(np.array(limits, dtype=float), slots) == pytest.approx(span)


def test_grahams_bound_holds_for_every_order_and_every_early_end():
    """Simulated: each worker takes the next part when it frees; any order, any part ending
    before its limit; the last end is never past the bound."""
    rng = np.random.default_rng(3)
    for _ in range(300):
        slots = int(rng.integers(1, 4))
        limits = rng.uniform(0.1, 10, size=int(rng.integers(1, 9)))
        ran = limits * rng.uniform(0.0, 1.0, size=len(limits))
        free = np.zeros(slots)
        for took in ran[rng.permutation(len(ran))]:
            free[free.argmin()] += took
        assert free.max() <= list_schedule_span(limits, slots) + 1e-9


@pytest.mark.parametrize("people,opportunities,places,left,kept", [
    (100_000, 13_333, 1_500, 118.0, COORDINATING_SHARE),  # a region's worth of moves: time to coordinate
    (1_000_000, 133_333, 15_000, 1100.0, 0.0),  # national: the pass could not be set up, parts get the time
    (1_000_000, 133_333, 15_000, 4000.0, COORDINATING_SHARE),  # unless the limit leaves room for it
    (5_000, 700, 0, 0.5, 0.0),  # no time at all
])
def test_the_parts_leave_the_coordinating_pass_its_share_only_when_it_could_run(people, opportunities, places, left,
                                                                                kept):
    assert coordinating_share(people, opportunities, places, left) == kept


def test_progress_names_the_parts_and_coordinating_phases():
    scenario = regional_scenario(1200, 52, regions=3, remote_share=0.3, time_limit_s=6)
    events = []
    solve_plan_in_parts(scenario, on_progress=events.append)
    phases = [e.phase for e in events]
    assert phases[0] == "parts" and "coordinating" in phases
    assert phases.index("coordinating") > max(i for i, p in enumerate(phases) if p == "parts")
    assert sum(1 for e in events if e.source.startswith("part ")) == 3


def test_a_stop_request_ends_the_run_with_the_best_plan_so_far():
    scenario = regional_scenario(3000, 53, regions=4, remote_share=0.3, time_limit_s=60)
    stop = threading.Event()

    def stop_after_first_part(event):
        if event.source.startswith("part "):
            stop.set()

    started = time.perf_counter()
    plan = solve_plan_in_parts(scenario, on_progress=stop_after_first_part, stop=stop)
    assert time.perf_counter() - started < 30
    assert plan.status == "STOPPED_EARLY"
    assert plan.placements and plan.best_bound >= plan.objective


def test_without_regions_organisation_clusters_are_planned_apart_and_the_bound_still_holds(tmp_path):
    scenario = generate_scenario(1200, 8)
    scenario = scenario.model_copy(update={"policy": Policy(time_limit_s=8, workers=1, random_seed=0)})
    plan = solve_plan_in_parts(scenario, parts=3)
    assert plan.stats["engine"] == "3 parts by organisation cluster"
    assert plan.stats["cross_pairs"] > 0
    assert plan.best_bound >= full_lp_optimum(scenario) - EPS
    write_scenario_csv(scenario, tmp_path / "scenario")
    write_plan(plan, tmp_path / "plan")
    assert check_plan(tmp_path / "scenario", tmp_path / "plan") == []
    assert plan.objective >= 0.97 * solve_plan(scenario).objective


def test_a_part_whose_lp_never_finished_still_bounds_its_people_by_their_best_pairs_alone():
    """With every dual zero (`pricing.unpriced`, what a part offers when its LP did not finish or
    its rows cannot be priced, e.g. dated periods), the sums are still a bound."""
    scenario = regional_scenario(600, 61, regions=2, periods=2)
    data, eligible = model_and_eligible_pairs(scenario, scenario.policy)
    rows = build_rows(data)
    zero = unpriced(data, rows, eligible)
    assert zero.bound >= full_lp_optimum(scenario) - EPS
    assert zero.people.bound.sum() == pytest.approx(zero.bound)
    assert not zero.prices.opp.any() and not zero.prices.person.any()


def _priced(scenario, split, bounds, keep: int = 10**9):
    """The pairs across parts priced by the parts' duals (as the engine does, here in process)."""
    prices = opp_prices(split, bounds, len(scenario.opportunities), scenario.policy.periods)
    policy = scenario.policy
    return [price_pairs_across(scenario_arrays(scenario), policy.stretch_levels, policy.weights, part, found,
                               prices, keep) for part, found in zip(split, bounds)]


@pytest.fixture(scope="module")
def three_regions_priced():
    """A regional scenario's parts planned, and their pairs across parts priced (the largest
    part's solve is cut short at 2 s: any duals give a bound)."""
    scenario = regional_scenario(900, 62, regions=3, remote_share=0.3, periods=2, time_limit_s=2)
    split = split_scenario(scenario)
    bounds = [solve_part(part_scenario(scenario, part, scenario.policy), scenario.policy).bound for part in split]
    return scenario, split, bounds, _priced(scenario, split, bounds)


def test_the_bound_by_places_alone_holds_for_the_whole_problem(three_regions_priced):
    """Each opportunity's best pair, in its part or across parts, times its places and periods:
    the bound that needs no duals (what stands when the parts' LPs did not finish)."""
    scenario, split, bounds, priced = three_regions_priced
    by_places = places_bound(scenario, split, bounds, priced, scenario.policy.periods)
    assert by_places >= full_lp_optimum(scenario) - EPS
    whole = whole_bound(scenario, split, bounds, priced, scenario.policy.periods)
    assert full_lp_optimum(scenario) - EPS <= whole <= by_places


def test_past_the_cap_the_pairs_across_parts_that_pay_are_kept_and_every_pair_is_counted(three_regions_priced):
    """Under the cap every pair across parts is kept; past it, exactly those with a positive
    reduced cost by the parts' duals (recomputed here from all the pairs across parts). Every
    pair is counted and every opportunity's best points are over all of them."""
    scenario, split, bounds, priced = three_regions_priced
    every = cross_pairs(scenario, scenario.policy, split)
    assert sum(p.n_pairs for p in priced) == sum(p.paying.n_pairs for p in priced) == every.n_pairs > 0
    prices = opp_prices(split, bounds, len(scenario.opportunities), scenario.policy.periods)
    best = np.zeros(len(scenario.opportunities))
    np.maximum.at(best, every.opp, every.points)
    assert np.array_equal(np.max([p.best_points for p in priced], axis=0), best)
    for part, found in zip(split, bounds):
        mine = np.isin(every.person, part.people)
        local = np.searchsorted(part.people, every.person[mine])
        rc_shared, _ = reduced_costs(found, local, every.points[mine], prices[every.opp[mine]])
        pays = rc_shared.max(axis=1) > 1e-9
        expected = set(zip(every.person[mine][pays].tolist(), every.opp[mine][pays].tolist()))
        assert 0 < len(expected) < mine.sum()
        policy = scenario.policy
        capped = price_pairs_across(scenario_arrays(scenario), policy.stretch_levels, policy.weights, part, found,
                                    prices, keep=len(expected))
        assert capped.complete and capped.n_pairs == mine.sum()
        assert set(zip(capped.paying.person.tolist(), capped.paying.opp.tolist())) == expected


def test_with_only_the_sums_of_the_pairs_across_parts_the_bound_still_holds(three_regions_priced):
    """Past the cap on pairs kept (national scale), the bound is taken from the sums the
    pricing tasks kept: at least the LP optimum over every pair, and no tighter than the bound
    that had every paying pair at hand (which may raise prices)."""
    scenario, split, bounds, priced = three_regions_priced
    periods = scenario.policy.periods
    capped = _priced(scenario, split, bounds, keep=3)
    assert not any(p.complete for p in capped)
    assert all(p.paying.n_pairs <= 3 for p in capped)
    from_sums = whole_bound(scenario, split, bounds, capped, periods)
    assert from_sums >= whole_bound(scenario, split, bounds, priced, periods) - EPS
    assert from_sums >= full_lp_optimum(scenario) - EPS
