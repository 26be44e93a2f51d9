// The rotation programme: a Gantt chart of assignments by team (each assignment drawn twice:
// under the home team it is away from, and under the team hosting it) or by person, drawn with
// ECharts from the page's JSON data island. The table below carries the same facts.
(function () {
  "use strict";
  var el = document.getElementById("programme-gantt");
  var island = document.getElementById("programme-gantt-data");
  if (!el || !island || !window.echarts) { return; }
  var rows = JSON.parse(island.textContent || "[]");
  if (!rows.length) { return; }
  var encode = window.echarts.format.encodeHTML;
  var COLOURS = { active: "#176b32", ended: "#5f6b7a", accepted: "#0b5394", proposed: "#8a4b00" };
  var DAY = 86400000;
  var byTeam = el.getAttribute("data-view") !== "person";
  function day(text) { return new Date(text + "T00:00:00Z").getTime(); }
  var today = Date.now();
  var labels = [];
  var index = {};
  function rowOf(label) {
    if (!(label in index)) { index[label] = labels.length; labels.push(label); }
    return index[label];
  }
  var data = [];
  rows.forEach(function (r) {
    // An open-ended assignment is drawn up to today (or a month after its start, if later).
    var end = r.end ? day(r.end) + DAY : Math.max(today, day(r.start) + 30 * DAY);
    var colour = COLOURS[r.status] || "#0b5394";
    if (byTeam) {
      data.push({ value: [rowOf(r.home), day(r.start), end], itemStyle: { color: colour, opacity: 0.55 }, row: r, role: "away from" });
      if (r.host && r.host !== r.home) {
        data.push({ value: [rowOf(r.host), day(r.start), end], itemStyle: { color: colour }, row: r, role: "hosted by" });
      }
    } else {
      data.push({ value: [rowOf(r.person), day(r.start), end], itemStyle: { color: colour }, row: r, role: "" });
    }
  });
  // Bars that overlap in time on one row are given lanes (first free lane, by start), so one
  // person's bar never hides another's.
  var lanesOf = {};
  data.slice().sort(function (a, b) { return a.value[1] - b.value[1]; }).forEach(function (d) {
    var ends = lanesOf[d.value[0]] = lanesOf[d.value[0]] || [];
    var lane = 0;
    while (lane < ends.length && ends[lane] > d.value[1]) { lane += 1; }
    ends[lane] = d.value[2];
    d.value.push(lane);
  });
  data.forEach(function (d) { d.value.push(lanesOf[d.value[0]].length); });
  var rowHeight = 32;
  var laneTotal = labels.reduce(function (sum, label, i) { return sum + Math.max(1, lanesOf[i] ? lanesOf[i].length : 1); }, 0);
  el.style.height = Math.max(224, 48 + Math.max(labels.length, laneTotal / 2) * rowHeight) + "px";
  var chart = window.echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 16, top: 8, bottom: 24, containLabel: true },
    tooltip: {
      formatter: function (p) {
        var r = p.data.row;
        var where = p.data.role ? " (" + p.data.role + " " + (p.data.role === "away from" ? r.home : r.host) + ")" : "";
        return encode(r.person + where) + "<br>" + encode(r.what + " with " + r.host) + "<br>" +
          encode(r.start + " to " + (r.end || "open") + ", " + r.status);
      }
    },
    xAxis: { type: "time" },
    yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 180, overflow: "truncate" } },
    series: [{
      type: "custom",
      encode: { x: [1, 2], y: 0 },
      dimensions: ["row", "start", "end", "lane", "lanes"],
      data: data,
      renderItem: function (params, api) {
        var start = api.coord([api.value(1), api.value(0)]);
        var end = api.coord([api.value(2), api.value(0)]);
        var band = api.size([0, 1])[1] * 0.8;
        var lanes = api.value(4);
        var height = Math.max(2, band / lanes - 1);
        var top = start[1] - band / 2 + api.value(3) * (band / lanes);
        return {
          type: "rect",
          shape: { x: start[0], y: top, width: Math.max(2, end[0] - start[0]), height: height },
          style: api.style()
        };
      }
    }]
  });
  el.setAttribute("data-bars", String(data.length));
  window.addEventListener("resize", function () { chart.resize(); });
}());
