/* Service hall pages: a citizen's number that follows the calls, taking a number with the
 * phone's position, queue counters on the clerk's panel and the guide desk, and the hall
 * manager's live view. Every page works without this script (it only keeps things fresh). */
(function () {
  "use strict";
  var push = window.OneWindowPush;

  function throttle(fn, ms) {
    var last = 0, timer = null;
    return function () {
      var wait = ms - (Date.now() - last);
      if (wait <= 0) { last = Date.now(); fn(); }
      else if (!timer) { timer = window.setTimeout(function () { timer = null; last = Date.now(); fn(); }, wait); }
    };
  }

  function setText(id, value) {
    var el = document.getElementById(id);
    if (el) { el.textContent = value; }
  }

  // Queue counters (panel, guide desk, hall list): <… data-waiting-code="general">3</…>
  if (push) {
    push.on("queue", function (data) {
      var waiting = (data && data.waiting) || {};
      document.querySelectorAll("[data-waiting-code]").forEach(function (el) {
        var code = el.getAttribute("data-waiting-code");
        if (Object.prototype.hasOwnProperty.call(waiting, code)) { el.textContent = String(waiting[code]); }
      });
    });
  }

  // A citizen's number: <section data-ticket-url="/api/v1/hall-tickets/…" data-ticket-number="A001">
  var ticketBox = document.querySelector("[data-ticket-url]");
  if (ticketBox && window.fetch) {
    var url = ticketBox.getAttribute("data-ticket-url");
    var number = ticketBox.getAttribute("data-ticket-number");
    var alerted = ticketBox.getAttribute("data-status") === "called";
    var refresh = throttle(function () {
      window.fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) { return; }
          setText("t-status", s.status_label);
          setText("t-ahead", String(s.ahead));
          setText("t-wait", String(s.wait_minutes));
          ticketBox.setAttribute("data-status", s.status);
          var called = document.getElementById("t-called");
          if (called) { called.hidden = !(s.status === "called" && s.window); }
          setText("t-window", s.window || "");
          var waitingPart = document.getElementById("t-waiting");
          if (waitingPart) { waitingPart.hidden = s.status !== "waiting"; }
          if (s.status === "called" && !alerted) {
            alerted = true;
            if (navigator.vibrate) { navigator.vibrate([300, 150, 300]); }
          }
        })
        .catch(function () { /* the next event or the timer tries again */ });
    }, 1000);
    if (push) {
      push.on("call", refresh);
      push.on("queue", refresh);
      push.on("reconnect", refresh);
    }
    window.setInterval(refresh, 60000);
  }

  // Taking a number on the phone: the browser's position, when the person allows it.
  var locate = document.getElementById("take-locate");
  if (locate && navigator.geolocation) {
    var lat = document.getElementById("take-lat"), lng = document.getElementById("take-lng");
    var note = document.getElementById("take-location-note");
    var ask = function () {
      if (note) { note.textContent = note.getAttribute("data-asking") || ""; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
        if (note) { note.textContent = note.getAttribute("data-found") || ""; }
      }, function () {
        if (note) { note.textContent = note.getAttribute("data-denied") || ""; }
      }, { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
    };
    locate.hidden = false;
    locate.addEventListener("click", ask);
    ask();
  }

  // The hall manager's live view: reload its part when anything changes in the hall.
  var live = document.getElementById("hall-live");
  if (live && push && window.htmx) {
    var reload = throttle(function () {
      window.htmx.ajax("GET", live.getAttribute("data-refresh-url"), { target: "#hall-live", swap: "outerHTML" });
    }, 1000);
    push.on("changed", reload);
    push.on("queue", reload);
    push.on("reconnect", reload);
  }

  // Printing a slip (guide desk).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { window.print(); }
  });
})();
