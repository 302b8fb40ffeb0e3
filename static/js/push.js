/* Live pages (calling screen, a citizen's number, clerks' panels, the hall manager's view):
 * connect to /ws/push/?t=<signed subscription> and hand every pushed event to listeners.
 *
 *   <body data-push-token="…">   then   OneWindowPush.on("call", function (data, message) {…})
 *
 * Reconnects with a growing delay; after a reconnection it emits "reconnect" so the page
 * reloads its state from the server (a push is a hint, the database is the truth).
 * <html data-push="on|off"> tells whether the socket is open. */
(function () {
  "use strict";
  var listeners = {};
  var api = {
    connected: false,
    on: function (name, fn) { (listeners[name] = listeners[name] || []).push(fn); },
    setToken: function (value) { token = value; }
  };
  window.OneWindowPush = api;

  function emit(name, data, message) {
    (listeners[name] || []).concat(listeners["*"] || []).forEach(function (fn) {
      try { fn(data, message || {}); } catch (err) { window.console && console.warn(err); }
    });
  }

  var holder = document.querySelector("[data-push-token]");
  var token = holder ? holder.getAttribute("data-push-token") : "";
  if (!token || !("WebSocket" in window)) { return; }
  var delay = 1000;
  var everOpened = false;
  var socket = null;

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + "/ws/push/?t=" + encodeURIComponent(token));
    socket.onopen = function () {
      api.connected = true;
      delay = 1000;
      document.documentElement.setAttribute("data-push", "on");
      if (everOpened) { emit("reconnect", {}); }
      everOpened = true;
    };
    socket.onmessage = function (event) {
      var message;
      try { message = JSON.parse(event.data); } catch (err) { return; }
      if (message && message.event) { emit(message.event, message.data, message); }
    };
    socket.onclose = function () {
      api.connected = false;
      document.documentElement.setAttribute("data-push", "off");
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    };
  }
  connect();
  window.setInterval(function () {
    if (socket && socket.readyState === 1) { socket.send(JSON.stringify({ ping: Date.now() })); }
  }, 25000);
})();
