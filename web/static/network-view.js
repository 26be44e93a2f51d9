// Network view: the graph (before / with the plan) and the Sankey chart of service flows, drawn
// with ECharts from the page's JSON endpoint. The tables on the page carry the same facts.
// A large organisation is drawn one level up first (services, sized by staff); choosing a
// service (click, or the "Show" list for keyboards) draws its teams. Positions come from the
// server (a seeded spring layout); the nodes are scaled into the frame here.
(function () {
  "use strict";
  var graphEl = document.getElementById("network-graph");
  if (!graphEl || !window.echarts) { return; }
  var PALETTE = ["#0b5394", "#176b32", "#8a4b00", "#6b3fa0", "#a4161a", "#00727a", "#5b5f00", "#7a2e5b"];
  var TODAY = { color: "#6b7785", type: "solid", opacity: 0.75 };
  var ADDED = { color: "#0b5394", type: "dashed", opacity: 0.95 };
  var graph = window.echarts.init(graphEl, null, { renderer: "canvas" });
  var sankeyEl = document.getElementById("network-sankey");
  var sankey = sankeyEl ? window.echarts.init(sankeyEl, null, { renderer: "canvas" }) : null;
  var chooser = document.getElementById("network-service");
  var levelText = document.getElementById("network-level");
  var data = null;
  var state = { view: "before", group: null };
  // ECharts inserts a tooltip formatter's return value as HTML: every name from the data (teams,
  // services, organisations) is escaped first, so a team called "<img src=x onerror=...>" stays text.
  var esc = window.echarts.format.encodeHTML;

  // Circle sizes shrink with the frame, so a phone-wide drawing is not all circles.
  function sized(value, max) {
    var room = Math.min(1, graphEl.clientWidth / 900);
    return 8 + (10 + 24 * Math.sqrt(value / Math.max(max, 1))) * room;
  }
  function lineWidth(count) { return 1 + Math.min(6, Math.log2(1 + count) * 1.5); }

  function serviceLevel() {
    var grouped = data.grouped, orgs = data.organisations;
    var max = Math.max.apply(null, grouped.groups.map(function (g) { return g.headcount; }).concat([1]));
    // Largest first, so when labels would overlap the smaller services' labels give way.
    var nodes = grouped.groups.slice().sort(function (a, b) { return b.headcount - a.headcount; }).map(function (g) {
      return { id: g.id, name: g.service, value: g.headcount, x: g.position.x, y: -g.position.y,
               organisation: g.organisation, teams: g.team_ids.length, category: orgs.indexOf(g.organisation),
               symbolSize: sized(g.headcount, max) };
    });
    var links = [];
    grouped.links.forEach(function (l) {
      if (l.links_today) {
        links.push({ source: l.source, target: l.target, today: l.links_today, added: 0,
                     lineStyle: Object.assign({ width: lineWidth(l.links_today) }, TODAY) });
      }
      if (state.view === "after" && l.links_added) {
        links.push({ source: l.source, target: l.target, today: 0, added: l.links_added,
                     // Bent when a grey line joins the same two services, so both stay visible.
                     lineStyle: Object.assign({ width: lineWidth(l.links_added) + 1, curveness: l.links_today ? 0.25 : 0 }, ADDED) });
      }
    });
    return { nodes: nodes, links: links };
  }

  // One drawing of teams: every team ("all"), or one service's teams with the other services
  // they are linked to (hollow circles). Links between the same two circles are merged.
  function teamLevel(key) {
    var orgs = data.organisations, pos = data.grouped.drawings[key], teamGroup = {}, groupOf = {};
    data.grouped.groups.forEach(function (g) {
      groupOf[g.id] = g;
      g.team_ids.forEach(function (t) { teamGroup[t] = g.id; });
    });
    var shown = data.nodes.filter(function (n) { return pos[n.id]; });
    var max = Math.max.apply(null, shown.map(function (n) { return n.headcount; }).concat([1]));
    var nodes = shown.slice().sort(function (a, b) { return b.headcount - a.headcount; }).map(function (n) {
      return { id: n.id, name: n.label, value: n.headcount, x: pos[n.id].x, y: -pos[n.id].y,
               organisation: n.organisation, category: orgs.indexOf(n.organisation), symbolSize: sized(n.headcount, max) };
    });
    Object.keys(pos).filter(function (id) { return id.indexOf("service:") === 0; }).forEach(function (id) {
      var g = groupOf[id.slice(8)];
      nodes.push({ id: id, group: g.id, name: g.service, value: g.headcount, teams: g.team_ids.length, x: pos[id].x, y: -pos[id].y,
                   organisation: g.organisation, category: orgs.indexOf(g.organisation), symbolSize: 14,
                   itemStyle: { color: "#ffffff", borderColor: PALETTE[orgs.indexOf(g.organisation) % PALETTE.length], borderWidth: 3 } });
    });
    function end(team) {
      if (pos[team]) { return team; }
      var outside = "service:" + teamGroup[team];
      return pos[outside] ? outside : null;
    }
    var merged = {};
    data.edges.forEach(function (e) {
      if (state.view !== "after" && e.from_plan) { return; }
      var a = end(e.source), b = end(e.target);
      if (!a || !b || a === b) { return; }
      var k = a + "|" + b + "|" + e.from_plan;
      if (!merged[k]) { merged[k] = { source: a, target: b, today: 0, added: 0, people: 0, planned: e.from_plan }; }
      merged[k][e.from_plan ? "added" : "today"] += 1;
      merged[k].people += e.people_moved + e.shared_placements;
    });
    var links = Object.keys(merged).map(function (k) {
      var l = merged[k];
      l.lineStyle = l.planned
        ? Object.assign({ width: lineWidth(l.people) + 1, curveness: merged[l.source + "|" + l.target + "|false"] ? 0.25 : 0 }, ADDED)
        : Object.assign({ width: lineWidth(l.today) }, TODAY);
      return l;
    });
    return { nodes: nodes, links: links };
  }

  function nodeTip(p) {
    var d = p.data;
    if (!d.name) { return ""; }
    return "<strong>" + esc(d.name) + "</strong><br>" + esc(d.organisation) + "<br>" + esc(d.value) + " staff"
      + (d.teams ? ", " + esc(d.teams) + " teams" : "");
  }

  function edgeTip(p, names) {
    var d = p.data, text = esc(names[d.from]) + " \u2013 " + esc(names[d.to]) + ": ";
    if (state.group === null && !data.grouped.teams_shown_first) {
      return text + (d.today ? esc(d.today) + " team links today" : esc(d.added) + " team links the plan adds");
    }
    if (d.today + d.added > 1) {
      return text + (d.today ? esc(d.today) + " team links today" : esc(d.added) + " team links the plan adds");
    }
    return text + (d.today ? "linked today" : "a link the plan adds");
  }

  // Place the drawing's nodes in the frame in pixels, using its whole width and height (the
  // circles are drawn in pixels, so they stay round), with margins for labels below and the
  // legend at the foot. Every node is then inside the frame, whatever the organisation's size.
  function placeInFrame(nodes) {
    var xs = nodes.map(function (n) { return n.x; }), ys = nodes.map(function (n) { return n.y; });
    var minX = Math.min.apply(null, xs), minY = Math.min.apply(null, ys);
    var dx = Math.max(Math.max.apply(null, xs) - minX, 1e-3), dy = Math.max(Math.max.apply(null, ys) - minY, 1e-3);
    var availableWidth = Math.max(graphEl.clientWidth - 120, 40), availableHeight = Math.max(graphEl.clientHeight - 100, 40);
    var scaleX = availableWidth / dx, scaleY = availableHeight / dy;
    var left = (graphEl.clientWidth - dx * scaleX) / 2, top = 24;
    nodes.forEach(function (n) {
      n.x = left + (n.x - minX) * scaleX;
      n.y = top + (n.y - minY) * scaleY;
      n.fixed = true;
    });
    // ECharts stretches the nodes' bounding box to the frame; two invisible corner points make that
    // box the frame itself, so the placement above is kept as it is (circles stay round).
    [[0, 0], [graphEl.clientWidth, graphEl.clientHeight]].forEach(function (corner, i) {
      nodes.push({ id: "frame-corner-" + i, name: "", x: corner[0], y: corner[1], fixed: true, symbolSize: 0,
                   silent: true, tooltip: { show: false }, label: { show: false }, itemStyle: { opacity: 0 } });
    });
  }

  function drawGraph() {
    // The canvas follows its frame before every drawing: a drawing sized to a frame the chart
    // has not resized to yet would place nodes outside it.
    if (graph.getWidth() !== graphEl.clientWidth || graph.getHeight() !== graphEl.clientHeight) { graph.resize(); }
    var servicesFirst = !data.grouped.teams_shown_first;
    var level;
    if (state.group !== null) {
      level = teamLevel(state.group);
    } else if (servicesFirst) {
      level = serviceLevel();
    } else {
      level = teamLevel("all");
    }
    placeInFrame(level.nodes);
    var names = {}, index = {};
    level.nodes.forEach(function (n, i) { names[n.id] = n.name; index[n.id] = i; });
    // Links name their ends by position in the node list: names repeat (two organisations may
    // each have a "Corporate Services") and ids are not what ECharts matches link ends on.
    var links = level.links.map(function (l) {
      return Object.assign({}, l, { source: index[l.source], target: index[l.target], from: l.source, to: l.target });
    });
    graph.setOption({
      animation: false,
      color: PALETTE,
      tooltip: { confine: true, formatter: function (p) { return p.dataType === "edge" ? edgeTip(p, names) : nodeTip(p); } },
      legend: { data: data.organisations, bottom: 0, type: "scroll", selectedMode: false },
      series: [{
        // Every node is placed by placeInFrame, so there is no layout to run: a force layout here
        // stepped over the previous drawing's nodes when a resize and a redraw met (an ECharts error).
        type: "graph", layout: "none",
        roam: true, draggable: false, left: 0, top: 0, width: graphEl.clientWidth, height: graphEl.clientHeight,
        categories: data.organisations.map(function (o) { return { name: o }; }),
        label: { show: true, position: "bottom", fontSize: 11, color: "#1b1f24", width: 120, overflow: "break", lineHeight: 13,
                 backgroundColor: "rgba(255,255,255,0.85)", padding: [1, 2] },
        labelLayout: { hideOverlap: true },
        emphasis: { focus: "adjacency", label: { show: true } },
        data: level.nodes, links: links
      }]
    }, true);
    graphEl.setAttribute("data-drawn-width", String(graphEl.clientWidth));
  }

  function describeLevel() {
    if (!levelText) { return; }
    if (state.group === null) {
      levelText.textContent = data.grouped.teams_shown_first
        ? "Each circle is a team, sized by its staff."
        : "Each circle is a service, sized by its staff. Choose one (or click it) to see its teams.";
      return;
    }
    var g = data.grouped.groups.filter(function (x) { return x.id === state.group; })[0];
    levelText.textContent = "The " + g.team_ids.length + " teams of " + g.service + " (" + g.organisation
      + "), their links, and the other services they are linked to (hollow circles; click one to go there)."
      + " Choose \u201cAll services\u201d to go back.";
  }

  function setGroup(groupId) {
    state.group = groupId;
    if (chooser) {
      var index = groupId === null ? 0 : data.grouped.groups.map(function (g) { return g.id; }).indexOf(groupId) + 1;
      chooser.selectedIndex = index;
    }
    describeLevel();
    drawGraph();
  }

  function setView(view) {
    state.view = view;
    document.querySelectorAll(".network-toggle [data-view]").forEach(function (b) {
      b.setAttribute("aria-pressed", b.getAttribute("data-view") === view ? "true" : "false");
    });
    drawGraph();
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
    var narrow = sankeyEl.clientWidth < 600;
    sankey.setOption({
      animation: false,
      color: PALETTE,
      tooltip: {
        trigger: "item", confine: true,
        formatter: function (p) {
          return p.dataType === "edge"
            ? esc(p.data.source) + " " + esc(p.data.target) + ": " + esc(p.data.value) + " people"
            : esc(p.name);
        }
      },
      series: [{
        type: "sankey", left: 8, right: narrow ? 110 : 200, top: 12, bottom: 12, nodeGap: 10, draggable: false,
        data: nodes,
        links: links,
        label: { color: "#1b1f24", fontSize: narrow ? 10 : 12, width: narrow ? 100 : 190, overflow: "truncate" },
        lineStyle: { color: "source", opacity: 0.4 },
        emphasis: { focus: "adjacency" }
      }]
    }, true);
  }

  fetch(graphEl.getAttribute("data-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error("status " + r.status); } return r.json(); })
    .then(function (json) {
      data = json;
      state.view = data.plan ? "after" : "before";
      setView(state.view);
      describeLevel();
      drawSankey();
      graphEl.setAttribute("data-drawn", "yes");
    })
    .catch(function () { graphEl.textContent = "The chart could not be drawn; the tables on this page give the same facts."; });

  graph.on("click", function (p) {
    if (p.dataType !== "node" || data.grouped.teams_shown_first) { return; }
    if (state.group === null) { setGroup(p.data.id); } else if (p.data.group) { setGroup(p.data.group); }
  });
  if (chooser) {
    chooser.addEventListener("change", function () {
      if (!data) { return; }
      var i = chooser.selectedIndex;
      setGroup(i === 0 ? null : data.grouped.groups[i - 1].id);
    });
  }
  document.querySelectorAll(".network-toggle [data-view]").forEach(function (b) {
    b.addEventListener("click", function () { if (data) { setView(b.getAttribute("data-view")); } });
  });
  // Resizes come in bursts (a phone turning, a window dragged, a full-page screenshot): the charts
  // are redrawn once, when a burst ends, never while ECharts is still busy with the last one
  // (redrawing inside a burst threw inside ECharts).
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    if (!data) { return; }  // the first drawing, once the data arrives, is sized to the frame
    window.clearTimeout(resizeTimer);
    resizeTimer = window.setTimeout(function () {
      drawGraph();
      if (sankey) { sankey.resize(); drawSankey(); }
    }, 150);
  });
}());
