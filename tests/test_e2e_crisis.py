"""An emergency planner in a real browser (Debian's headless Chromium via Playwright): pause a
service, redeploy, change demand, re-plan with minimal disruption, export the list for managers.
Screenshots go to test-artefacts/."""

from __future__ import annotations

import re

import pytest
from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles
from conftest_web2 import browser_sign_in
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def wait_for_run_and_return(page) -> None:
    """On the run page: wait for the run to finish, then go back to the console."""
    expect(page).to_have_url(re.compile(r"/crisis/jobs/\d+$"))
    expect(page.locator("#job-status")).to_have_text("finished", timeout=20_000)
    page.get_by_role("link", name="Open the crisis console").click()
    expect(page.get_by_role("heading", name="Crisis console")).to_be_visible()


def test_emergency_planner_pauses_redeploys_changes_demand_and_replans(page, web2_live_server, artefacts):
    base = web2_live_server
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
    text = open(download.path(), encoding="utf-8-sig").read()
    assert text.startswith("person_id,name,from_team,to_team,skill,level,priority")
    assert "Testing centre" in text
    assert page.console_errors == []
