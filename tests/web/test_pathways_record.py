"""Pathways read the record: a placement a person has completed or is on is a move already
made; the pathway page says so above the routes and the search never proposes it again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from scenarios import small_scenario

from planner.pathways import PathwayIndex
from planner.services.assignments import counts_as_move_made
from planner.store import make_engine
from planner.store.assignments import Assignment, NewAssignment, record_assignments


def steps_of(result) -> set[str]:
    return {s.opportunity_id for p in result.pathways for s in p.steps}


def test_an_opportunity_done_is_never_a_step_again():
    scenario = small_scenario()
    index = PathwayIndex(scenario)
    alice = scenario.person_by_id["P1"]
    assert "O1" in steps_of(index.pathways_for_person(alice))  # without the record she is offered it
    assert "O1" not in steps_of(index.pathways_for_person(alice, done={"O1"}))
    assert "O1" not in steps_of(index.pathways_for_person(alice, target="O4", done={"O1"}))


def _placement(start, end, decision="accepted"):
    return Assignment(id=1, person_id="P1", kind="placement", opportunity_id="O1", team_id="T-DATA", skill=None,
                      start=start, end=end, decision=decision, decided_by="hr1",
                      decided_at=datetime(2027, 1, 1, tzinfo=UTC), plan_id=None)


def test_completed_and_active_placements_count_as_moves_made_and_future_or_declined_do_not():
    today = date(2027, 3, 1)
    assert counts_as_move_made(_placement(date(2026, 1, 1), date(2026, 6, 30)), today)        # completed
    assert counts_as_move_made(_placement(date(2027, 2, 1), None), today)                       # on it now
    assert counts_as_move_made(_placement(date(2026, 1, 1), date(2026, 2, 1), "ended"), today)  # ended early
    assert not counts_as_move_made(_placement(date(2027, 4, 1), None), today)                   # not begun
    assert not counts_as_move_made(_placement(date(2026, 1, 1), None, "declined"), today)


def test_the_pathway_page_shows_what_is_done_and_routes_around_it(client, auth, database_url):
    auth.login("alice")
    before = client.get("/people/P1/pathways").get_data(as_text=True)
    assert 'id="moves-made"' not in before and before.count("Data analysis secondment") > 0
    engine = make_engine(database_url)
    today = date.today()
    record_assignments(engine, [NewAssignment(person_id="P1", kind="placement", start=today - timedelta(days=200),
                                              end=today - timedelta(days=20), opportunity_id="O1", team_id="T-DATA")],
                       "hana")
    engine.dispose()
    after = client.get("/people/P1/pathways").get_data(as_text=True)  # the cached page is not reused
    start, end = (today - timedelta(days=200)).isoformat(), (today - timedelta(days=20)).isoformat()
    assert f"Done: <strong>Data analysis secondment</strong> ({start} to {end})" in after
    assert after.count("Data analysis secondment") == 1  # in no route, step or graph node
