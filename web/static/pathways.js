// Draw the pathways graph (Cytoscape, served from static/vendor) from the JSON the page embeds.
// The graph repeats what the step-by-step lists say, so the page works without it.
(function () {
  "use strict";
  var container = document.getElementById("pathway-graph");
  var source = document.getElementById("pathway-graph-data");
  if (!container || !source || typeof window.cytoscape !== "function") {
    return;
  }
  var data = JSON.parse(source.textContent);
  if (!data.edges.length) {
    container.setAttribute("hidden", "");
    return;
  }
  var colours = { networked: "#0b5394", developmental: "#176b32", ladder: "#6b3fa0" };
  var lines = { networked: "solid", developmental: "dashed", ladder: "dotted" };
  // Room for a label wrapped over three lines under each node, so labels never overlap.
  var LANE = 96, STEP = 190, LABEL_WIDTH = 160;
  var elements = data.nodes.map(function (n) {
    return { data: { id: n.id, label: n.label, kind: n.kind }, position: { x: n.step * STEP, y: n.lane * LANE } };
  }).concat(data.edges.map(function (e) {
    return { data: { id: e.id, source: e.source, target: e.target, kind: e.kind } };
  }));
  // One lane per route: the area grows with the number of routes (CSSOM, allowed by the CSP).
  container.style.height = Math.max(200, data.lanes * LANE + 96) + "px";
  // Never squeezed below its natural width (labels would shrink and clip): on a narrow screen
  // the graph scrolls sideways inside its own frame instead.
  container.style.minWidth = ((data.steps || 3) * STEP + LABEL_WIDTH + 40) + "px";
  window.trellisPathwayGraph = window.cytoscape({
    container: container,
    elements: elements,
    userZoomingEnabled: false,
    boxSelectionEnabled: false,
    autoungrabify: true,
    maxZoom: 1.2,
    minZoom: 0.8,
    layout: { name: "preset", fit: true, padding: 28 },
    style: [
      { selector: "node", style: {
        "label": "data(label)", "text-wrap": "wrap", "text-max-width": LABEL_WIDTH + "px", "font-size": "13px", "min-zoomed-font-size": 6,
        "color": "#1b1f24", "text-valign": "bottom", "text-margin-y": 4,
        // A white backing keeps a label readable where a line passes behind it.
        "text-background-color": "#ffffff", "text-background-opacity": 0.9, "text-background-padding": "2px", "width": 18, "height": 18,
        "background-color": "#ffffff", "border-width": 3, "border-color": "#4a5360" } },
      { selector: "node[kind = 'networked']", style: { "border-color": colours.networked } },
      { selector: "node[kind = 'developmental']", style: { "border-color": colours.developmental } },
      { selector: "node[kind = 'ladder']", style: { "border-color": colours.ladder } },
      { selector: "node[kind = 'you']", style: {
        "background-color": "#083d6d", "border-color": "#083d6d", "width": 26, "height": 26, "font-weight": "bold",
        "text-valign": "top", "text-margin-y": -6 } },
      { selector: "edge", style: {
        "width": 3, "curve-style": "bezier", "target-arrow-shape": "triangle", "arrow-scale": 1.1 } }
    ].concat(Object.keys(colours).map(function (kind) {
      return { selector: "edge[kind = '" + kind + "']", style: {
        "line-color": colours[kind], "target-arrow-color": colours[kind], "line-style": lines[kind] } };
    }))
  });
}());
