// 12345 hotline pages: keyboard shortcuts of the call form and the "use this category" button.
(function () {
  "use strict";
  function callForm() { return document.querySelector("form[data-keyboard-form]"); }

  document.addEventListener("keydown", function (event) {
    var form = callForm();
    if (!form) return;
    // Ctrl+Enter (or Cmd+Enter): register the call
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
      return;
    }
    if (!event.altKey || event.ctrlKey || event.metaKey) return;
    // Alt+1 … Alt+6: the type of request
    var digit = /^Digit([1-9])$/.exec(event.code || "");
    if (digit) {
      var radio = form.querySelector('input[name="kind"][data-key="' + digit[1] + '"]');
      if (radio) {
        event.preventDefault();
        radio.checked = true;
        radio.dispatchEvent(new Event("change", { bubbles: true }));
      }
      return;
    }
    // Alt+U: urgent
    if (event.code === "KeyU") {
      var urgent = form.querySelector("#urgent");
      if (urgent) { event.preventDefault(); urgent.checked = !urgent.checked; }
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-set-category]");
    if (!button) return;
    var select = document.getElementById("category");
    if (select) {
      select.value = button.getAttribute("data-set-category");
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
