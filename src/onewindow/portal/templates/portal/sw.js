/* OneWindow service worker {{ version }}: the app shell (styles, scripts, home, offline page)
 * is cached at install; service guides are network-first and the 20 read most recently are kept,
 * so a guide read before opens without a network. Nothing personal is cached: only GET requests
 * for the shell and /guide/ pages, never /my/, /consult/, /cases/ or the API. */
"use strict";
var SHELL = "ow-shell-{{ version }}";
var GUIDES = "ow-guides-1";
var GUIDE_LIMIT = 20;
var SHELL_URLS = [{% for url in shell %}"{{ url|escapejs }}", {% endfor %}"/offline/"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_URLS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("ow-shell-") === 0 && k !== SHELL; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

function trim(cache) {
  return cache.keys().then(function (keys) {
    if (keys.length <= GUIDE_LIMIT) { return null; }
    return Promise.all(keys.slice(0, keys.length - GUIDE_LIMIT).map(function (k) { return cache.delete(k); }));
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") { return; }
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname.indexOf("/guide/item/") === 0 && url.pathname.indexOf("/print/") < 0) {
    event.respondWith(fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(GUIDES).then(function (cache) {
          return cache.delete(url.pathname).then(function () { return cache.put(url.pathname, copy); })
            .then(function () { return trim(cache); });
        });
      }
      return response;
    }).catch(function () {
      return caches.open(GUIDES).then(function (cache) { return cache.match(url.pathname); })
        .then(function (hit) { return hit || caches.match("/offline/"); });
    }));
    return;
  }
  if (SHELL_URLS.indexOf(url.pathname) >= 0) {
    event.respondWith(caches.match(url.pathname).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () { return caches.match("/offline/"); }));
  }
});
