// Home care: take the phone's position for check-in/out (the server checks it against the
// elder's home) and for "providers near me". Every form also works without this script.
(function () {
  "use strict";
  function locate(form, done) {
    var status = form.querySelector("[data-geo-status]");
    var lng = form.querySelector("[data-geo-lng]");
    var lat = form.querySelector("[data-geo-lat]");
    if (!lng || !lat) return;
    if (!navigator.geolocation) {
      if (status) { status.textContent = form.getAttribute("data-msg-failed") || ""; status.className = "geo-bad"; }
      if (done) done(false);
      return;
    }
    if (status && form.getAttribute("data-msg-locating")) status.textContent = form.getAttribute("data-msg-locating");
    navigator.geolocation.getCurrentPosition(function (p) {
      lng.value = p.coords.longitude.toFixed(6);
      lat.value = p.coords.latitude.toFixed(6);
      if (status && form.getAttribute("data-msg-located")) {
        status.textContent = form.getAttribute("data-msg-located").replace("{m}", String(Math.round(p.coords.accuracy || 0)));
        status.className = "geo-ok";
      }
      if (done) done(true);
    }, function () {
      if (status) { status.textContent = form.getAttribute("data-msg-failed") || ""; status.className = "geo-bad"; }
      if (done) done(false);
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-geolocate]"), function (form) {
      var lng = form.querySelector("[data-geo-lng]");
      if (lng && lng.value) return;
      locate(form);
    });
    Array.prototype.forEach.call(document.querySelectorAll("form[data-near-me]"), function (form) {
      form.addEventListener("submit", function (event) {
        var lng = form.querySelector("[data-geo-lng]");
        if (lng && lng.value) return;
        event.preventDefault();
        locate(form, function () { form.submit(); });
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
