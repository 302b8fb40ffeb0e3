/* Self-service kiosk: idle sign-out, the "still there?" warning, and printing the receipt.
 * A kiosk is shared by strangers: after data-idle-seconds without a touch the page posts the
 * exit form (which ends the kiosk session) and the browser lands on the home screen.
 * data-idle-seconds="0" (the home screen with nobody signed in) switches the timer off. */
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.getAttribute("data-idle-seconds") || "0", 10);
  var form = document.getElementById("kiosk-exit-form");
  var dialog = document.getElementById("kiosk-idle");
  var count = document.getElementById("kiosk-idle-count");
  var stay = document.getElementById("kiosk-idle-stay");
  var reason = document.getElementById("kiosk-exit-reason");

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  if (!idle || !form) { return; }
  var warnAt = Math.min(20, Math.max(Math.floor(idle / 3), 1));
  var last = Date.now();
  var leaving = false;

  function touched() {
    last = Date.now();
    if (dialog && !dialog.hidden) { dialog.hidden = true; }
  }
  ["pointerdown", "touchstart", "keydown", "input", "wheel"].forEach(function (name) {
    document.addEventListener(name, touched, { passive: true, capture: true });
  });
  if (stay) { stay.addEventListener("click", touched); }

  window.setInterval(function () {
    if (leaving) { return; }
    var left = idle - Math.floor((Date.now() - last) / 1000);
    if (left <= 0) {
      leaving = true;
      if (reason) { reason.value = "idle"; }
      form.submit();
    } else if (left <= warnAt && dialog) {
      if (count) { count.textContent = String(left); }
      dialog.hidden = false;
    }
  }, 500);
})();
