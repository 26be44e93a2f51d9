"""Demand lines typed in the crisis console's table or pasted from a spreadsheet, read alone:
ids or names in any case, tab or comma separated, and every bad cell named by row and column."""

from __future__ import annotations

from scenarios import small_scenario

from planner.domain import Demand, Team, TeamStatus
from planner.services.crisis_sheet import (
    demand_from_paste,
    demand_from_rows,
    demand_table_rows,
    priority_one_gaps,
    split_pasted_rows,
    team_labels,
    team_statuses_from_form,
)


def test_tab_separated_rows_from_a_spreadsheet_read_teams_and_skills_by_name_or_id_in_any_case():
    pasted = "team\tskill\tlevel\tcount\tpriority\r\nplanning\tFIRST AID\t2\t3\t1\r\n\r\nT-data\tdriving\t1\t0\t4\r\n"
    read = demand_from_paste(small_scenario("consoles"), pasted)
    assert read.ok, read.problems
    assert read.lines == [Demand(team_id="T-PLAN", skill="first-aid", level=2, count=3, priority=1),
                          Demand(team_id="T-DATA", skill="driving", level=1, count=0, priority=4)]


def test_comma_separated_rows_allow_quoted_names_with_commas():
    scenario = small_scenario("consoles")
    scenario = scenario.model_copy(update={"teams": scenario.teams + (
        Team(team_id="T-ROADS", name="Roads, bridges", organisation="Northshire Council"),)})
    read = demand_from_paste(scenario, ' "Roads, bridges" , driving, 3, 2, 1\n')
    assert read.ok, read.problems
    assert read.lines == [Demand(team_id="T-ROADS", skill="driving", level=3, count=2, priority=1)]


def test_every_bad_cell_is_named_by_row_and_column_with_a_suggestion_and_no_line_is_returned():
    pasted = "Planning,first-aid,2,1,1\nPlaning,first-aid,2,1,1\nT-TEST,frist-aid,9,two,1\nT-TEST,driving,2,1\n"
    read = demand_from_paste(small_scenario("consoles"), pasted)
    assert read.lines == [] and not read.ok
    described = [p.describe() for p in read.problems]
    assert described == [
        "pasted demand, row 2, column team: unknown team (value 'Planing'); did you mean 'Planning'?",
        "pasted demand, row 3, column skill: unknown skill (value 'frist-aid'); did you mean 'first-aid'?",
        "pasted demand, row 3, column count: must be a whole number (value 'two')",
        "pasted demand, row 4: expected 5 cells (team, skill, level, count, priority), found 4 "
        "(value 'T-TEST, driving, 2, 1')",
    ]


def test_numbers_out_of_range_name_their_column():
    read = demand_from_paste(small_scenario("consoles"), "T-TEST\tdriving\t6\t-1\t0")
    assert {(p.row, p.column) for p in read.problems} == {(1, "level"), (1, "count"), (1, "priority")}
    assert read.lines == []


def test_a_name_two_teams_share_asks_for_the_id_and_the_table_shows_ids_for_them():
    scenario = small_scenario("consoles")
    scenario = scenario.model_copy(update={"teams": scenario.teams + (
        Team(team_id="T-PLAN2", name="Planning", organisation="Southshire Council"),)})
    read = demand_from_rows(scenario, [(7, ["planning", "driving", "1", "1", "1"])])
    assert [(p.row, p.column, p.message) for p in read.problems] == [
        (7, "team", "more than one team is called this; use its id")]
    assert "T-PLAN, T-PLAN2" in read.problems[0].suggestion
    labels = team_labels(scenario)
    assert labels["T-PLAN"] == "T-PLAN" and labels["T-PLAN2"] == "T-PLAN2" and labels["T-TEST"] == "Testing centre"


def test_the_table_shows_the_stored_demand_and_reads_back_unchanged():
    scenario = small_scenario("consoles")
    rows = demand_table_rows(scenario)
    assert rows[0] == (1, ["Testing centre", "first-aid", "2", "2", "1"])
    assert demand_from_rows(scenario, rows).lines == list(scenario.demand)


def test_blank_paste_or_only_a_header_is_refused():
    assert not demand_from_paste(small_scenario("consoles"), "  \n\n").ok
    assert not demand_from_paste(small_scenario("consoles"), "team,skill,level,count,priority\n").ok
    assert split_pasted_rows("a,b\n\nc,d") == [(1, ["a", "b"]), (3, ["c", "d"])]


def test_statuses_are_all_or_nothing_and_only_changes_are_returned():
    scenario = small_scenario("consoles")
    ids = [t.team_id for t in scenario.teams]
    changes, problems = team_statuses_from_form(scenario, ids, ["normal", "paused", "critical", "normal"])
    assert problems == [] and changes == {"T-PLAN": TeamStatus.paused, "T-DATA": TeamStatus.critical}
    changes, problems = team_statuses_from_form(scenario, ids, ["normal", "paused", "closed", "normal"])
    assert changes == {} and [(p.row, p.column, p.value) for p in problems] == [(3, "status", "closed")]
    changes, problems = team_statuses_from_form(scenario, ["T-PLAN", "NOPE"], ["paused", "paused"])
    assert changes == {} and [(p.row, p.column) for p in problems] == [(2, "team")]
    assert team_statuses_from_form(scenario, ids, ["paused"])[1]


def test_priority_one_gaps_count_uncovered_priority_one_units_by_team():
    result = {"uncovered": [{"team_id": "A", "priority": 1, "units": 2}, {"team_id": "A", "priority": 1, "units": 1},
                            {"team_id": "B", "priority": 2, "units": 5}]}
    assert priority_one_gaps(result) == {"A": 3}
    assert priority_one_gaps({}) == {}


def test_only_a_real_header_row_is_skipped():
    scenario = small_scenario("consoles")
    scenario = scenario.model_copy(update={"teams": scenario.teams + (
        Team(team_id="T-TEAM", name="Team", organisation="Northshire Council"),)})
    read = demand_from_paste(scenario, "Team\tdriving\t1\t1\t1\nTeam ID\tSkill\tLevel\tCount\tPriority\n")
    assert {p.row for p in read.problems} == {2}  # a header further down is a bad row, not skipped
    assert demand_from_paste(scenario, "Team,driving,1,1,1").lines[0].team_id == "T-TEAM"


def test_five_thousand_pasted_rows_read_quickly():
    import time

    text = "\n".join(f"Testing centre\tdriving\t{1 + i % 5}\t{i % 7}\t{1 + i % 3}" for i in range(5_000))
    started = time.perf_counter()
    read = demand_from_paste(small_scenario("consoles"), text)
    assert read.ok and len(read.lines) == 5_000
    assert time.perf_counter() - started < 5
