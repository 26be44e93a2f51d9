"""A planner in a real browser starts a long plan, watches the bar of time used move with the
phase in words, checks the running page with axe-core, and stops the run: the best plan so far is
saved and the page says it was stopped early. And a re-import preview in the browser: the staff
edits it would overwrite, axe-checked, kept on commit."""

from __future__ import annotations

import re

import pytest
from helpers import AXE, axe_violations, browser_sign_in
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def large_store(store_engine):
    from planner.generate import generate_scenario
    from planner.store import save_scenario

    save_scenario(store_engine, generate_scenario(4000, seed=5), actor="test")
    return store_engine


def test_a_planner_watches_a_long_run_and_stops_it(browser, large_store, loaded_live_server, artefacts):
    base = loaded_live_server
    # axe is injected as an inline script, which the app's Content-Security-Policy rightly forbids.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    try:
        browser_sign_in(page, base, "hr")
        page.goto(f"{base}/hr/")
        page.get_by_label("Time limit (seconds)").fill("20")
        page.get_by_label("Rotation periods").fill("2")  # 4,000 people over two periods: about 17 s
        page.get_by_role("button", name="Run the optimiser").press("Enter")
        expect(page).to_have_url(re.compile(r"/hr/jobs/\d+$"))

        bar = page.get_by_role("progressbar")
        expect(bar).to_be_visible()
        page.wait_for_function("document.getElementById('job-bar').value >= 0.05", timeout=10_000)
        first = page.evaluate("document.getElementById('job-bar').value")
        page.wait_for_function(f"document.getElementById('job-bar').value > {first}", timeout=5_000)
        expect(page.locator("#job-words")).to_contain_text(re.compile(r"of the 20 s time limit; phase: "))
        if AXE.exists():
            assert axe_violations(page) == []
        page.screenshot(path=str(artefacts / "e2e-job-stop-1-running.png"), full_page=True)

        page.get_by_role("button", name="Stop and keep the best plan so far").click()
        expect(page.locator(".flash--info")).to_contain_text("Stopping")
        expect(page.locator("#job-words")).to_contain_text("Stopped early on request", timeout=15_000)
        expect(page.locator("#stop-form")).to_be_hidden()
        expect(page.get_by_role("link", name="Open the plan")).to_be_visible()
        page.screenshot(path=str(artefacts / "e2e-job-stop-2-stopped.png"), full_page=True)
    finally:
        context.close()


def test_a_reimport_preview_warns_of_staff_edits_and_keeps_them(browser, store_engine, loaded_live_server, tmp_path):
    from helpers import scenario_csv_files
    from scenarios import small_scenario
    from test_e2e_hr import as_uploads

    from planner.store import get_person, update_person

    update_person(store_engine, "P001", skills={"python": 4}, actor="staff1")
    edited = get_person(store_engine, "P001").skills
    base = loaded_live_server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB", bypass_csp=True)
    page = context.new_page()
    try:
        browser_sign_in(page, base, "hr")
        page.goto(f"{base}/hr/import")
        page.get_by_label("Scenario files").set_input_files(as_uploads(scenario_csv_files(small_scenario("consoles"), tmp_path)))
        page.get_by_role("button", name="Check the files").click()
        expect(page.get_by_role("heading", name="Changes staff made in Trellis since the last import")).to_be_visible()
        expect(page.get_by_role("table", name="Changes staff made in Trellis since the last import")).to_contain_text("Person 1 (P001)")
        keep = page.get_by_label("Keep what staff changed in the app")
        expect(keep).to_be_checked()
        if AXE.exists():
            assert axe_violations(page) == []
        page.get_by_role("button", name="Commit the import").click()
        expect(page.locator(".flash--success")).to_contain_text("1 staff edits kept")
        assert get_person(store_engine, "P001").skills == edited
    finally:
        context.close()
