// Map picker of the operator's call form: the district's streets, communities and grids drawn
// from GeoJSON (no map tiles), a click sets the longitude/latitude fields (which ask the server
// where that is: street, community, grid), and a resolved address shows its point.
// The fields stay usable without the map.
(function () {
  "use strict";
  var STYLES = {
    street: { color: "#b4261d", weight: 2, fill: false },
    community: { color: "#57606a", weight: 1, fillColor: "#d0d7de", fillOpacity: 0.08 },
    grid: { color: "#8c959f", weight: 0.6, dashArray: "3 4", fill: false }
  };

  function init() {
    var el = document.querySelector("[data-map-picker]");
    if (!el || !window.L || el.getAttribute("data-ready")) return;
    el.setAttribute("data-ready", "1");
    var lngInput = document.getElementById(el.getAttribute("data-lng-input"));
    var latInput = document.getElementById(el.getAttribute("data-lat-input"));
    var map = window.L.map(el, { attributionControl: false, zoomSnap: 0.25 });
    var marker = null;
    var picked = false; // a point set by hand is not moved by a resolved address

    function current() {
      var lng = parseFloat(lngInput.value), lat = parseFloat(latInput.value);
      return isFinite(lng) && isFinite(lat) ? window.L.latLng(lat, lng) : null;
    }
    function show(latlng) {
      if (!latlng) return;
      if (!marker) {
        marker = window.L.circleMarker(latlng, { radius: 9, color: "#0969da", weight: 3, fillOpacity: 0.5 }).addTo(map);
      } else {
        marker.setLatLng(latlng);
      }
    }
    function pick(latlng) {
      picked = true;
      show(latlng);
      lngInput.value = latlng.lng.toFixed(6);
      latInput.value = latlng.lat.toFixed(6);
      lngInput.dispatchEvent(new Event("change", { bubbles: true }));
    }

    fetch(el.getAttribute("data-geojson"), { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        var layer = window.L.geoJSON(data, {
          style: function (feature) { return STYLES[feature.properties.level] || STYLES.community; },
          onEachFeature: function (feature, shape) {
            shape.bindTooltip(feature.properties.name, { sticky: true });
          }
        }).addTo(map);
        var bounds = layer.getBounds();
        if (bounds.isValid()) map.fitBounds(bounds);
        var start = current();
        if (start) { show(start); picked = true; }
        el.setAttribute("data-loaded", String(data.features.length));
      });

    map.on("click", function (event) { pick(event.latlng); });
    document.body.addEventListener("htmx:afterSwap", function (event) {
      var box = event.detail.target;
      var found = box && box.querySelector ? box.querySelector("[data-location]") : null;
      if (!found || !found.getAttribute("data-lng")) return;
      var latlng = window.L.latLng(parseFloat(found.getAttribute("data-lat")), parseFloat(found.getAttribute("data-lng")));
      if (found.getAttribute("data-source") === "address" && !picked) {
        show(latlng);
        map.setView(latlng, Math.max(map.getZoom(), 13));
      }
    });
    // typing coordinates by hand counts as picking
    [lngInput, latInput].forEach(function (input) {
      input.addEventListener("change", function (event) {
        if (!event.isTrusted) return;
        var latlng = current();
        if (latlng) { picked = true; show(latlng); }
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
