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
  var elements = data.nodes.map(function (n) {
    return { data: { id: n.id, label: n.label, kind: n.kind } };
  }).concat(data.edges.map(function (e) {
    return { data: { id: e.id, source: e.source, target: e.target, kind: e.kind } };
  }));
  window.trellisPathwayGraph = window.cytoscape({
    container: container,
    elements: elements,
    userZoomingEnabled: false,
    boxSelectionEnabled: false,
    autoungrabify: true,
    maxZoom: 1.4,
    // Left to right: the person on the left, each step one column further on.
    layout: { name: "breadthfirst", roots: ["you"], directed: true, spacingFactor: 1.05, padding: 24, nodeDimensionsIncludeLabels: true,
              transform: function (node, position) { return { x: position.y, y: position.x }; } },
    style: [
      { selector: "node", style: {
        "label": "data(label)", "text-wrap": "wrap", "text-max-width": "130px", "font-size": "12px", "min-zoomed-font-size": 6,
        "color": "#1b1f24", "text-valign": "bottom", "text-margin-y": 4, "width": 18, "height": 18,
        "background-color": "#ffffff", "border-width": 3, "border-color": "#4a5360" } },
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
