"""The crisis console for speed: all team statuses saved from one table in one transaction,
the whole demand saved from one table, and demand pasted from a spreadsheet; all or nothing,
each problem named by row and column. That only emergency planners may post them, with a CSRF
token, is proved with every other route in tests/web/test_access_every_route.py."""

from __future__ import annotations

from helpers import post

from planner.store import list_audit, load_scenario, scenario_revision
from planner.store.testing import database_dump

BULK_POSTS = ["/crisis/teams/status", "/crisis/demand/table", "/crisis/demand/paste"]
TEAMS = ["T-CHILD", "T-PLAN", "T-DATA", "T-TEST"]


def test_statuses_are_saved_together_in_one_revision_each_change_audited(as_role, store_engine):
    revision = scenario_revision(store_engine)
    page = post(as_role("emergency"), "/crisis/teams/status",
                {"team_id": TEAMS, "status": ["normal", "paused", "critical", "normal"]}, follow_redirects=True)
    assert "2 changed" in page.get_data(as_text=True)
    teams = load_scenario(store_engine).team_by_id
    assert [teams[t].status.value for t in TEAMS] == ["normal", "paused", "critical", "normal"]
    assert scenario_revision(store_engine) == revision + 1  # one transaction, not one per team
    audited = {e.target for e in list_audit(store_engine) if e.action == "team.status"}
    assert audited == {"team:T-PLAN", "team:T-DATA"}


def test_one_bad_status_row_changes_no_team_and_names_the_row(as_role, store_engine):
    before = database_dump(store_engine)
    response = post(as_role("emergency"), "/crisis/teams/status",
                    {"team_id": TEAMS, "status": ["paused", "paused", "closed", "paused"]})
    assert response.status_code == 422
    assert "team statuses, row 3, column status: must be one of" in response.get_data(as_text=True)
    assert database_dump(store_engine) == before


def test_the_demand_table_saves_edits_and_removals_together(as_role, store_engine):
    page = post(as_role("emergency"), "/crisis/demand/table", {
        "team": ["testing centre", "T-TEST", "Children's services"], "skill": ["first-aid", "Driving", "social-work"],
        "level": ["2", "3", "5"], "count": ["4", "1", "1"], "priority": ["1", "2", "1"], "remove": ["3"]},
        follow_redirects=True)
    assert "Demand saved: 2 lines, 1 removed." in page.get_data(as_text=True)
    demand = [d.model_dump() for d in load_scenario(store_engine).demand]
    assert demand == [{"team_id": "T-TEST", "skill": "first-aid", "level": 2, "count": 4, "priority": 1},
                      {"team_id": "T-TEST", "skill": "driving", "level": 3, "count": 1, "priority": 2}]
    assert any(e.action == "demand.update" and "1 removed" in e.detail for e in list_audit(store_engine))


def test_a_bad_cell_in_the_demand_table_saves_nothing_and_keeps_what_was_typed(as_role, store_engine):
    before = database_dump(store_engine)
    response = post(as_role("emergency"), "/crisis/demand/table", {
        "team": ["T-TEST", "T-TEST"], "skill": ["first-aid", "drivng"], "level": ["2", "2"], "count": ["7", "1"],
        "priority": ["1", "2"]})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "demand table, row 2, column skill: unknown skill (value &#39;drivng&#39;); did you mean" in text
    assert 'value="drivng"' in text and 'id="count-1" type="number" name="count" min="0" value="7"' in text
    assert database_dump(store_engine) == before


def test_pasted_rows_are_added_by_name_or_id(as_role, store_engine):
    pasted = "team\tskill\tlevel\tcount\tpriority\nplanning\tFirst Aid\t2\t3\t1\nT-DATA\tdriving\t1\t2\t3\n"
    page = post(as_role("emergency"), "/crisis/demand/paste", {"rows": pasted, "mode": "add"}, follow_redirects=True)
    assert "2 pasted demand lines added." in page.get_data(as_text=True)
    demand = load_scenario(store_engine).demand
    assert len(demand) == 5
    assert [(d.team_id, d.skill, d.level, d.count, d.priority) for d in demand[-2:]] == [
        ("T-PLAN", "first-aid", 2, 3, 1), ("T-DATA", "driving", 1, 2, 3)]


def test_pasted_rows_may_replace_the_demand(as_role, store_engine):
    post(as_role("emergency"), "/crisis/demand/paste", {"rows": "T-DATA,driving,1,2,3", "mode": "replace"})
    assert [d.team_id for d in load_scenario(store_engine).demand] == ["T-DATA"]


def test_a_bad_paste_saves_nothing_and_names_the_row_and_column_beside_the_text(as_role, store_engine):
    before = database_dump(store_engine)
    pasted = "Planning,first-aid,2,1,1\nTesting center,first-aid,2,x,1\n"
    response = post(as_role("emergency"), "/crisis/demand/paste", {"rows": pasted, "mode": "add"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was saved." in text
    assert ("pasted demand, row 2, column team: unknown team (value &#39;Testing center&#39;); "
            "did you mean &#39;Testing centre&#39;?") in text
    assert "pasted demand, row 2, column count: must be a whole number" in text
    assert "Testing center,first-aid,2,x,1" in text  # the pasted text is kept to fix
    assert database_dump(store_engine) == before


def test_add_demand_takes_names_and_is_at_the_top_of_the_page(as_role, store_engine):
    client = as_role("emergency")
    page = client.get("/crisis/").get_data(as_text=True)
    assert page.index('id="add-title"') < page.index('id="teams-title"') < page.index('id="demand-title"')
    assert 'list="crisis-teams"' in page and '<datalist id="crisis-teams">' in page
    post(client, "/crisis/demand", {"team_id": "data and insight", "skill": "Python", "level": "2", "count": "1",
                                    "priority": "1"})
    assert load_scenario(store_engine).demand[-1].team_id == "T-DATA"


def test_priority_one_gaps_are_shown_as_errors_in_words_not_colour_alone(as_role, loaded_app, store_engine):
    from test_web_crisis import run_and_wait

    client = as_role("emergency")
    assert run_and_wait(client, loaded_app).status == "finished"
    page = client.get("/crisis/").get_data(as_text=True)
    # Children's services needs a social worker at level 5 (priority 1) whom nobody can cover.
    team_table = page[page.index('id="coverage-team"'):page.index("</table>", page.index('id="coverage-team"'))]
    children = team_table[team_table.index("Children&#39;s services") - 200:team_table.index("Children&#39;s services") + 200]
    assert 'class="crisis-gap"' in children and "1 priority-1 uncovered" in children
    testing = team_table[team_table.index("Testing centre") - 200:team_table.index("Testing centre")]
    assert "crisis-gap" not in testing  # covered in full: no alarm
    priority_table = page[page.index('id="coverage-priority"'):page.index('id="coverage-team"')]
    assert '<tr class="crisis-gap"><th scope="row"><span aria-hidden="true">⚠ </span>P1' in priority_table
    assert "Priority-1 gap:" in page


def test_the_store_sets_statuses_all_or_nothing(store_engine):
    from planner.domain import TeamStatus
    from planner.store import set_team_statuses

    before = database_dump(store_engine)
    assert not set_team_statuses(store_engine, {"T-PLAN": TeamStatus.paused, "NOPE": TeamStatus.paused}, actor="ep1")
    assert database_dump(store_engine) == before  # Planning's change rolled back with the unknown team
    assert set_team_statuses(store_engine, {"T-PLAN": TeamStatus.paused, "T-TEST": TeamStatus.critical}, actor="ep1")
    teams = load_scenario(store_engine).team_by_id
    assert (teams["T-PLAN"].status, teams["T-TEST"].status) == (TeamStatus.paused, TeamStatus.critical)


def test_a_redeployment_with_no_demand_is_not_started_and_says_why(as_role, store_engine):
    """An empty run with an empty chart helps nobody: with no demand line, Redeploy says what to
    do and starts no job."""
    from sqlalchemy import func, select

    from planner import store
    from planner.store.console_tables import solve_jobs

    scenario = store.load_scenario(store_engine)
    store.save_scenario(store_engine, scenario.model_copy(update={"demand": ()}), actor="test")
    client = as_role("emergency")
    page = post(client, "/crisis/redeploy", token_from="/crisis/", follow_redirects=True)
    assert "There is no demand to cover yet" in page.get_data(as_text=True)
    with store_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(solve_jobs)).scalar() == 0


def test_the_crisis_result_is_told_in_words_not_solver_codes():
    from planner.services.crisis import redeployment_outcome

    assert redeployment_outcome({"status": "OPTIMAL"}) == "Best possible cover (proven)"
    assert "time allowed" in redeployment_outcome({"status": "FEASIBLE"})
    assert redeployment_outcome({"status": "STOPPED_EARLY"}).startswith("Stopped early")
