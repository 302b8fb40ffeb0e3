// Grid work forms: take the phone's position (the server checks it against the grid) and show
// the "what did you do" field of self-handled events. Every form also works without this.
(function () {
  "use strict";
  function geolocate(form) {
    var status = form.querySelector("[data-geo-status]");
    var lng = form.querySelector("[data-geo-lng]");
    var lat = form.querySelector("[data-geo-lat]");
    if (!status || !lng || !lat) return;
    if (lng.value && lat.value) return;  // kept from a previous attempt
    if (!navigator.geolocation) {
      status.textContent = form.getAttribute("data-msg-failed");
      status.className = "geo-bad";
      return;
    }
    status.textContent = form.getAttribute("data-msg-locating");
    navigator.geolocation.getCurrentPosition(function (position) {
      lng.value = position.coords.longitude.toFixed(6);
      lat.value = position.coords.latitude.toFixed(6);
      var accuracy = Math.round(position.coords.accuracy || 0);
      status.textContent = form.getAttribute("data-msg-located").replace("{m}", String(accuracy));
      status.className = "geo-ok";
    }, function () {
      status.textContent = form.getAttribute("data-msg-failed");
      status.className = "geo-bad";
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }
  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("form[data-geolocate]"), geolocate);
    Array.prototype.forEach.call(document.querySelectorAll("[data-toggle-target]"), function (box) {
      var target = document.getElementById(box.getAttribute("data-toggle-target"));
      if (!target) return;
      box.addEventListener("change", function () { target.hidden = !box.checked; });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
