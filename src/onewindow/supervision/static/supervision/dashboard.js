// The leaders' dashboard: a choropleth of the child areas (Leaflet, region polygons as GeoJSON,
// no tiles; click an area to drill down), monthly trend and hall waits (ECharts, from the API),
// and a full-screen mode for the command centre's big screen.
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) return;
  function attr(name) { return root.getAttribute("data-" + name) || ""; }
  function label(name) { return attr("label-" + name) || name; }
  var query = "region=" + encodeURIComponent(attr("region")) + "&first=" + attr("first") + "&last=" + attr("last");

  var button = document.getElementById("fullscreen");
  if (button) {
    button.addEventListener("click", function () {
      if (document.fullscreenElement) { document.exitFullscreen(); return; }
      if (root.requestFullscreen) {
        root.requestFullscreen().catch(function () { root.classList.toggle("bigscreen"); });
      } else {
        root.classList.toggle("bigscreen");
      }
      setTimeout(resizeAll, 300);
    });
  }

  var charts = [];
  function resizeAll() { charts.forEach(function (c) { c.resize(); }); }
  window.addEventListener("resize", resizeAll);
  document.addEventListener("fullscreenchange", function () { setTimeout(resizeAll, 200); });

  function getJson(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; });
  }

  function chart(id, option) {
    var el = document.getElementById(id);
    if (!el || typeof echarts === "undefined") return;
    var c = echarts.init(el);
    c.setOption(option);
    charts.push(c);
  }

  getJson(attr("api") + "trend?" + query).then(function (rows) {
    if (!rows) return;
    var months = rows.map(function (r) { return r.month; });
    chart("chart-trend", {
      tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 40, right: 10, top: 30, bottom: 30},
      xAxis: {type: "category", data: months}, yAxis: {type: "value"},
      series: [
        {name: label("cases"), type: "line", data: rows.map(function (r) { return r.cases; })},
        {name: label("tickets"), type: "line", data: rows.map(function (r) { return r.tickets; })},
        {name: label("grid"), type: "line", data: rows.map(function (r) { return r.grid; })}
      ]
    });
  });

  getJson(attr("api") + "hall-waits?" + query).then(function (rows) {
    if (!rows) return;
    chart("chart-waits", {
      tooltip: {trigger: "axis"}, legend: {top: 0}, grid: {left: 40, right: 40, top: 30, bottom: 30},
      xAxis: {type: "category", data: rows.map(function (r) { return r.day.slice(5); })},
      yAxis: [{type: "value"}, {type: "value"}],
      series: [
        {name: label("hall"), type: "bar", data: rows.map(function (r) { return r.taken; })},
        {name: label("wait"), type: "line", yAxisIndex: 1,
         data: rows.map(function (r) { return r.average_wait_minutes; })}
      ]
    });
  });

  // Choropleth of the child areas.
  var mapEl = document.getElementById("dash-map");
  var dataEl = document.getElementById("dash-children");
  if (!mapEl || typeof L === "undefined") return;
  var values = {};
  var max = 0;
  (dataEl ? JSON.parse(dataEl.textContent) : []).forEach(function (c) {
    var v = c.cases + c.tickets + c.grid_events;
    values[c.code] = c;
    if (v > max) max = v;
  });
  function colour(v) {
    if (!max || !v) return "#d0d7de";
    var t = v / max;
    if (t > 0.75) return "#0a3069";
    if (t > 0.5) return "#0550ae";
    if (t > 0.25) return "#218bff";
    return "#80ccff";
  }
  var map = L.map(mapEl, {attributionControl: false, zoomSnap: 0.25});
  var level = attr("child-level");
  var url = attr("geojson") + "?root=" + encodeURIComponent(attr("region")) + "&levels=" + (level || "grid");
  getJson(url).then(function (geo) {
    if (!geo || !geo.features || !geo.features.length) {
      map.setView([25, 102.7], 12);
      return;
    }
    var layer = L.geoJSON(geo, {
      style: function (f) {
        var c = values[f.properties.code];
        var v = c ? c.cases + c.tickets + c.grid_events : 0;
        return {color: "#57606a", weight: 1, fillColor: colour(v), fillOpacity: 0.7};
      },
      onEachFeature: function (f, lyr) {
        var c = values[f.properties.code];
        var text = f.properties.name;
        if (c) text += "：" + label("cases") + " " + c.cases + " · " + label("tickets") + " " + c.tickets;
        lyr.bindTooltip(text);
        if (level) {
          lyr.on("click", function () {
            window.location.search = "?region=" + encodeURIComponent(f.properties.code) +
              "&first=" + attr("first") + "&last=" + attr("last");
          });
        }
      }
    }).addTo(map);
    map.fitBounds(layer.getBounds());
  });
})();
