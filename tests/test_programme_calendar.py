"""Dated periods and decided assignments in a matching plan (docs/scenario-format.md, "Dated
periods"): each rule alone on a tiny scenario, then the independent checker on generated ones."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from click.testing import CliRunner
from matching_helpers import opportunity, person, placed, scenario, team
from plan_checker import check_plan

from optimiser.matching import solve_plan
from optimiser.model import model_data
from optimiser.rules import away_on_assignment, opportunity_offered_in_period
from optimiser.rules import team_release_limit_rows as team_release_limit
from planner.cli import main
from planner.domain import Commitment, Policy
from planner.plan_io import write_plan
from planner.rotation_calendar import offered_in_period, overlap, period_dates

JAN = date(2027, 1, 1)


def test_period_dates_run_period_months_from_the_start_day():
    assert period_dates(Policy(start=JAN, period_months=6, periods=2)) == [
        (date(2027, 1, 1), date(2027, 6, 30)), (date(2027, 7, 1), date(2027, 12, 31))]
    # A start on the 31st keeps calendar months (no drift into the next month).
    assert period_dates(Policy(start=date(2027, 1, 31), period_months=1, periods=2)) == [
        (date(2027, 1, 31), date(2027, 2, 27)), (date(2027, 2, 28), date(2027, 3, 30))]


def test_undated_policy_has_no_period_dates():
    assert period_dates(Policy(periods=3)) is None


def test_overlap_is_the_shared_days_and_open_ends_reach_as_far_as_needed():
    period = (date(2027, 1, 1), date(2027, 6, 30))
    assert overlap(period, (date(2027, 3, 1), date(2027, 9, 30))) == (date(2027, 3, 1), date(2027, 6, 30))
    assert overlap(period, (None, date(2027, 2, 1))) == (date(2027, 1, 1), date(2027, 2, 1))
    assert overlap(period, (None, None)) == period
    assert overlap(period, (date(2027, 7, 1), None)) is None
    assert overlap(period, (date(2027, 6, 30), None)) == (date(2027, 6, 30), date(2027, 6, 30))


def test_an_opportunity_is_offered_only_for_the_days_its_window_overlaps():
    september = opportunity("S", start=date(2027, 9, 1), end=date(2028, 2, 29))
    assert offered_in_period(september, (JAN, date(2027, 6, 30))) is None
    assert offered_in_period(september, (date(2027, 7, 1), date(2027, 12, 31))) == (
        date(2027, 9, 1), date(2027, 12, 31))


def test_a_secondment_opening_in_september_is_placed_in_the_period_holding_september():
    sc = scenario([person("a", preferences=("S",))],
                  [opportunity("S", start=date(2027, 9, 1), end=date(2028, 2, 29))],
                  start=JAN, period_months=6, periods=2)
    plan = solve_plan(sc)
    assert [(p.period, p.start, p.end) for p in plan.placements] == [(2, date(2027, 9, 1), date(2027, 12, 31))]
    assert plan.warnings == []


def test_opportunity_dates_rule_alone_blocks_only_the_periods_outside_the_window():
    sc = scenario([person("a")], [opportunity("S", start=date(2027, 9, 1)), opportunity("Any")],
                  start=JAN, period_months=6, periods=2)
    rows = opportunity_offered_in_period(model_data(sc))
    assert rows.n_rows == 1 and rows.groups == ["dates of opportunity S (offered only within its start..end)"]
    assert rows.ub.tolist() == [0]


def test_an_opportunity_offered_in_no_period_gives_the_reason_in_words():
    sc = scenario([person("a", preferences=("Late",))], [opportunity("Late", start=date(2030, 1, 1))],
                  start=JAN, periods=1)
    plan = solve_plan(sc)
    assert plan.placements == []
    assert "fall outside this plan's periods" in plan.unplaced["a"]


def test_without_a_start_periods_are_undated_and_the_plan_warns_about_dated_opportunities():
    sc = scenario([person("a")], [opportunity("S", start=date(2030, 9, 1))])
    plan = solve_plan(sc)
    assert placed(plan) == {("a", "S")} and plan.placements[0].start is None
    assert plan.warnings and "no start date" in plan.warnings[0] and "1 opportunity" in plan.warnings[0]


def test_a_person_away_on_an_assignment_is_not_placed_in_a_period_it_overlaps():
    away = Commitment(person_id="a", start=date(2026, 10, 1), end=date(2027, 3, 31))
    sc = scenario([person("a")], [opportunity("O", capacity=1)], start=JAN, period_months=6, periods=2,
                  commitments=(away,))
    rows = away_on_assignment(model_data(sc))
    assert rows.groups == ["person a is away on an assignment"] and rows.ub.tolist() == [0]
    plan = solve_plan(sc)
    assert [(p.person_id, p.period) for p in plan.placements] == [("a", 2)]


def test_a_person_away_for_the_whole_plan_is_told_why():
    away = Commitment(person_id="a", start=date(2026, 10, 1))
    sc = scenario([person("a", preferences=("O",))], [opportunity("O")], start=JAN, commitments=(away,))
    plan = solve_plan(sc)
    assert plan.placements == [] and "away on an assignment" in plan.unplaced["a"]


def test_an_undated_plan_treats_an_assignment_not_ended_on_the_plan_date_as_away():
    ended = Commitment(person_id="a", start=date(2026, 1, 1), end=date(2026, 6, 30))
    running = Commitment(person_id="b", start=date(2026, 1, 1), end=date(2027, 6, 30))
    sc = scenario([person("a"), person("b")], [opportunity("O", capacity=2)],
                  plan_date=date(2026, 12, 1), commitments=(ended, running))
    assert placed(solve_plan(sc)) == {("a", "O")}


def test_release_limit_counts_people_away_in_that_period():
    # home: 4 people, share 0.5 -> 2 may be away at once; c and d are away in period 1 only.
    people = [person(x) for x in "abcd"]
    commitments = tuple(Commitment(person_id=x, start=JAN, end=date(2027, 6, 30)) for x in "cd")
    sc = scenario(people, [opportunity("O", capacity=4)], teams=[team("home", max_release_share=0.5), team("host")],
                  start=JAN, periods=2, commitments=commitments)
    rows = team_release_limit(model_data(sc))
    assert rows.ub.tolist() == [0, 2]
    plan = solve_plan(sc)
    assert {p.period for p in plan.placements} == {2} and len(plan.placements) == 2


def test_commitment_of_an_unknown_person_is_refused_with_its_place():
    from planner.domain import ScenarioError

    with pytest.raises(ScenarioError, match=r"commitments\[0\]\.person_id"):
        scenario([person("a")], [opportunity("O")], commitments=(Commitment(person_id="zz", start=JAN),))


@pytest.fixture(scope="module")
def generated_dated(tmp_path_factory):
    from planner.generate import generate_scenario
    from planner.scenario_io import write_scenario_csv

    folder = tmp_path_factory.mktemp("dated")
    sc = generate_scenario(300, 21)
    people = [p.person_id for p in sc.people]
    commitments = [{"person_id": pid, "start": "2027-01-01", "end": "2027-09-30"} for pid in people[:40]]
    sc = sc.model_copy(update={"policy": Policy(time_limit_s=5, workers=1, periods=3, start=date(2027, 2, 1),
                                                period_months=4, commitments=commitments)})
    write_scenario_csv(sc, folder / "scenario")
    return sc, folder


def test_generated_dated_rotation_keeps_every_date_rule_per_the_independent_checker(generated_dated):
    sc, folder = generated_dated
    plan = solve_plan(sc)
    assert plan.status in ("OPTIMAL", "FEASIBLE") and plan.placements
    assert {p.period for p in plan.placements} >= {1, 2}
    write_plan(plan, folder / "plan")
    assert check_plan(folder / "scenario", folder / "plan") == []


def test_checker_catches_a_placement_outside_its_window_and_a_person_away(generated_dated):
    sc, folder = generated_dated
    plan = solve_plan(sc)
    first = plan.placements[0]
    first.end = date(2031, 1, 1)
    away = sc.policy.commitments[0].person_id
    plan.placements[1].person_id = away
    plan.placements[1].period = 1
    write_plan(plan, folder / "broken")
    problems = check_plan(folder / "scenario", folder / "broken")
    assert any("outside period" in p for p in problems)
    assert any("placed while away on an assignment" in p for p in problems)


def test_cli_plan_with_start_and_period_months_writes_dated_rows(tmp_path):
    from planner.scenario_io import write_scenario_csv

    sc = scenario([person("a", preferences=("S",))], [opportunity("S", start=date(2027, 9, 1), end=date(2028, 1, 31))])
    write_scenario_csv(sc, tmp_path / "scenario")
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "scenario"), "--out", str(tmp_path / "out"),
                                       "--periods", "2", "--start", "2027-03-01", "--period-months", "6",
                                       "--time-limit", "5", "--workers", "1"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with (tmp_path / "out" / "plan.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["period"], r["start"], r["end"]) for r in rows] == [("2", "2027-09-01", "2028-01-31")]


def test_cli_plan_without_start_warns_that_opportunity_dates_were_not_applied(tmp_path):
    from planner.scenario_io import write_scenario_csv

    sc = scenario([person("a")], [opportunity("S", start=date(2027, 9, 1))])
    write_scenario_csv(sc, tmp_path / "scenario")
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "scenario"), "--out", str(tmp_path / "out"),
                                       "--time-limit", "5", "--workers", "1"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "warning: the policy has no start date" in result.output


def test_cli_plan_refuses_a_bad_start_date_in_one_line(tmp_path):
    from planner.scenario_io import write_scenario_csv

    write_scenario_csv(scenario([person("a")], [opportunity("O")]), tmp_path / "scenario")
    result = CliRunner().invoke(main, ["plan", str(tmp_path / "scenario"), "--out", str(tmp_path / "out"),
                                       "--start", "2027-13-01"])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_stability_asks_nothing_of_a_period_the_opportunity_is_closed_or_the_person_away():
    # a ranks S first, but S is offered only in period 1, when a is away: a can never take S, so
    # stability must not demand that S's places go to someone in either period.
    away = Commitment(person_id="a", start=JAN, end=date(2027, 6, 30))
    sc = scenario([person("a", preferences=("S", "O"))],
                  [opportunity("S", end=date(2027, 6, 30)), opportunity("O")],
                  start=JAN, period_months=6, periods=2, stable=True, commitments=(away,))
    plan = solve_plan(sc)
    assert plan.status in ("OPTIMAL", "FEASIBLE") and plan.blocking_pairs == []
    assert {(p.person_id, p.opportunity_id, p.period) for p in plan.placements} == {("a", "O", 2)}
