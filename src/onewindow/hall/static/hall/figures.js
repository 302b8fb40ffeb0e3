/* Hall figures: ECharts (vendored) charts from the JSON the page carries. Tooltips render in
 * the canvas (richText), so the strict CSP (no inline styles) holds. */
(function () {
  "use strict";
  var source = document.getElementById("hall-charts");
  if (!source || !window.echarts) { return; }
  var data = JSON.parse(source.textContent);
  var labels = JSON.parse(document.getElementById("hall-chart-labels").textContent);
  var charts = [];

  function chart(id, option) {
    var node = document.getElementById(id);
    if (!node) { return; }
    var c = window.echarts.init(node, null, { renderer: "canvas" });
    option.tooltip = { trigger: "axis", renderMode: "richText" };
    option.grid = { left: 48, right: 16, top: 40, bottom: 60, containLabel: true };
    option.legend = option.legend || { top: 0 };
    c.setOption(option);
    node.setAttribute("data-ready", "1");
    charts.push(c);
  }

  function names(rows) { return rows.map(function (r) { return r.label; }); }
  function pick(rows, key) { return rows.map(function (r) { return r[key]; }); }

  chart("chart-types", {
    xAxis: { type: "category", data: names(data.by_type), axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: labels.taken, type: "bar", data: pick(data.by_type, "taken") },
      { name: labels.served, type: "bar", data: pick(data.by_type, "served") },
      { name: labels.no_show, type: "bar", data: pick(data.by_type, "no_show") }
    ]
  });
  chart("chart-days", {
    xAxis: { type: "category", data: names(data.by_day) },
    yAxis: { type: "value", minInterval: 1 },
    series: [
      { name: labels.taken, type: "line", data: pick(data.by_day, "taken") },
      { name: labels.served, type: "line", data: pick(data.by_day, "served") }
    ]
  });
  chart("chart-hours", {
    xAxis: { type: "category", data: names(data.by_hour) },
    yAxis: { type: "value", minInterval: 1 },
    series: [{ name: labels.taken, type: "bar", data: pick(data.by_hour, "taken") }]
  });
  chart("chart-waits", {
    xAxis: { type: "category", data: names(data.waits), axisLabel: { interval: 0, rotate: 20 } },
    yAxis: { type: "value", name: labels.minutes },
    series: [
      { name: labels.wait_avg, type: "bar", data: pick(data.waits, "wait_avg") },
      { name: labels.wait_p90, type: "bar", data: pick(data.waits, "wait_p90") }
    ]
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
})();
