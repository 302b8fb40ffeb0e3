/* The installable app: register the service worker (scope "/"); on the offline page, list the
 * guides the worker keeps. */
(function () {
  "use strict";
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(function () { /* optional */ });
  }
  var list = document.querySelector("[data-recent-guides]");
  if (list && window.caches) {
    caches.open("ow-guides-1").then(function (cache) { return cache.keys(); }).then(function (keys) {
      keys.reverse().forEach(function (request) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = new URL(request.url).pathname;
        a.textContent = decodeURIComponent(a.pathname);
        li.appendChild(a);
        list.appendChild(li);
      });
    });
  }
})();
