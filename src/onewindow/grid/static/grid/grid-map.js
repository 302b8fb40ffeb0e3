// The grid map: region polygons as GeoJSON (no tiles), buildings, events coloured by state and
// this month's visits; clicking a grid shows its worker and figures and loads its points.
(function () {
  "use strict";
  var el = document.getElementById("grid-map");
  if (!el || typeof L === "undefined") return;
  var panel = document.getElementById("grid-panel");
  function label(name) { return el.getAttribute("data-label-" + name) || name; }
  function colour(open) {
    if (!open) return "#8c959f";
    if (open < 3) return "#d4a72c";
    if (open < 6) return "#e16f24";
    return "#cf222e";
  }
  var map = L.map(el, {attributionControl: false, zoomSnap: 0.25, preferCanvas: false});
  var points = L.layerGroup().addTo(map);
  var selected = null;
  function row(dl, name, value) {
    var dt = document.createElement("dt");
    dt.textContent = name;
    var dd = document.createElement("dd");
    dd.textContent = value;
    dl.appendChild(dt);
    dl.appendChild(dd);
  }
  function show(props) {
    panel.textContent = "";
    var h = document.createElement("h2");
    h.textContent = props.name;
    panel.appendChild(h);
    var dl = document.createElement("dl");
    dl.className = "facts";
    row(dl, label("worker"), (props.workers || []).join("、") || label("none"));
    row(dl, label("households"), props.households);
    row(dl, label("residents"), props.residents);
    row(dl, label("visits"), props.visits);
    row(dl, label("events"), props.events);
    row(dl, label("open"), props.open_events);
    panel.appendChild(dl);
    var link = document.createElement("a");
    link.href = el.getAttribute("data-figures-url") + encodeURIComponent(props.code);
    link.textContent = label("figures");
    panel.appendChild(link);
  }
  function loadPoints(code) {
    fetch(el.getAttribute("data-points-url") + encodeURIComponent(code), {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.json() : {features: []}; })
      .then(function (data) {
        points.clearLayers();
        (data.features || []).forEach(function (f) {
          var ll = [f.geometry.coordinates[1], f.geometry.coordinates[0]];
          var p = f.properties;
          var marker;
          if (p.kind === "building") {
            marker = L.circleMarker(ll, {radius: 4, color: "#57606a", weight: 1, fillOpacity: 0.6});
            marker.bindTooltip(p.name + " · " + p.houses + " " + label("houses"));
          } else if (p.kind === "event") {
            marker = L.circleMarker(ll, {radius: 8, color: p.colour, fillColor: p.colour, weight: 2, fillOpacity: 0.8});
            marker.bindTooltip(p.number + " " + p.title + "（" + p.state_label + "）");
          } else {
            marker = L.circleMarker(ll, {radius: 3, color: "#2da44e", weight: 1, fillOpacity: 0.9});
          }
          marker.addTo(points);
        });
      });
  }
  fetch(el.getAttribute("data-regions-url"), {credentials: "same-origin"})
    .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
    .then(function (data) {
      var communities = L.geoJSON({type: "FeatureCollection", features: data.features.filter(function (f) {
        return f.geometry && f.properties.kind === "community"; })},
        {style: function () { return {color: "#24292f", weight: 2, dashArray: "6 4", fill: false}; },
         interactive: false});
      var gridLayer = L.geoJSON({type: "FeatureCollection", features: data.features.filter(function (f) {
        return f.geometry && f.properties.kind === "grid"; })}, {
        style: function (f) {
          return {color: "#0969da", weight: 1, fillColor: colour(f.properties.open_events), fillOpacity: 0.35};
        },
        onEachFeature: function (f, layer) {
          layer.bindTooltip(f.properties.name + "：" + f.properties.open_events);
          layer.on("click", function () {
            if (selected) gridLayer.resetStyle(selected);
            selected = layer;
            layer.setStyle({weight: 3, color: "#b4261d"});
            show(f.properties);
            loadPoints(f.properties.code);
          });
        }
      });
      gridLayer.addTo(map);
      communities.addTo(map);
      var bounds = gridLayer.getBounds();
      if (bounds.isValid()) map.fitBounds(bounds, {padding: [10, 10]});
      else map.setView([25.05, 102.72], 12);
      el.setAttribute("data-loaded", String(data.features.length));
    })
    .catch(function () { panel.textContent = label("failed"); });
})();
