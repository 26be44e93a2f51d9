"""An emergency planner in a real browser (Debian's headless Chromium via Playwright): pause a
service, redeploy, change demand, re-plan with minimal disruption, export the list for managers.
Screenshots go to test-artefacts/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import AXE, axe_violations, browser_sign_in
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def axe_of_console(browser, base, then=None) -> list[str]:
    """axe-core's WCAG AA violations on the console as it stands (after `then(page)`), in a
    context of its own: axe is injected inline, which the app's CSP rightly forbids elsewhere."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run scripts/install-assets.sh (npm ci installs axe-core)")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    try:
        page = context.new_page()
        browser_sign_in(page, base, "emergency")
        if then is not None:
            then(page)
        return axe_violations(page)
    finally:
        context.close()


def paste_badly(page) -> None:
    """Paste two rows, the second naming a team that does not exist."""
    page.get_by_text("Paste several lines from a spreadsheet").click()
    page.get_by_label("Rows: team, skill, level, count, priority").fill(
        "Planning\tfirst-aid\t2\t1\t1\nTesting center\tdriving\t2\t1\t2")
    page.get_by_role("button", name="Add pasted lines").click()
    expect(page.locator("#paste-problems")).to_be_visible()


def wait_for_run_and_return(page) -> None:
    """On the run page: wait for the run to finish, then go back to the console."""
    expect(page).to_have_url(re.compile(r"/crisis/jobs/\d+$"))
    expect(page.locator("#job-status")).to_have_text("finished", timeout=20_000)
    page.get_by_role("link", name="Open the crisis console").click()
    expect(page.get_by_role("heading", name="Crisis console")).to_be_visible()


def test_emergency_planner_pauses_redeploys_changes_demand_and_replans(page, browser, loaded_live_server, artefacts):
    base = loaded_live_server
    browser_sign_in(page, base, "emergency")
    expect(page).to_have_url(re.compile(r"/crisis/$"))
    expect(page.get_by_role("heading", name="No redeployment yet")).to_be_visible()

    # 1. Pause Planning: it releases all its available staff.
    page.get_by_label("Status of Planning").select_option("paused")
    page.get_by_role("button", name="Save statuses").click()
    expect(page.locator(".flash--success")).to_contain_text("Planning paused")
    expect(page.get_by_label("Status of Planning")).to_have_value("paused")
    page.screenshot(path=str(artefacts / "e2e-crisis-1-paused.png"), full_page=True)

    # 2. Redeploy: coverage by priority and team at a glance, the reason for what is uncovered.
    page.get_by_role("button", name="Redeploy now").click()
    wait_for_run_and_return(page)
    expect(page.get_by_role("heading", name=re.compile(r"Redeployment v1"))).to_be_visible()
    expect(page.locator("#coverage-priority progress").first).to_be_visible()
    expect(page.locator("#coverage-team")).to_contain_text("Testing centre")
    expect(page.locator("#uncovered")).to_contain_text("social-work")
    expect(page.locator("#assignments tbody tr").first).to_be_visible()
    covered_before = page.locator("#units-covered").inner_text()
    # A priority-1 gap (no level-5 social worker to move) is an error in words, not colour alone.
    expect(page.locator("#coverage-team tr.crisis-gap")).to_contain_text("priority-1 uncovered")
    expect(page.locator("#coverage-priority tr.crisis-gap")).to_contain_text("P1")
    assert axe_of_console(browser, base) == []
    page.screenshot(path=str(artefacts / "e2e-crisis-2-redeployed.png"), full_page=True)

    # 3. More demand at the testing centre: three first-aiders instead of two.
    page.get_by_label("Count, line 1").fill("3")
    page.get_by_role("button", name="Save demand").click()
    expect(page.locator(".flash--success")).to_contain_text("Demand saved")
    expect(page.locator("#stale")).to_be_visible()

    # 4. Re-plan from the current redeployment: few changes, more covered.
    page.get_by_role("button", name="Re-plan, keeping current moves").click()
    wait_for_run_and_return(page)
    expect(page.get_by_role("heading", name=re.compile(r"Redeployment v2"))).to_be_visible()
    expect(page.locator("#people-changed")).to_be_visible()
    expect(page.locator("#stale")).to_have_count(0)
    covered_after = page.locator("#units-covered").inner_text()
    assert int(covered_after.split("/")[1]) == int(covered_before.split("/")[1]) + 1
    page.screenshot(path=str(artefacts / "e2e-crisis-3-replanned.png"), full_page=True)

    # 5. The list for managers.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export list for managers (CSV)").click()
    download = download_info.value
    assert download.suggested_filename == "trellis-redeployment-v2.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert text.startswith("person_id,name,from_team,to_team,skill,level,priority")
    assert "Testing centre" in text
    assert page.console_errors == []


def test_emergency_planner_adds_and_pastes_demand_from_the_top_of_the_page(page, browser, loaded_live_server, artefacts):
    base = loaded_live_server
    browser_sign_in(page, base, "emergency")
    # Add demand sits above everything else; the team is found by typing part of its name.
    add = page.locator("#add")
    assert add.bounding_box()["y"] < page.locator("#teams").bounding_box()["y"]
    page.get_by_label("Team (type to search)").fill("Data and insight")
    page.get_by_label("Skill (type to search)").fill("python")
    page.get_by_role("button", name="Add", exact=True).click()
    expect(page.locator(".flash--success")).to_contain_text("Demand added: 1 × python (level 2+) for Data and insight")
    # The team input takes the cell's full width, so long names are not cut off.
    width = page.get_by_label("Team, line 1").bounding_box()["width"]
    assert width >= page.get_by_label("Team, line 1").evaluate("e => e.parentElement.clientWidth") - 30

    # A bad paste: nothing saved, each problem beside the text, with what was probably meant.
    page.get_by_text("Paste several lines from a spreadsheet").click()
    page.get_by_label("Rows: team, skill, level, count, priority").fill(
        "Planning\tfirst-aid\t2\t1\t1\nTesting center\tdriving\t2\t1\t2")
    page.get_by_role("button", name="Add pasted lines").click()
    problems = page.locator("#paste-problems")
    expect(problems).to_contain_text("row 2, column team: unknown team")
    expect(problems).to_contain_text("did you mean 'Testing centre'?")
    expect(page.get_by_label("Team, line 5")).to_have_count(0)
    assert axe_of_console(browser, base, paste_badly) == []
    page.screenshot(path=str(artefacts / "e2e-crisis-4-paste-problems.png"), full_page=True)

    # Fixed: both lines are added together.
    page.get_by_label("Rows: team, skill, level, count, priority").fill(
        "Planning\tfirst-aid\t2\t1\t1\nTesting centre\tdriving\t2\t1\t2")
    page.get_by_role("button", name="Add pasted lines").click()
    expect(page.locator(".flash--success")).to_contain_text("2 pasted demand lines added")
    expect(page.get_by_label("Team, line 6")).to_have_value("Testing centre")
    # The refused paste's 422 is the only resource error the browser may report.
    assert [e for e in page.console_errors if "422" not in e] == []
