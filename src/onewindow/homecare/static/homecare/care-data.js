// The care data page: ECharts (vendored) drawn from the JSON the page embeds.
(function () {
  "use strict";
  function init() {
    var source = document.getElementById("care-data");
    if (!source || typeof echarts === "undefined") return;
    var data = JSON.parse(source.textContent);
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (el) {
      var rows = data[el.getAttribute("data-chart")] || [];
      var kind = el.getAttribute("data-kind");
      var chart = echarts.init(el, null, {renderer: "canvas"});
      var option;
      if (kind === "pie") {
        option = {tooltip: {trigger: "item", renderMode: "richText"}, series: [{type: "pie", radius: ["35%", "65%"],
          data: rows.map(function (r) { return {name: r[0], value: r[1]}; })}]};
      } else if (kind === "trend") {
        option = {tooltip: {trigger: "axis", renderMode: "richText"}, legend: {},
          grid: {left: 48, right: 48, bottom: 30, top: 40},
          xAxis: {type: "category", data: rows.map(function (r) { return r[0]; })},
          yAxis: [{type: "value"}, {type: "value"}],
          series: [{name: el.getAttribute("data-label-orders"), type: "bar", data: rows.map(function (r) { return r[1]; })},
                   {name: el.getAttribute("data-label-allowance"), type: "line", yAxisIndex: 1,
                    data: rows.map(function (r) { return r[2]; })}]};
      } else {
        option = {tooltip: {trigger: "axis", renderMode: "richText"}, grid: {left: 90, right: 20, bottom: 20, top: 10},
          xAxis: {type: "value"}, yAxis: {type: "category", data: rows.map(function (r) { return r[0]; })},
          series: [{type: "bar", data: rows.map(function (r) { return r[1]; })}]};
      }
      chart.setOption(option);
      el.setAttribute("data-ready", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
