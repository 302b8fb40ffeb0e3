// Service guide: small enhancements; every page works without them (strict CSP: no inline JS).
(function () {
  "use strict";
  // "Print this guide" button on the printable page.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-guide-print]");
    if (button) {
      event.preventDefault();
      window.print();
    }
  });
  // After a page of results is loaded through a pager link, move focus to the result heading
  // so keyboard and screen-reader users continue from the top of the new list.
  document.addEventListener("htmx:afterSwap", function (event) {
    var trigger = event.detail && event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!trigger || !trigger.hasAttribute || !trigger.hasAttribute("data-guide-page")) return;
    var heading = document.getElementById("guide-results-title");
    if (heading) heading.focus();
  });
})();
