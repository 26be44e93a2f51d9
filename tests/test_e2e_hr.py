"""An HR planner in a real browser (Debian's headless Chromium via Playwright): upload a scenario
with errors, fix it, run a plan and watch its progress, accept placements, approve, export, and
look at the network. Screenshots go to test-artefacts/."""

from __future__ import annotations

import re

import pytest
from conftest_web2 import *  # noqa: F401,F403 - fixtures of the planning consoles
from conftest_web2 import browser_sign_in, scenario_csv_files, small_scenario
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def as_uploads(files: dict[str, bytes]) -> list[dict]:
    return [{"name": name, "mimeType": "text/csv" if name.endswith(".csv") else "application/json", "buffer": data}
            for name, data in files.items()]


def test_hr_journey_from_a_bad_upload_to_an_approved_exported_plan(page, web2_live_server, artefacts, tmp_path):
    base = web2_live_server
    good = scenario_csv_files(small_scenario(), tmp_path / "csv")
    people = good["people.csv"].decode("utf-8-sig")
    bad = {**good, "people.csv": people.replace("python:", "pyhton:", 1).replace("T-DATA", "T-DAT", 1).encode()}

    browser_sign_in(page, base, "hr")
    expect(page).to_have_url(re.compile(r"/hr/$"))

    # 1. An upload with errors: every problem by file, row and column; nothing saved.
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("Scenario files").set_input_files(as_uploads(bad))
    page.get_by_role("button", name="Check the files").click()
    problems = page.locator(".hr-problems")
    expect(problems).to_contain_text("nothing was saved")
    expect(problems).to_contain_text("people.csv")
    expect(problems).to_contain_text("pyhton")
    expect(problems).to_contain_text("T-DAT")
    expect(problems.locator("tbody tr")).to_have_count(2)
    page.screenshot(path=str(artefacts / "e2e-hr-1-upload-problems.png"), full_page=True)

    # 2. The fixed files: a preview, then commit.
    page.get_by_label("Scenario files").set_input_files(as_uploads(good))
    page.get_by_role("button", name="Check the files").click()
    expect(page.get_by_role("heading", name="Ready to import")).to_be_visible()
    page.screenshot(path=str(artefacts / "e2e-hr-2-upload-preview.png"), full_page=True)
    page.get_by_role("button", name="Commit the import").click()
    expect(page.locator(".flash--success")).to_contain_text("Imported")

    # 3. Run a plan and watch its progress (objective and bound over time).
    page.get_by_role("link", name="Plan", exact=True).click()
    page.get_by_label("Time limit (seconds)").fill("3")
    page.screenshot(path=str(artefacts / "e2e-hr-3-policy-form.png"), full_page=True)
    page.get_by_role("button", name="Run the optimiser").press("Enter")
    expect(page).to_have_url(re.compile(r"/hr/jobs/\d+$"))
    expect(page.get_by_role("heading", name=re.compile(r"Optimiser run #\d+"))).to_be_visible()
    expect(page.locator("#progress-chart canvas").first).to_be_attached()
    expect(page.locator("#job-status")).to_have_text("finished", timeout=15_000)
    expect(page.locator("#progress-table tbody tr").first).to_be_visible()
    expect(page.locator("#job-result")).to_have_text(re.compile("OPTIMAL|FEASIBLE"))
    page.screenshot(path=str(artefacts / "e2e-hr-4-run-progress.png"), full_page=True)

    # 4. The plan: explanations, unplaced reasons; accept one, then the rest.
    page.get_by_role("link", name="Open the plan").click()
    expect(page).to_have_url(re.compile(r"/hr/plans/\d+$"))
    expect(page.get_by_role("heading", name=re.compile("Plan version 1"))).to_be_visible()
    expect(page.locator(".hr-why").first).not_to_be_empty()
    expect(page.get_by_role("heading", name=re.compile(r"Asked for a move but not placed \([1-9]"))).to_be_visible()
    first_row = page.locator("tr.hr-row").first
    first_row.get_by_role("button", name=re.compile("^Accept ")).click()
    expect(page.locator("tr.hr-row").first).to_contain_text("accepted")
    expect(page.locator("#count-accepted")).to_have_text("1")
    page.get_by_role("button", name="Approve this version").click()
    expect(page.locator(".flash--error")).to_contain_text("not accepted yet")
    page.get_by_role("button", name="Accept all waiting").click()
    expect(page.locator("#count-undecided")).to_have_text("0")
    page.get_by_role("button", name="Approve this version").click()
    expect(page.locator("#plan-review-status")).to_have_text("approved")
    expect(page.locator(".page-intro")).to_contain_text("approved by hr1")
    page.screenshot(path=str(artefacts / "e2e-hr-5-plan-approved.png"), full_page=True)

    # 5. Export: the CSV download carries the placements and decisions.
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename == "trellis-plan-v1.csv"
    text = open(download.path(), encoding="utf-8-sig").read()
    assert text.startswith("person_id,name,team,opportunity_id")
    assert text.count("accepted") >= 1 and "undecided" not in text
    with page.expect_download() as xlsx_info:
        page.get_by_role("link", name="Export Excel").click()
    assert xlsx_info.value.suggested_filename == "trellis-plan-v1.xlsx"

    # 6. The network with this plan: measures, graph, flows between services.
    page.get_by_role("link", name="Network", exact=True).click()
    expect(page.get_by_role("heading", name="The organisation as a network")).to_be_visible()
    expect(page.locator("#network-metrics")).to_contain_text("With version 1")
    expect(page.locator("#network-graph")).to_have_attribute("data-drawn", "yes")
    expect(page.locator("#network-sankey canvas").first).to_be_attached()
    page.screenshot(path=str(artefacts / "e2e-hr-6-network.png"), full_page=True)
    # The refused upload's 422 is the only resource error the browser may report.
    assert [e for e in page.console_errors if "422" not in e] == []


def test_hr_compares_a_what_if_side_by_side(page, web2_live_server, artefacts):
    browser_sign_in(page, web2_live_server, "hr")
    page.get_by_role("button", name="Run the optimiser").press("Enter")
    expect(page.locator("#job-status")).to_have_text("finished", timeout=15_000)
    page.get_by_role("link", name="Open the plan").click()
    page.get_by_role("link", name="What if…?").click()
    page.get_by_label("Skill", exact=True).select_option("python")
    page.get_by_label("In", exact=True).select_option(label="Local plan data lead")
    page.screenshot(path=str(artefacts / "e2e-hr-7-whatif-form.png"), full_page=True)
    page.get_by_role("button", name="Compare").click()
    expect(page.locator("#job-status")).to_have_text("finished", timeout=20_000)
    page.get_by_role("link", name="Open the comparison").click()
    expect(page.get_by_role("heading", name=re.compile("What if we drop the python requirement"))).to_be_visible()
    expect(page.locator("#whatif-table")).to_contain_text("Eligible person–opportunity pairs")
    page.screenshot(path=str(artefacts / "e2e-hr-8-whatif-result.png"), full_page=True)
    assert page.console_errors == []
