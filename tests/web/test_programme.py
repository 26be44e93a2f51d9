"""The rotation programme page: the record of assignments as a timeline by team and by person,
filtered and paged on the server, for HR and admins only; the rows are built by a service
tested alone first."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from scenarios import small_scenario

from planner.services.programme import (
    BadProgrammeQuery,
    ProgrammeFilter,
    page_by_people,
    programme_bars,
    programme_filter,
)
from planner.store import make_engine
from planner.store.assignments import Assignment, NewAssignment, record_assignments
from web.hr.programme import programme_view

TODAY = date(2027, 3, 1)


def on_record(id_, person, kind, start, end, team, opportunity=None, skill=None, decision="accepted"):
    return Assignment(id=id_, person_id=person, kind=kind, opportunity_id=opportunity, team_id=team, skill=skill,
                      start=start, end=end, decision=decision, decided_by="hr1",
                      decided_at=datetime(2027, 1, 1, tzinfo=UTC), plan_id=None)


RECORD = [
    on_record(1, "P1", "placement", date(2026, 6, 1), date(2026, 12, 31), "T-DATA", "O1"),   # ended
    on_record(2, "P3", "placement", date(2027, 2, 1), date(2027, 7, 31), "T-PH", "O5"),      # active
    on_record(3, "P6", "redeployment", date(2027, 4, 1), date(2027, 4, 7), "T-ASC", skill="safeguarding"),
    on_record(4, "P2", "placement", date(2027, 2, 1), None, "T-GIS", "O2", decision="declined"),
    on_record(5, "GONE", "placement", date(2027, 2, 1), None, "T-GIS", "O2"),
]


# -- the service alone ------------------------------------------------------------------------


def test_bars_carry_names_teams_and_the_status_of_the_day():
    bars = programme_bars(RECORD, small_scenario(), ProgrammeFilter(), TODAY)
    assert [(b.person_id, b.home_team, b.host_team, b.what, b.status) for b in bars] == [
        ("P1", "Adult Social Care", "Data Team", "Data analysis secondment", "ended"),
        ("P6", "Children's Services", "Adult Social Care", "Crisis redeployment (safeguarding)", "accepted"),
        ("P3", "Mapping Unit", "Public Health", "Public health data project", "active"),
    ]  # declined and people no longer in the scenario are left out


def test_a_team_sees_the_people_it_releases_and_hosts():
    bars = programme_bars(RECORD, small_scenario(), ProgrammeFilter(team="T-ASC"), TODAY)
    assert {b.person_id for b in bars} == {"P1", "P6"}  # P1 away from it, P6 hosted by it


def test_an_organisation_filter_keeps_bars_touching_its_teams():
    bars = programme_bars(RECORD, small_scenario(), ProgrammeFilter(organisation="Riverside Community Trust"), TODAY)
    assert [b.person_id for b in bars] == ["P3"]


def test_the_date_window_keeps_assignments_with_a_day_inside_it():
    chosen = programme_filter(start="2027-01-01", end="2027-03-31")
    assert [b.person_id for b in programme_bars(RECORD, small_scenario(), chosen, TODAY)] == ["P3"]


@pytest.mark.parametrize("args, field", [({"start": "2027-13-01"}, "start"), ({"end": "soon"}, "end"),
                                         ({"start": "2027-05-01", "end": "2027-04-01"}, "end")])
def test_an_unreadable_filter_is_refused_naming_the_field(args, field):
    with pytest.raises(BadProgrammeQuery, match=f"^{field}:"):
        programme_filter(**args)


def test_pages_hold_whole_people_and_a_page_past_the_end_shows_the_last():
    bars = programme_bars(RECORD, small_scenario(), ProgrammeFilter(), TODAY)
    first, last = page_by_people(bars, 1, per_page=2), page_by_people(bars, 99, per_page=2)
    assert (first.pages, first.people_total, [b.person_id for b in first.bars]) == (2, 3, ["P1", "P6"])
    assert (last.page, [b.person_id for b in last.bars]) == (2, ["P3"])


# -- the page -----------------------------------------------------------------------------------


def give_record(database_url):
    engine = make_engine(database_url)
    record_assignments(engine, [
        NewAssignment(person_id="P1", kind="placement", start=date(2026, 1, 5), end=date(2026, 6, 30),
                      opportunity_id="O1", team_id="T-DATA"),
        NewAssignment(person_id="P6", kind="redeployment", start=date(2026, 2, 1), end=date(2026, 2, 7),
                      team_id="T-PH", skill="<b>safeguarding</b>"),
    ], "hana")
    engine.dispose()


@pytest.mark.parametrize("account", ["hana", "ada"])
def test_hr_and_admins_see_the_programme_chart_and_table(client, auth, database_url, account):
    give_record(database_url)
    auth.login(account)
    response = client.get("/hr/programme")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    island = re.search(r'<script type="application/json" id="programme-gantt-data">(.*?)</script>', html, re.S)
    rows = json.loads(island.group(1))
    assert [(r["person"], r["home"], r["host"]) for r in rows] == [
        ("Alice Ashby", "Adult Social Care", "Data Team"), ("Femi Fox", "Children's Services", "Public Health")]
    assert "<b>safeguarding" not in html  # the data island and the table are escaped
    assert html.count('<tr><th scope="row" data-label="Person">') == 2
    assert "programme-gantt.js" in html and "<script>" not in html


def test_the_filters_are_applied_on_the_server(client, auth, database_url):
    give_record(database_url)
    auth.login("hana")
    html = client.get("/hr/programme?team=T-PH&view=person").get_data(as_text=True)
    assert "Femi Fox" in html and "Alice Ashby" not in html
    assert client.get("/hr/programme?start=2026-03-01&end=2026-12-31").get_data(as_text=True).count(
        'data-label="Person"><span>') == 1


@pytest.mark.parametrize("query", ["start=tomorrow", "view=pie", "page=0"])
def test_a_bad_query_is_a_bad_request(client, auth, query):
    auth.login("hana")
    assert client.get(f"/hr/programme?{query}").status_code == 400


def test_the_page_serves_hr_and_admins_only():
    """Staff, emergency planners and line managers are refused (403) by
    tests/web/test_access_every_route.py, which tries every role on every route's declared roles."""
    assert set(programme_view.allowed_roles) == {"hr", "admin"}
