// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  function setCookie(name, value) {
    document.cookie = name + "=" + value + "; path=/; max-age=31536000; SameSite=Lax";
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-toggle-cookie]");
    if (!button) return;
    var name = button.getAttribute("data-toggle-cookie");
    var on = button.getAttribute("aria-pressed") !== "true";
    setCookie(name, on ? button.getAttribute("data-value") : "");
    button.setAttribute("aria-pressed", on ? "true" : "false");
    var cls = name === "ow_text" ? "text-large" : "contrast-high";
    document.documentElement.classList.toggle(cls, on);
  });
})();
