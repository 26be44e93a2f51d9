"""The My pathways graph in a real browser, on a desktop and on a phone: every step is drawn once,
no two labels overlap, and no label is cut at the edge of the drawing (on a phone the drawing
scrolls sideways in its own frame, the page does not). Screenshots go to test-artefacts/."""

from __future__ import annotations

import pytest
from test_e2e_phone import sign_in

pytestmark = pytest.mark.browser

# Each node's box with its label, in the drawing's pixels, and the drawing's size.
LABEL_BOXES = """() => {
  const cy = window.trellisPathwayGraph;
  const el = document.getElementById("pathway-graph");
  return {width: el.clientWidth, height: el.clientHeight,
          labels: cy.nodes().map(n => n.data("label")),
          boxes: cy.nodes().map(n => { const b = n.renderedBoundingBox({includeLabels: true, includeOverlays: false});
                                       return [n.data("label"), b.x1, b.y1, b.x2, b.y2]; })};
}"""


def overlapping(boxes):
    return [(a[0], b[0]) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a[1] < b[3] and b[1] < a[3] and a[2] < b[4] and b[2] < a[4]]


@pytest.mark.parametrize("width", [1366, 390])
def test_the_pathways_graph_draws_each_step_once_with_readable_labels(page, live_server, accounts, artefacts, width):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, live_server, "alice", accounts["alice"].password)
    page.goto(f"{live_server}/people/P1/pathways")
    page.wait_for_function("window.trellisPathwayGraph && window.trellisPathwayGraph.nodes().length > 1")
    drawn = page.evaluate(LABEL_BOXES)
    assert len(drawn["labels"]) == len(set(drawn["labels"])), drawn["labels"]
    assert overlapping(drawn["boxes"]) == []
    cut = [b[0] for b in drawn["boxes"] if b[1] < 0 or b[2] < 0 or b[3] > drawn["width"] or b[4] > drawn["height"]]
    assert cut == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.locator("#pathway-graph").screenshot(path=str(artefacts / f"pathways-graph-{width}.png"))
    assert page.console_errors == []
