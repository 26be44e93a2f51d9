// Network view: the team graph (before / with the plan) and the Sankey chart of service flows,
// drawn with ECharts from the page's JSON endpoint. The tables on the page carry the same facts.
(function () {
  "use strict";
  var graphEl = document.getElementById("network-graph");
  if (!graphEl || !window.echarts) { return; }
  var PALETTE = ["#0b5394", "#176b32", "#8a4b00", "#6b3fa0", "#a4161a", "#00727a", "#5b5f00", "#7a2e5b"];
  var graph = window.echarts.init(graphEl, null, { renderer: "canvas" });
  var sankeyEl = document.getElementById("network-sankey");
  var sankey = sankeyEl ? window.echarts.init(sankeyEl, null, { renderer: "canvas" }) : null;
  var data = null;

  function drawGraph(view) {
    var orgs = data.organisations;
    var maxHead = Math.max.apply(null, data.nodes.map(function (n) { return n.headcount; }).concat([1]));
    var nodes = data.nodes.map(function (n) {
      return {
        id: n.id, name: n.label, value: n.headcount,
        category: orgs.indexOf(n.organisation),
        symbolSize: 12 + 30 * Math.sqrt(n.headcount / maxHead),
        label: { show: data.nodes.length <= 40 }
      };
    });
    var links = data.edges.filter(function (e) { return view === "after" || !e.from_plan; }).map(function (e) {
      var planned = e.from_plan || e.people_moved > 0 || e.shared_placements > 0;
      return {
        source: e.source, target: e.target,
        lineStyle: planned && view === "after"
          ? { width: 2 + Math.min(6, e.people_moved + e.shared_placements), color: "#0b5394", opacity: 0.9, type: e.cross_organisation ? "solid" : "dashed" }
          : { width: 1, color: "#9aa5b1", opacity: 0.7 }
      };
    });
    graph.setOption({
      animation: false,
      color: PALETTE,
      tooltip: { formatter: function (p) { return p.dataType === "node" ? p.data.name + " (" + p.data.value + " people)" : ""; } },
      legend: { data: orgs, bottom: 0, type: "scroll" },
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true,
        categories: orgs.map(function (o) { return { name: o }; }),
        force: { repulsion: data.nodes.length > 40 ? 120 : 600, edgeLength: data.nodes.length > 40 ? [30, 110] : [120, 220], gravity: 0.06, layoutAnimation: false },
        label: { position: "right", fontSize: 11, color: "#1b1f24" },
        emphasis: { focus: "adjacency" },
        data: nodes, links: links
      }]
    }, true);
  }

  function drawSankey() {
    if (!sankey || !data.flows.length) { return; }
    // Each service appears once on the left (where people come from) and once on the right
    // (where they go), so flows both ways and within a service never form a cycle.
    var names = {};
    var links = data.flows.map(function (f) {
      var from = f.from_service + " \u2192", to = "\u2192 " + f.to_service;
      names[from] = true; names[to] = true;
      return { source: from, target: to, value: f.people };
    });
    sankey.setOption({
      animation: false,
      color: PALETTE,
      tooltip: { trigger: "item" },
      series: [{
        type: "sankey", left: 8, right: 160, top: 12, bottom: 12, nodeGap: 10, draggable: false,
        data: Object.keys(names).map(function (n) { return { name: n }; }),
        links: links,
        label: { color: "#1b1f24", fontSize: 12 },
        lineStyle: { color: "gradient", opacity: 0.45 },
        emphasis: { focus: "adjacency" }
      }]
    }, true);
  }

  function setView(view) {
    document.querySelectorAll(".network-toggle [data-view]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-view") === view ? "true" : "false");
    });
    drawGraph(view);
  }

  fetch(graphEl.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error("status " + r.status); } return r.json(); })
    .then(function (json) {
      data = json;
      setView(data.plan ? "after" : "before");
      drawSankey();
      graphEl.setAttribute("data-drawn", "yes");
    })
    .catch(function () { graphEl.textContent = "The chart could not be drawn; the tables on this page give the same facts."; });

  document.querySelectorAll(".network-toggle [data-view]").forEach(function (b) {
    b.addEventListener("click", function () { if (data) { setView(b.getAttribute("data-view")); } });
  });
  window.addEventListener("resize", function () { graph.resize(); if (sankey) { sankey.resize(); } });
}());
