// Applications (办件): small enhancements; every page works without them.
(function () {
  "use strict";
  // Confirm before irreversible actions: <button data-confirm="…">.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var text = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (text && !window.confirm(text)) event.preventDefault();
  });
  // Ctrl+Enter takes the window intake in.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      var form = document.querySelector("form[data-ctrl-enter]");
      if (form) { event.preventDefault(); form.requestSubmit(); }
    }
  });
  // Show the postal address only when delivery by post is chosen.
  function syncAddress(select) {
    var target = document.getElementById(select.getAttribute("data-address"));
    if (target) target.classList.toggle("hidden", select.value !== "post");
  }
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-address]")) syncAddress(el);
    if (el.matches && el.matches("input[data-select-all]")) {
      document.querySelectorAll("input[name=case]").forEach(function (box) { box.checked = el.checked; });
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-address]").forEach(syncAddress);
  });
})();
