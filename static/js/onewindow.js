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

  // Form errors: focus the first invalid field, so the person lands on what needs fixing
  // (the field's aria-describedby reads its message out).
  function focusFirstError(root) {
    var field = (root || document).querySelector("[aria-invalid='true']");
    if (field && typeof field.focus === "function") {
      field.focus();
      return true;
    }
    return false;
  }
  document.addEventListener("DOMContentLoaded", function () { focusFirstError(document); });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target) focusFirstError(event.target);
  });

  // Text limits said aloud: <textarea data-maxchars="2000" aria-describedby="x-count">
  // with <span id="x-count" data-count-for="x"> counts down (and says by how much it is over).
  function updateCount(area) {
    var counter = document.querySelector("[data-count-for='" + area.id + "']");
    if (!counter) return;
    var left = parseInt(area.getAttribute("data-maxchars"), 10) - area.value.length;
    var template = left >= 0 ? counter.getAttribute("data-left") : counter.getAttribute("data-over");
    counter.textContent = (template || "").replace("%s", String(Math.abs(left)));
    counter.classList.toggle("count-over", left < 0);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("textarea[data-maxchars]")) updateCount(event.target);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("textarea[data-maxchars]").forEach(updateCount);
  });
})();
// Errors of htmx requests: the server answers 4xx/5xx with the shared error fragment
// (header X-Error-Fragment); show it in a box just before what the request would have
// replaced, instead of htmx's default of silently showing nothing.
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || xhr.status < 400 || !xhr.getResponseHeader("X-Error-Fragment")) return;
    var target = event.detail.target || event.detail.elt;
    if (!target || !target.parentNode) return;
    var box = target.previousElementSibling;
    if (!box || !box.classList.contains("htmx-error")) {
      box = document.createElement("div");
      box.className = "htmx-error";
      target.parentNode.insertBefore(box, target);
    }
    event.detail.shouldSwap = true;
    event.detail.isError = false;
    event.detail.target = box;
    event.detail.swapOverride = "innerHTML";
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    // a new attempt clears the last error of the same place
    var target = event.detail.target;
    var box = target && target.previousElementSibling;
    if (box && box.classList.contains("htmx-error")) box.innerHTML = "";
  });
})();
// Character counts: <textarea data-maxlength="5000" aria-describedby="x-count"> with
// <p id="x-count" data-count-left="还可输入 {n} 字" data-count-over="已超出 {n} 字，请删减">.
// Nothing is cut: the count says how much is left, and turns into a warning when over.
(function () {
  "use strict";
  function length(text) {
    // characters as the server counts them (code points; a line break is one)
    return Array.from(text.replace(/\r\n/g, "\n")).length;
  }
  function update(field) {
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    var out = document.getElementById(field.getAttribute("data-count"));
    if (!limit || !out) return;
    var left = limit - length(field.value);
    var over = left < 0;
    var template = out.getAttribute(over ? "data-count-over" : "data-count-left") || "{n}";
    out.textContent = template.replace("{n}", String(Math.abs(left)));
    out.classList.toggle("count-over", over);
  }
  document.addEventListener("input", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-maxlength][data-count]")) update(field);
  });
  function all() { document.querySelectorAll("[data-maxlength][data-count]").forEach(update); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", all);
  else all();
  document.addEventListener("htmx:afterSettle", all);
  // after a refused submission, take the eye (and the screen reader) to the first problem
  function focusError() {
    var invalid = document.querySelector("[aria-invalid=true]");
    var summary = document.querySelector("[data-error-summary]");
    if (invalid) invalid.focus();
    else if (summary) summary.focus();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusError);
  else focusError();
})();
