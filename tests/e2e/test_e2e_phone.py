"""Every main page of every role on a phone (390 x 844, real headless Chromium): the page never
scrolls sideways, every button and link in <main> can be brought fully into view (wide tables
scroll inside their own container), and the header is one compact row. The pages are the ones
the accessibility check visits (imported, so a page added there is covered here too)."""

from __future__ import annotations

import pytest
from test_e2e_accessibility import PAGES_BY_ACCOUNT

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
HEADER_MAX_HEIGHT = 64  # one row of 44 px targets plus padding

# For each visible button or link in <main>: scroll it into view (inner scrolling containers too)
# and report the ones still cut off at the left or right edge of the screen.
OFF_SCREEN_ACTIONS = """() => {
  const width = document.documentElement.clientWidth;
  const cut = [];
  for (const el of document.querySelectorAll("main a[href], main button, main [role=button], main summary")) {
    if (!el.getClientRects().length || getComputedStyle(el).visibility === "hidden") { continue; }
    el.scrollIntoView({block: "center", inline: "nearest"});
    const box = el.getBoundingClientRect();
    if (box.left < -0.5 || box.right > width + 0.5) {
      cut.push(`${el.tagName.toLowerCase()} "${(el.innerText || el.getAttribute("aria-label") || "").trim().slice(0, 40)}" ${Math.round(box.left)}..${Math.round(box.right)}`);
    }
  }
  window.scrollTo(0, 0);
  return cut;
}"""


# The first elements in <main> whose right edge is beyond the screen (to say what widened the page).
STICKING_OUT = """() => [...document.querySelectorAll("main *")]
  .filter(el => el.getClientRects().length && el.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)
  .slice(0, 5).map(el => `${el.tagName.toLowerCase()}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)"""


def sign_in(page, base: str, account, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Account name").fill(account)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")


def phone_problems(page, base: str, paths: list[str], artefacts, account: str) -> dict[str, list[str]]:
    """What keeps each page from working on a phone (nothing, when all is well)."""
    problems = {}
    for path in paths:
        response = page.goto(f"{base}{path}")
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        found = []
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > PHONE["width"]:
            found.append(f"the page is {scroll_width} px wide; sticking out: {page.evaluate(STICKING_OUT)}")
        header = page.locator(".site-header").bounding_box()
        if header["height"] > HEADER_MAX_HEIGHT:
            found.append(f"the header is {round(header['height'])} px tall")
        found += page.evaluate(OFF_SCREEN_ACTIONS)
        name = path.strip("/").replace("/", "-") or "home"
        page.screenshot(path=str(artefacts / f"phone-{account}-{name}.png"), full_page=True)
        if found:
            problems[path] = found
    return problems


@pytest.mark.parametrize("account", sorted(PAGES_BY_ACCOUNT))
def test_every_main_page_fits_a_phone_screen(page, live_server, accounts, artefacts, account):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, account, accounts[account].password)
    assert phone_problems(page, live_server, PAGES_BY_ACCOUNT[account], artefacts, account) == {}


def test_a_plan_with_placements_to_accept_fits_a_phone_screen(page, app, live_server, accounts, artefacts):
    """The plan page's table of placements (with its Accept buttons) and the network with a plan."""
    from planner.domain import Placement, Plan
    from planner.store import save_plan

    plan = Plan(status="FEASIBLE", placements=[
        Placement(person_id="P1", opportunity_id="O1", explanation="Develops Data analysis to 3 in another team"),
        Placement(person_id="P3", opportunity_id="O4"),
        Placement(person_id="P6", opportunity_id="O2"),
    ])
    stored = save_plan(app.extensions["trellis_engine"], "matching", plan, created_by="hana")
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "hana", accounts["hana"].password)
    paths = [f"/hr/plans/{stored.id}", "/hr/", "/network/"]
    assert phone_problems(page, live_server, paths, artefacts, "hana-with-plan") == {}
    assert page.goto(f"{live_server}/hr/plans/{stored.id}").status == 200
    assert page.locator("main button", has_text="Accept").count() > 0  # the actions the check covered

