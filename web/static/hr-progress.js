// Live progress of an optimiser run: polls the run's JSON every second, moves the bar of time
// used against the limit (with the phase and placements in words), draws objective and bound
// over time (ECharts), and offers the result when the run ends. The page works without
// this script too (it shows the state at load time, and a reload shows the latest).
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var url = box.getAttribute("data-status-url");
  var chartEl = document.getElementById("progress-chart");
  var chart = (window.echarts && chartEl) ? window.echarts.init(chartEl, null, { renderer: "canvas" }) : null;
  var timer = null;
  var PHASES = { candidates: "finding candidates", first_plan: "first plan", improving: "improving",
                 proving: "proving", writing_up: "writing up the plan" };

  function series(points, key) {
    var out = [];
    points.forEach(function (p) { if (p[key] !== null && p[key] !== undefined) { out.push([p.seconds, p[key]]); } });
    return out;
  }

  function draw(points) {
    if (!chart) { return; }
    chart.setOption({
      animation: false,
      grid: { left: 64, right: 24, top: 40, bottom: 48 },
      legend: { data: ["Best plan found so far", "Most any plan could score"], top: 4 },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value", name: "seconds", nameLocation: "middle", nameGap: 28, min: 0 },
      yAxis: { type: "value", scale: true },
      series: [
        { name: "Best plan found so far", type: "line", step: "end", showSymbol: false, data: series(points, "objective"), lineStyle: { width: 3, color: "#0b5394" }, itemStyle: { color: "#0b5394" } },
        { name: "Most any plan could score", type: "line", step: "end", showSymbol: false, data: series(points, "bound"), lineStyle: { width: 2, type: "dashed", color: "#8a4b00" }, itemStyle: { color: "#8a4b00" } }
      ]
    });
  }

  function cell(value) {
    var td = document.createElement("td");
    td.className = "num";
    td.textContent = (value === null || value === undefined) ? "\u2014" : String(value);
    return td;
  }

  function table(points) {
    var body = document.querySelector("#progress-table tbody");
    if (!body) { return; }
    while (body.firstChild) { body.removeChild(body.firstChild); }
    points.slice(-8).forEach(function (p) {
      var tr = document.createElement("tr");
      var phase = document.createElement("td");
      phase.textContent = PHASES[p.phase] || "\u2014";
      tr.appendChild(cell(p.seconds)); tr.appendChild(phase); tr.appendChild(cell(p.objective)); tr.appendChild(cell(p.bound));
      body.appendChild(tr);
    });
  }

  function show(data) {
    var status = document.getElementById("job-status");
    status.textContent = data.status;
    status.className = "badge" + (data.status === "finished" ? " badge--ok" : (data.status === "running" ? "" : " badge--bad"));
    document.getElementById("job-elapsed").textContent = data.elapsed_s === null ? "" : data.elapsed_s + " s";
    document.getElementById("job-result").textContent = data.outcome || data.result_status || "";
    if (data.error) {
      var err = document.getElementById("job-error");
      err.textContent = data.error; err.hidden = false;
    }
    var bar = document.getElementById("job-bar");
    if (bar) {
      bar.value = data.share_of_time_limit || 0;
      bar.textContent = Math.round((data.share_of_time_limit || 0) * 100) + "%";
    }
    var words = document.getElementById("job-words");
    if (words) { words.textContent = data.words || ""; }
    var stopForm = document.getElementById("stop-form");
    if (stopForm && data.done) { stopForm.hidden = true; }
    var stopButton = document.getElementById("stop-run");
    if (stopButton && data.stop_requested && !data.done) {
      stopButton.disabled = true; stopButton.textContent = "Stopping\u2026";
    }
    draw(data.progress || []);
    table(data.progress || []);
    if (data.done && data.next) {
      var next = document.getElementById("job-next");
      next.hidden = false;
      while (next.firstChild) { next.removeChild(next.firstChild); }
      var a = document.createElement("a");
      a.className = "btn btn--primary"; a.href = data.next; a.id = "open-result";
      a.textContent = data.next_label || "Open the result";
      next.appendChild(a);
      a.focus();
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error("status " + r.status); } return r.json(); })
      .then(function (data) {
        show(data);
        if (!data.done) { timer = window.setTimeout(poll, 1000); }
      })
      .catch(function () { timer = window.setTimeout(poll, 3000); });
  }

  if (chart) { window.addEventListener("resize", function () { chart.resize(); }); }
  poll();
}());
