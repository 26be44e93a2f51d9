"""The rotation programme in a real browser: the Gantt chart draws a bar for each assignment
(twice by team: away from the home team and hosted by the other), once per person by person,
under the app's Content-Security-Policy."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from test_e2e_staff import sign_in

from planner.store import make_engine
from planner.store.assignments import NewAssignment, record_assignments

pytestmark = pytest.mark.browser


def test_the_programme_chart_draws_bars_by_team_and_by_person(page, live_server, database_url, accounts, artefacts):
    today = date.today()
    engine = make_engine(database_url)
    record_assignments(engine, [
        NewAssignment(person_id="P1", kind="placement", start=today - timedelta(days=60),
                      end=today + timedelta(days=60), opportunity_id="O1", team_id="T-DATA"),
        NewAssignment(person_id="P6", kind="redeployment", start=today, end=today + timedelta(days=6),
                      team_id="T-PH", skill="safeguarding"),
    ], "hana")
    engine.dispose()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, live_server, "hana", accounts["hana"].password)
    page.get_by_role("link", name="Programme").click()
    expect(page.get_by_role("heading", name="Rotation programme")).to_be_visible()
    chart = page.locator("#programme-gantt")
    expect(chart.locator("canvas").first).to_be_attached()
    expect(chart).to_have_attribute("data-bars", "4")
    # The canvas is painted: some pixel of it is not blank.
    painted = page.evaluate("""() => { const c = document.querySelector('#programme-gantt canvas');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; } return false; }""")
    assert painted
    expect(page.locator("#programme-table tbody tr")).to_have_count(2)
    page.screenshot(path=str(artefacts / "e2e-programme-by-team.png"), full_page=True)

    page.get_by_label("Rows").select_option("person")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#programme-gantt")).to_have_attribute("data-bars", "2")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors


MARKUP = "<img src=x id=pwn onerror=document.title='pwned'>"


@pytest.mark.parametrize("account, path, chart", [("hana", "/hr/programme", "#programme-gantt"),
                                                  ("alice", "/people/P1/record", "#record-timeline")])
def test_markup_in_a_record_stays_text_in_the_timeline_tooltips(page, live_server, database_url, accounts,
                                                                account, path, chart):
    engine = make_engine(database_url)
    record_assignments(engine, [NewAssignment(person_id="P1", kind="redeployment", start=date.today(),
                                              end=date.today() + timedelta(days=6), team_id="T-PH", skill=MARKUP)],
                       "hana")
    engine.dispose()
    sign_in(page, live_server, account, accounts[account].password)
    page.goto(f"{live_server}{path}")
    expect(page.locator(f"{chart} canvas").first).to_be_attached()
    tip = page.evaluate("""selector => { const chart = echarts.getInstanceByDom(document.querySelector(selector));
      chart.dispatchAction({type: 'showTip', seriesIndex: 0, dataIndex: 0});
      const box = document.querySelector(selector + ' div[style*="position: absolute"]');
      return box ? box.textContent : ''; }""", chart)
    assert MARKUP in tip
    assert page.locator("#pwn").count() == 0 and page.title() != "pwned"
