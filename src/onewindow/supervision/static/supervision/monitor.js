/* The monitor refreshes its body every minute (htmx polling). A supervisor writing the reason
 * of a supervision order must not lose it: while a field of the body has the focus or holds
 * edited text, the refresh is skipped (the next minute tries again). The body counts what
 * happened for tests: data-refreshed (swaps), data-held (skipped refreshes). */
(function () {
  "use strict";
  var body = document.getElementById("monitor-body");
  if (!body) { return; }
  var held = 0, refreshed = 0;

  function editing() {
    var active = document.activeElement;
    if (active && body.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) { return true; }
    return Array.prototype.some.call(body.querySelectorAll("input:not([type=hidden]), textarea"), function (el) {
      return el.value !== el.defaultValue;
    });
  }

  body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail && event.detail.elt === body && editing()) {
      event.preventDefault();
      held += 1;
      body.setAttribute("data-held", String(held));
    }
  });
  body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target === body) {
      refreshed += 1;
      body.setAttribute("data-refreshed", String(refreshed));
    }
  });
})();
