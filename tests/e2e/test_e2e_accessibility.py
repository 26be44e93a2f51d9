"""WCAG 2.2 AA, checked by axe-core (the npm registry's accessibility engine) in real headless
Chromium on every main page of each user group. Any violation fails the test, with the rule, its
impact and the first offending elements."""

from __future__ import annotations

import re

import pytest
from helpers import AXE, axe_violations

pytestmark = pytest.mark.browser


PAGES_BY_ACCOUNT = {
    "alice": ["/people/P1/pathways", "/people/P1/record", "/marketplace", "/inbox"],
    "hana": ["/hr/", "/hr/import", "/hr/whatif", "/hr/programme", "/network/"],
    "emre": ["/crisis/"],
    "ada": ["/admin/users", "/admin/audit", "/admin/people"],
    "mona": ["/manager/", "/manager/opportunities", "/manager/opportunities/O1", "/people/P1/record"],
}


def _give_alice_a_record(database_url: str) -> None:
    """Alice's record page draws her timeline only when she has assignments: give her two."""
    from datetime import date, timedelta

    from planner.store import make_engine
    from planner.store.assignments import NewAssignment, record_assignments

    engine = make_engine(database_url)
    today = date.today()
    record_assignments(engine, [
        NewAssignment(person_id="P1", kind="placement", start=today - timedelta(days=300),
                      end=today - timedelta(days=100), opportunity_id="O1", team_id="T-DATA"),
        NewAssignment(person_id="P1", kind="redeployment", start=today, end=today + timedelta(days=6),
                      team_id="T-PH", skill="safeguarding"),
    ], "hana")
    engine.dispose()


def _give_the_form_occupations(database_url: str) -> None:
    """The opportunity form shows its "Occupation profile" picker only when profiles are loaded."""
    from planner.store import make_engine
    from planner.store.occupations import replace_occupation_profiles

    engine = make_engine(database_url)
    replace_occupation_profiles(engine, [("29-1141.00", "Registered Nurses", "active-listening:4;speaking:4"),
                                         ("31-1011.00", "Home Health Aides", "speaking:2")],
                                actor="hana", source="test")
    engine.dispose()


@pytest.mark.parametrize("account", sorted(PAGES_BY_ACCOUNT))
def test_every_main_page_meets_wcag_aa(browser, live_server, accounts, account, database_url):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/install-assets.sh (npm ci installs axe-core)")
    if account in ("alice", "hana"):  # her record also fills the programme chart hana reads
        _give_alice_a_record(database_url)
    if account == "mona":
        _give_the_form_occupations(database_url)
    # axe is injected as an inline script, which the app's Content-Security-Policy rightly forbids.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Account name").fill(account)
        page.get_by_label("Password").fill(accounts[account].password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        found = {}
        for path in PAGES_BY_ACCOUNT[account]:
            response = page.goto(f"{live_server}{path}")
            assert response is not None and response.status == 200, path
            violations = axe_violations(page)
            if violations:
                found[path] = violations
        if account == "mona":  # the form as "Use its skills" returns it: filled, with a warning
            page.goto(f"{live_server}/manager/opportunities")
            page.get_by_label("Occupation profile").fill("Registered Nurses")
            page.get_by_role("button", name="Use its skills").click()
            page.wait_for_load_state("networkidle")
            assert "not in your skills catalogue" in page.content()
            violations = axe_violations(page)
            if violations:
                found["Use its skills"] = violations
        assert found == {}
    finally:
        context.close()


def test_the_check_catches_what_it_should(browser, live_server):
    """A page with an unlabelled input and grey-on-white text fails the same check."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/install-assets.sh (npm ci installs axe-core)")
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.evaluate("""() => {
            const main = document.querySelector('main');
            main.insertAdjacentHTML('beforeend',
              '<p style="color:#bbb;background:#fff">faint text</p><input type="text" id="nameless">');
        }""")
        rules = {line.split(" ")[0] for line in axe_violations(page)}
        assert {"color-contrast", "label"} <= rules
    finally:
        context.close()


def test_plan_review_states_meet_wcag_aa(browser, app, live_server, accounts):
    """The plan review page in each state HR meets: a proven plan filtered and sorted, a group
    decided (with its message), and a plan that places nobody (the alert, Approve disabled)."""
    from optimiser.matching import solve_plan
    from planner.domain import FairnessFloor
    from planner.store import load_scenario, save_plan

    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/install-assets.sh (npm ci installs axe-core)")
    engine = app.extensions["trellis_engine"]
    scenario = load_scenario(engine)
    policy = scenario.policy.model_copy(update={"time_limit_s": 5, "workers": 1})
    good = save_plan(engine, "matching", solve_plan(scenario, policy), created_by="hana", policy=policy)
    impossible = policy.model_copy(update={"fairness": FairnessFloor(bands=((1, 4), (5, 7)), min_share=0.6)})
    empty = save_plan(engine, "matching", solve_plan(scenario, impossible), created_by="hana", policy=impossible)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("Account name").fill("hana")
        page.get_by_label("Password").fill(accounts["hana"].password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_load_state("networkidle")
        found = {}
        for path in [f"/hr/plans/{good.id}?sort=score&dir=desc&size=25&decided=undecided",
                     f"/hr/plans/{good.id}?q=no-such-person", f"/hr/plans/{empty.id}"]:
            response = page.goto(f"{live_server}{path}")
            assert response is not None and response.status == 200, path
            page.get_by_text("Technical details").first.click()
            if violations := axe_violations(page):
                found[path] = violations
        page.goto(f"{live_server}/hr/plans/{good.id}")
        page.get_by_role("button", name=re.compile(r"^Accept all \d+ matching")).click()
        assert "accepted in your name" in page.locator(".flash--success").inner_text()
        page.wait_for_load_state("networkidle")
        if violations := axe_violations(page):
            found["after a group decision"] = violations
        assert page.locator("#plan-alert").count() == 0
        page.goto(f"{live_server}/hr/plans/{empty.id}")
        assert page.locator("#plan-alert").is_visible() and page.locator("#approve").is_disabled()
        assert found == {}
    finally:
        context.close()
