"""A member of staff in a real browser (Debian's headless Chromium via Playwright): sign in, read
My pathways, filter the marketplace, express interest, sign out; and be refused another
person's page. Screenshots go to test-artefacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


UNLABELLED_CONTROLS = """() => Array.from(document.querySelectorAll('input, select, textarea, button'))
  .filter(el => el.type !== 'hidden')
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.tagName === 'BUTTON' && el.textContent.trim()))
  .map(el => el.outerHTML.slice(0, 80))"""


def assert_accessible_basics(page) -> None:
    """Every control has a name, the page has a language, one h1 and a main landmark."""
    assert page.evaluate(UNLABELLED_CONTROLS) == []
    assert page.evaluate("document.documentElement.lang") == "en-GB"
    assert page.locator("h1").count() == 1
    assert page.locator("main#main").count() == 1


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Account name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_staff_journey_from_sign_in_to_sign_out(page, live_server, artefacts, accounts):
    sign_in(page, live_server, "alice", accounts["alice"].password)

    # My pathways: her skills, the graph and the three kinds of route side by side.
    expect(page).to_have_url(re.compile(r"/people/P1/pathways$"))
    expect(page.get_by_role("heading", name="My pathways")).to_be_visible()
    for column in ("Networked", "Developmental", "The ladder"):
        expect(page.get_by_role("heading", name=column, exact=True)).to_be_visible()
    expect(page.locator(".step__why").first).to_contain_text("develops")
    expect(page.locator("#pathway-graph canvas").first).to_be_attached()
    assert_accessible_basics(page)
    page.screenshot(path=str(artefacts / "e2e-1-my-pathways.png"), full_page=True)

    # Aim for a role: the routes say which reach it.
    page.get_by_label("Aim for", exact=True).select_option(label="Senior social worker, Children's Services")
    page.get_by_role("button", name="Show routes").click()
    expect(page.get_by_role("status").filter(has_text="Routes towards")).to_contain_text("Senior social worker")
    expect(page.locator(".route-title").filter(has_text="reaches the target").first).to_be_visible()
    page.screenshot(path=str(artefacts / "e2e-1b-my-pathways-target.png"), full_page=True)

    # The marketplace, filtered to what develops or asks for GIS.
    page.get_by_role("link", name="Opportunities", exact=True).click()
    page.get_by_label("Skill (asked for or developed)").select_option(label="GIS mapping")
    page.get_by_role("button", name="Filter").click()
    expect(page).to_have_url(re.compile(r"skill=gis"))
    expect(page.get_by_role("status").filter(has_text="opportunities")).to_contain_text("2 opportunities")
    project = page.locator("#opp-O2")
    expect(project).to_contain_text("You do not have GIS mapping yet (this needs level 2)")
    expect(project).to_contain_text("These moves develop GIS mapping")
    assert_accessible_basics(page)
    page.screenshot(path=str(artefacts / "e2e-2-marketplace-filtered.png"), full_page=True)

    # Express interest: it becomes her first ranked preference.
    page.get_by_role("button", name="I'm interested in Introduction to GIS shadowing").click()
    expect(page.locator(".flash--success")).to_contain_text("ranked 1")
    expect(page.locator("#opp-O3")).to_contain_text("Your preference 1")
    expect(page).to_have_url(re.compile(r"skill=gis"))
    page.screenshot(path=str(artefacts / "e2e-3-interest-expressed.png"), full_page=True)

    page.get_by_role("link", name="My record").click()
    expect(page.get_by_role("table")).to_contain_text("Introduction to GIS shadowing")
    assert_accessible_basics(page)

    # Sign out: back to the sign-in page, and her pages are closed to the old session.
    page.locator(".account-menu summary").click()  # the account menu folds sign-out away
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in to Trellis")).to_be_visible()
    expect(page.locator(".flash")).to_contain_text("signed out")
    page.screenshot(path=str(artefacts / "e2e-4-signed-out.png"), full_page=True)
    page.goto(f"{live_server}/people/P1/pathways")
    expect(page).to_have_url(re.compile(r"/login"))
    assert page.console_errors == []


def test_staff_is_refused_another_persons_pathways(page, live_server, artefacts, accounts):
    sign_in(page, live_server, "alice", accounts["alice"].password)
    expect(page.get_by_role("heading", name="My pathways")).to_be_visible()
    response = page.goto(f"{live_server}/people/P2/pathways")
    assert response.status == 403
    expect(page.get_by_role("heading", name="You do not have access to this page")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Bilal")
    page.screenshot(path=str(artefacts / "e2e-5-refused.png"), full_page=True)


def test_pages_fit_a_phone_and_work_by_keyboard(page, live_server, artefacts, accounts):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server}/login")
    # The first Tab reaches the skip link, then the form fields in order.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.get_by_label("Account name").focus()
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type(accounts["alice"].password)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="My pathways")).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px on a phone"
    page.screenshot(path=str(artefacts / "e2e-6-phone-my-pathways.png"), full_page=True)
    page.goto(f"{live_server}/marketplace")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the marketplace scrolls sideways by {overflow}px on a phone"
    page.screenshot(path=str(artefacts / "e2e-7-phone-marketplace.png"), full_page=True)
    page.get_by_role("button", name="I'm interested in Data analysis secondment").click()
    expect(page.locator(".flash--success")).to_contain_text("ranked 1")
    page.goto(f"{live_server}/me/record")
    expect(page.get_by_role("table")).to_contain_text("Data analysis secondment")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"My record scrolls sideways by {overflow}px on a phone"
    page.screenshot(path=str(artefacts / "e2e-8-phone-my-record.png"), full_page=True)
    assert page.console_errors == []
