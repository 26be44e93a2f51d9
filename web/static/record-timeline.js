// My record: a timeline of a person's moves and redeployments, drawn with ECharts from the
// page's JSON data island. The table below the picture carries the same facts for everyone.
(function () {
  "use strict";
  var el = document.getElementById("record-timeline");
  var island = document.getElementById("record-timeline-data");
  if (!el || !island || !window.echarts) { return; }
  var rows = JSON.parse(island.textContent || "[]");
  if (!rows.length) { return; }
  var COLOURS = { active: "#176b32", ended: "#5f6b7a", accepted: "#0b5394", proposed: "#8a4b00", declined: "#a4161a" };
  var DAY = 86400000;
  function day(text) { return new Date(text + "T00:00:00Z").getTime(); }
  var today = Date.now();
  var labels = rows.map(function (r, i) { return (i + 1) + ". " + r.what; });
  var data = rows.map(function (r, i) {
    // An open-ended assignment is drawn up to today (or a month after its start, if later).
    var end = r.end ? day(r.end) + DAY : Math.max(today, day(r.start) + 30 * DAY);
    return { value: [i, day(r.start), end], itemStyle: { color: COLOURS[r.status] || "#0b5394" }, row: r };
  });
  var chart = window.echarts.init(el, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: 8, right: 16, top: 8, bottom: 24, containLabel: true },
    tooltip: {
      formatter: function (p) {
        var r = p.data.row;  // names come from the data: escaped, so markup stays text
        return window.echarts.format.encodeHTML(r.what + " (" + r.team + "): " + r.start + " to " +
          (r.end || "open") + ", " + r.status);
      }
    },
    xAxis: { type: "time" },
    yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 180, overflow: "truncate" } },
    series: [{
      type: "custom",
      encode: { x: [1, 2], y: 0 },
      data: data,
      renderItem: function (params, api) {
        var start = api.coord([api.value(1), api.value(0)]);
        var end = api.coord([api.value(2), api.value(0)]);
        var height = api.size([0, 1])[1] * 0.6;
        return {
          type: "rect",
          shape: { x: start[0], y: start[1] - height / 2, width: Math.max(2, end[0] - start[0]), height: height },
          style: api.style()
        };
      }
    }]
  });
  window.addEventListener("resize", function () { chart.resize(); });
}());
