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
  // ECharts inserts a tooltip formatter's return value as HTML: every name from the data (teams,
  // services) is escaped first, so a team called "<img src=x onerror=...>" stays text.
  var esc = window.echarts.format.encodeHTML;

  function drawGraph(view) {
    var orgs = data.organisations;
    var maxHead = Math.max.apply(null, data.nodes.map(function (n) { return n.headcount; }).concat([1]));
    var nodes = data.nodes.map(function (n) {
      return {
        id: n.id, name: n.label, value: n.headcount,
        category: orgs.indexOf(n.organisation),
        symbolSize: (data.nodes.length > 12 ? 8 : 12) + (data.nodes.length > 12 ? 18 : 30) * Math.sqrt(n.headcount / maxHead),
        label: { show: data.nodes.length <= 15 }
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
      tooltip: { formatter: function (p) { return p.dataType === "node" ? esc(p.data.name) + " (" + esc(p.data.value) + " people)" : ""; } },
      legend: { data: orgs, bottom: 0, type: "scroll" },
      series: [{
        type: "graph", layout: "force", roam: true, draggable: true, zoom: data.nodes.length > 12 ? 0.85 : 1,
        categories: orgs.map(function (o) { return { name: o }; }),
        // Spread a handful of teams out; pull a large organisation in so it stays in view.
        force: {
          repulsion: Math.max(100, Math.min(600, 6000 / data.nodes.length)),
          edgeLength: data.nodes.length > 12 ? [40, 110] : [120, 220],
          gravity: data.nodes.length > 12 ? 0.12 : 0.06,
          layoutAnimation: false
        },
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
    var services = [];
    var links = data.flows.map(function (f) {
      [f.from_service, f.to_service].forEach(function (name) { if (services.indexOf(name) < 0) { services.push(name); } });
      return { source: f.from_service + " \u2192", target: "\u2192 " + f.to_service, value: f.people };
    });
    var nodes = [];
    services.forEach(function (name, i) {
      var colour = PALETTE[i % PALETTE.length];
      nodes.push({ name: name + " \u2192", itemStyle: { color: colour } });
      nodes.push({ name: "\u2192 " + name, itemStyle: { color: colour } });
    });
    var used = {};
    links.forEach(function (l) { used[l.source] = true; used[l.target] = true; });
    nodes = nodes.filter(function (n) { return used[n.name]; });
    sankey.setOption({
      animation: false,
      color: PALETTE,
      tooltip: {
        trigger: "item",
        formatter: function (p) {
          return p.dataType === "edge"
            ? esc(p.data.source) + " " + esc(p.data.target) + ": " + esc(p.data.value) + " people"
            : esc(p.name);
        }
      },
      series: [{
        type: "sankey", left: 8, right: 200, top: 12, bottom: 12, nodeGap: 10, draggable: false,
        data: nodes,
        links: links,
        label: { color: "#1b1f24", fontSize: 12 },
        lineStyle: { color: "source", opacity: 0.4 },
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
