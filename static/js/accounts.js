// Account pages: focus the first field with an error; count down the SMS button after a send.
(function () {
  "use strict";
  function focusFirstError() {
    var field = document.querySelector("[aria-invalid=true]");
    if (field) field.focus();
  }
  function countdown(button, seconds) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.disabled = true;
    var left = seconds;
    var timer = setInterval(function () {
      left -= 1;
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = label;
      } else {
        button.textContent = label + "（" + left + "）";
      }
    }, 1000);
    button.textContent = label + "（" + left + "）";
  }
  document.addEventListener("DOMContentLoaded", focusFirstError);
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "sms-status" && event.target.querySelector(".sms-sent")) {
      var button = document.querySelector("[data-sms-button]");
      if (button) countdown(button, 60);
    }
  });
})();
