"""The bound a plan reports covers the whole problem (every eligible pair), even when the model
keeps only each person's best pairs, and column generation closes the gap.

Each test compares with an independent LP over ALL eligible pairs (tests/full_lp_reference.py,
rules written again from the contract, solved by scipy's HiGHS)."""

from __future__ import annotations

import numpy as np
import pytest
from full_lp_reference import full_lp_optimum, full_mip_optimum
from matching_helpers import FAST

from optimiser.lp_bound import lp_bound
from optimiser.matching import BOUND_SCOPE, solve_plan
from optimiser.model import model_and_eligible_pairs, with_more_pairs
from optimiser.pricing import price_all_pairs, trivial_bound
from optimiser.rules import build_rows
from planner.domain import FairnessFloor, PersonOpportunity, Policy
from planner.generate import generate_scenario

EPS = 1e-6

POLICIES = {
    "default": {},
    "rotation with caps and fairness": {
        "periods": 2, "max_cross_organisation": 15,
        "fairness": FairnessFloor(bands=((1, 4), (5, 8), (9, 20)), min_share=0.2)},
    "three periods, stretch": {"periods": 3, "stretch_levels": 1},
}


def _scenario(people: int, seed: int, extra: dict):
    sc = generate_scenario(people, seed)
    return sc.model_copy(update={"policy": Policy(**{**FAST, "time_limit_s": 20.0, **extra})})


def _with_pins(sc):
    """Pin one eligible pair and forbid another, so those rows are priced too."""
    data, _eligible = model_and_eligible_pairs(sc, sc.policy, prune_from=10**12)
    pairs = data.pairs.sort_values("points")
    a = data.arrays
    pin = pairs.iloc[len(pairs) // 2][["person", "opp"]].astype(int)
    ban = pairs[pairs["person"] != pin["person"]].iloc[-1][["person", "opp"]].astype(int)
    policy = sc.policy.model_copy(update={
        "pinned": (PersonOpportunity(person_id=a.person_ids[pin["person"]], opportunity_id=a.opp_ids[pin["opp"]]),),
        "forbidden": (PersonOpportunity(person_id=a.person_ids[ban["person"]], opportunity_id=a.opp_ids[ban["opp"]]),)})
    return sc.model_copy(update={"policy": policy})


# The largest cases solve LPs with GLOP over 1,200-2,000 people and two or three periods, 7-45 s
# each on a shared 2-core machine: `make test` runs them, `make check` (not slow) keeps the same
# code paths on the 300-person and default-policy cases.
HEAVY_POLICIES = ("rotation with caps and fairness", "three periods, stretch")


def _slow_if_heavy(name: str, *values, heavy: bool):
    return pytest.param(name, *values, marks=pytest.mark.slow if heavy and name in HEAVY_POLICIES else ())


@pytest.mark.parametrize("name,people,seed", [_slow_if_heavy(name, people, seed, heavy=people > 1000)
                                              for people, seed in [(300, 21), (1200, 22)] for name in POLICIES])
def test_reported_bound_holds_for_the_whole_problem_under_heavy_pruning(people, seed, name):
    """keep 1 pair per person: the model misses most pairs, the bound must still hold for all."""
    sc = _scenario(people, seed, POLICIES[name])
    if name == "default":
        sc = _with_pins(sc)
    best = full_lp_optimum(sc)
    plan = solve_plan(sc, keep_per_person=1, prune_from=0)
    assert plan.status in ("OPTIMAL", "FEASIBLE")
    assert plan.bound_scope == BOUND_SCOPE
    # every LP round's bound holds for the whole LP; the final one (maybe from the exact MIP step)
    # for the best plan over all pairs
    for finished in (r for r in plan.stats["lp_rounds"] if r.get("whole_problem_bound") is not None):
        assert finished["whole_problem_bound"] >= best - EPS
    assert plan.best_bound >= full_mip_optimum(sc) - EPS
    assert plan.objective <= plan.best_bound + EPS
    first = plan.stats["lp_rounds"][0]
    assert first["pairs"] < plan.stats["candidate_pairs"]  # the pruning really happened


@pytest.mark.parametrize("name", [_slow_if_heavy(name, heavy=True) for name in POLICIES])
def test_column_generation_closes_the_gap_to_the_whole_lp(name):
    """From 1 pair per person, adding back the pairs the duals price positively until none is
    left gives exactly the LP optimum over all pairs; every bound on the way holds."""
    sc = _scenario(2000, 31, POLICIES[name])
    best = full_lp_optimum(sc)
    data, eligible = model_and_eligible_pairs(sc, sc.policy, keep_per_person=1, prune_from=0)
    assert data.n_pairs < eligible.n_pairs / 2
    bounds = []
    for _ in range(30):
        rows = build_rows(data)
        lp = lp_bound(data, rows, 60)
        priced = price_all_pairs(data, rows, lp.duals, eligible)
        assert priced is not None
        assert priced.bound >= best - EPS
        assert abs(priced.model_bound - lp.objective) <= 1e-6 * max(1.0, abs(lp.objective))
        bounds.append(priced.bound)
        if priced.n_positive == 0:
            break
        data = with_more_pairs(data, eligible, priced.add)
    assert priced.n_positive == 0
    assert bounds[-1] == pytest.approx(best, rel=1e-7)
    assert bounds[0] > best + 1.0  # the first, heavily pruned model's bound was really loose


def test_any_multipliers_give_a_valid_bound():
    """The bound is a Lagrangian one: even scrambled duals must never fall below the whole LP."""
    sc = _scenario(400, 41, POLICIES["rotation with caps and fairness"])
    best = full_lp_optimum(sc)
    data, eligible = model_and_eligible_pairs(sc, sc.policy, keep_per_person=2, prune_from=0)
    rows = build_rows(data)
    lp = lp_bound(data, rows, 60)
    rng = np.random.default_rng(5)
    for scale in (0.0, 0.5, 3.0):
        noisy = lp.duals * (1 + scale * rng.standard_normal(len(lp.duals))) + scale * rng.standard_normal(len(lp.duals))
        priced = price_all_pairs(data, rows, noisy, eligible)
        assert priced.bound >= best - EPS


def test_trivial_bound_holds_and_a_plan_without_lp_still_reports_a_whole_problem_bound():
    sc = _scenario(1200, 51, {"periods": 2})
    best = full_lp_optimum(sc)
    data, eligible = model_and_eligible_pairs(sc, sc.policy, keep_per_person=1, prune_from=0)
    assert trivial_bound(data, eligible) >= best - EPS
    plan = solve_plan(sc, sc.policy.model_copy(update={"time_limit_s": 0.2}), keep_per_person=1, prune_from=0)
    assert plan.status in ("OPTIMAL", "FEASIBLE")
    assert plan.best_bound is not None and plan.best_bound >= full_mip_optimum(sc) - EPS
    assert plan.bound_scope == BOUND_SCOPE and plan.gap is not None


def test_unpruned_plan_bound_is_the_whole_lp_or_better():
    sc = _scenario(1200, 61, {})
    best = full_lp_optimum(sc)
    plan = solve_plan(sc)
    assert plan.stats["candidate_pairs"] == plan.stats["pairs_in_model"]
    assert plan.objective <= plan.best_bound + EPS
    assert plan.best_bound >= plan.objective and plan.objective <= best + EPS


def test_plan_command_reports_the_whole_problem_bound_and_plan_json_says_what_it_covers(tmp_path):
    import json

    from click.testing import CliRunner

    from planner.cli import main
    from planner.scenario_io import write_scenario_csv

    sc = _scenario(600, 71, {})
    write_scenario_csv(sc, tmp_path / "scenario")
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "scenario"), "--out", str(tmp_path / "out"),
                                       "--time-limit", "10", "--workers", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "(all eligible pairs), gap" in result.output
    saved = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert saved["bound_scope"] == BOUND_SCOPE
    assert saved["best_bound"] >= full_mip_optimum(sc) - EPS >= saved["objective"] - EPS
