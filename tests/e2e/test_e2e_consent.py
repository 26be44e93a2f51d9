"""The people concerned have a say, in a real browser (Debian's headless Chromium): a member of
staff declines a proposed move on their record page and HR sees it beside the placement, and the
new pages with their forms filled in meet WCAG 2.2 AA (axe-core), for staff, HR, emergency
planners and line managers. Screenshots go to test-artefacts/."""

from __future__ import annotations

import re

import pytest
from helpers import AXE, axe_violations
from playwright.sync_api import expect

from planner import store
from planner.domain import Placement, Plan

pytestmark = pytest.mark.browser


@pytest.fixture
def draft_plan(database_url):
    """A draft matching plan proposing Alice (P1) for the data secondment and Eve (P5, Data Team)
    for the GIS shadowing."""
    engine = store.make_engine(database_url)
    plan = Plan(status="OPTIMAL", placements=[
        Placement(person_id="P1", opportunity_id="O1", score=2.0, explanation="uses her data analysis"),
        Placement(person_id="P5", opportunity_id="O3", score=1.0, explanation="develops gis")])
    stored = store.save_plan(engine, "matching", plan, created_by="hana")
    engine.dispose()
    return stored


def sign_in(page, base: str, account) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Account name").fill(account.username)
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def sign_out(page) -> None:
    page.locator(".account-menu summary").click()  # the account menu folds sign-out away
    page.get_by_role("button", name="Sign out").click()


def test_a_member_of_staff_declines_and_hr_sees_it_beside_the_placement(page, live_server, accounts, draft_plan,
                                                                         artefacts):
    sign_in(page, live_server, accounts["alice"])
    page.goto(f"{live_server}/me/record")
    say = page.locator("#your-say")
    expect(say).to_contain_text("Data analysis secondment")
    expect(say).to_contain_text("no answer yet")
    say.get_by_label("Reason (optional)").fill("I am mid-way through a court case")
    say.get_by_role("button", name="Decline Data analysis secondment").click()
    expect(page.locator(".flash--success")).to_contain_text("declined")
    expect(page.locator("#your-say")).to_contain_text("declined")
    page.screenshot(path=str(artefacts / "e2e-consent-1-declined.png"), full_page=True)
    sign_out(page)

    sign_in(page, live_server, accounts["hana"])
    page.goto(f"{live_server}/hr/plans/{draft_plan.id}")
    row = page.locator("#row-P1")
    expect(row.locator(".their-answer")).to_contain_text("declined")
    expect(row.locator(".their-answer")).to_contain_text("I am mid-way through a court case")
    expect(page.locator("#row-P5 .their-answer")).to_contain_text("no answer yet")
    page.get_by_role("button", name="Accept all waiting").click()
    page.get_by_role("button", name="Approve this version").click()
    expect(page.locator(".flash--error")).to_contain_text("1 placement(s) were declined by the person proposed")
    expect(page.locator("#plan-review-status")).to_have_text("draft")
    page.screenshot(path=str(artefacts / "e2e-consent-2-hr-sees-it.png"), full_page=True)
    assert page.console_errors == []


STEPS = {
    # account: [(path, an action that fills the page in first, or None)]
    "alice": ["/people/P1/record"],
    "hana": ["/hr/plans/{plan}", "/people/P1/record"],
    "emre": ["/crisis/"],
    "mona": ["/manager/", "/manager/opportunities", "/manager/opportunities/O1"],
}


def test_the_consent_pages_with_answers_and_problems_meet_wcag_aa(browser, live_server, accounts, draft_plan):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/install-assets.sh (npm ci installs axe-core)")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    found = {}
    try:
        # Fill the pages in: an answer, an opt-out, a refused release and a posting with problems.
        sign_in(page, live_server, accounts["alice"])
        page.goto(f"{live_server}/people/P1/record")
        page.get_by_role("button", name="Accept Data analysis secondment").click()
        page.get_by_label("Why you need to opt out (wellbeing)").fill("Recovering after the winter surge")
        page.get_by_role("button", name="Opt out of crisis redeployment").click()
        expect(page.locator("#crisis-opt-out")).to_contain_text("opted out")
        for account, paths in STEPS.items():
            if account != "alice":
                sign_out(page)
                sign_in(page, live_server, accounts[account])
            if account == "mona":
                page.goto(f"{live_server}/manager/")
                page.get_by_label("Reason (required to refuse)").first.fill("Two of the team are on leave")
                page.get_by_role("button", name=re.compile("^Refuse to release")).first.click()
                expect(page.locator(".flash--success")).to_contain_text("Refused")
                page.goto(f"{live_server}/manager/opportunities")
                page.get_by_label("Id").fill("O-NEW")
                page.get_by_label("Title").fill("Care data champion")
                page.get_by_label("Skills required").fill("pyton:9")
                page.get_by_role("button", name="Post opportunity").click()
                expect(page.locator(".field-error").first).to_be_visible()
                violations = axe_violations(page)
                if violations:
                    found["/manager/opportunities (with problems)"] = violations
            for path in paths:
                response = page.goto(f"{live_server}{path.replace('{plan}', str(draft_plan.id))}")
                assert response is not None and response.status == 200, path
                violations = axe_violations(page)
                if violations:
                    found[f"{path} as {account}"] = violations
        assert found == {}
    finally:
        context.close()
