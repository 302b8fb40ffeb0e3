/* The calling screen (叫号屏) of a hall: the current number of every window, the latest calls,
 * and the queue per business type. Calls arrive pushed (WebSocket, via OneWindowPush) and are
 * spoken in Chinese through the browser's speech synthesis ("请A零零一号到三号窗口办理"); where no
 * Chinese voice exists, a chime sounds and the call flashes. The state is reloaded from the
 * server after a reconnect and every minute, so nothing is lost across a restart.
 *
 * Browsers only play sound after a first touch: a TV browser in kiosk mode should be started
 * with autoplay allowed (Chromium: --autoplay-policy=no-user-gesture-required); otherwise one
 * tap on the "enable sound" button does it. */
(function () {
  "use strict";
  var root = document.getElementById("screen");
  if (!root) { return; }
  var snapshotUrl = root.getAttribute("data-snapshot-url");
  var initial = document.getElementById("screen-snapshot");
  var state = initial ? JSON.parse(initial.textContent) : null;
  var lastCallId = state ? state.last_call_id : 0;
  var queue = [];
  var speaking = false;
  var audio = null;
  var api = { spoken: [], chimed: 0 };
  window.OneWindowScreen = api;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function renderWindows(windows) {
    var box = document.getElementById("screen-windows");
    box.textContent = "";
    windows.forEach(function (w) {
      var tile = el("li", "screen-window" + (w.number ? " is-busy" : "") + (w.status === "paused" ? " is-paused" : ""));
      tile.setAttribute("data-window", w.window);
      tile.appendChild(el("span", "screen-window-no", w.window + root.getAttribute("data-window-suffix")));
      tile.appendChild(el("span", "screen-window-number", w.number || "—"));
      box.appendChild(tile);
    });
  }

  function renderCalls(calls) {
    var list = document.getElementById("screen-calls");
    list.textContent = "";
    calls.slice(0, 8).forEach(function (c) {
      var item = el("li", "screen-call");
      item.appendChild(el("span", "screen-call-number", c.number));
      item.appendChild(el("span", "screen-call-arrow", "→"));
      item.appendChild(el("span", "screen-call-window", c.window + root.getAttribute("data-window-suffix")));
      item.appendChild(el("span", "screen-call-at", c.at));
      list.appendChild(item);
    });
  }

  function renderWaiting(rows) {
    var list = document.getElementById("screen-waiting");
    list.textContent = "";
    rows.forEach(function (r) {
      var item = el("li", "screen-waiting-row");
      item.appendChild(el("span", "screen-waiting-name", r.prefix + " " + r.name));
      var count = el("span", "screen-waiting-count", r.count);
      count.setAttribute("data-waiting-code", r.code);
      item.appendChild(count);
      list.appendChild(item);
    });
  }

  function showBanner(call) {
    var banner = document.getElementById("screen-current");
    document.getElementById("screen-current-number").textContent = call.number;
    document.getElementById("screen-current-window").textContent = call.window;
    banner.classList.remove("is-flash");
    void banner.offsetWidth;  // restart the animation
    banner.classList.add("is-flash");
    root.setAttribute("data-last-call", call.number + "@" + call.window);
  }

  function render(snapshot) {
    state = snapshot;
    renderWindows(snapshot.windows);
    renderCalls(snapshot.calls);
    renderWaiting(snapshot.waiting);
    if (snapshot.calls.length) {
      var c = snapshot.calls[0];
      document.getElementById("screen-current-number").textContent = c.number;
      document.getElementById("screen-current-window").textContent = c.window;
    }
  }

  // --- sound --------------------------------------------------------------------------------
  function chineseVoice() {
    if (!("speechSynthesis" in window)) { return null; }
    var voices = window.speechSynthesis.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if (/^zh/i.test(voices[i].lang)) { return voices[i]; }
    }
    return null;
  }

  function chime(done) {
    api.chimed += 1;
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      audio = audio || (Ctx ? new Ctx() : null);
      if (!audio) { done(); return; }
      [[659.25, 0], [523.25, 0.45]].forEach(function (tone) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = tone[0];
        osc.connect(gain); gain.connect(audio.destination);
        var t = audio.currentTime + tone[1];
        gain.gain.setValueAtTime(0.0001, t);
        gain.gain.exponentialRampToValueAtTime(0.4, t + 0.03);
        gain.gain.exponentialRampToValueAtTime(0.0001, t + 0.42);
        osc.start(t); osc.stop(t + 0.45);
      });
    } catch (err) { /* no sound device: the flashing banner still shows the call */ }
    window.setTimeout(done, 1000);
  }

  function announce(call) {
    queue.push(call);
    next();
  }

  function next() {
    if (speaking || !queue.length) { return; }
    speaking = true;
    var call = queue.shift();
    api.spoken.push(call.speech);
    root.setAttribute("data-spoken", String(api.spoken.length));
    var voice = chineseVoice();
    var finish = function () { speaking = false; next(); };
    chime(function () {
      if (!voice) { finish(); return; }
      var times = 0;
      var say = function () {
        var u = new window.SpeechSynthesisUtterance(call.speech);
        u.lang = "zh-CN"; u.voice = voice; u.rate = 0.85;
        u.onend = u.onerror = function () { times += 1; if (times < 2) { say(); } else { finish(); } };
        window.speechSynthesis.speak(u);
      };
      say();
    });
  }

  var soundButton = document.getElementById("screen-sound");
  if (soundButton) {
    soundButton.addEventListener("click", function () {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (Ctx) { audio = audio || new Ctx(); if (audio.resume) { audio.resume(); } }
      soundButton.hidden = true;
    });
  }

  // --- live updates ---------------------------------------------------------------------------
  function onCall(call) {
    if (!call || call.id <= lastCallId) { return; }  // each call is shown and spoken once
    lastCallId = call.id;
    if (state) {
      state.calls.unshift(call);
      renderCalls(state.calls);
      state.windows.forEach(function (w) { if (w.window === call.window) { w.number = call.number; } });
      var known = state.windows.some(function (w) { return w.window === call.window; });
      if (!known) { state.windows.push({ window: call.window, name: call.window_name, status: "open", number: call.number }); }
      renderWindows(state.windows);
    }
    showBanner(call);
    announce(call);
  }

  // A snapshot asked for before a call that the push has already shown must not roll the screen
  // back (the banner showed the previous number until the next minute): such an answer is
  // dropped and the state asked for again, once (after midnight the day's first snapshot has
  // no calls at all and is right). Of several requests in flight only the latest one counts.
  // data-snapshots counts the snapshots shown (tests wait on it).
  var asked = 0, shown = 0;
  function reload(again) {
    if (!window.fetch) { return; }
    var mine = ++asked;
    window.fetch(snapshotUrl, { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (snapshot) {
        if (!snapshot || mine !== asked) { return; }
        if (snapshot.last_call_id < lastCallId && !again) { reload(true); return; }
        var missed = snapshot.calls.filter(function (c) { return c.id > lastCallId; }).reverse().slice(-3);
        render(snapshot);
        missed.forEach(function (c) { lastCallId = Math.max(lastCallId, c.id); showBanner(c); announce(c); });
        lastCallId = Math.max(lastCallId, snapshot.last_call_id);
        shown += 1;
        root.setAttribute("data-snapshots", String(shown));
        if (snapshot.push_url && window.OneWindowPush) {
          window.OneWindowPush.setToken(snapshot.push_url.split("t=")[1] || "");
        }
      })
      .catch(function () { /* try again at the next tick */ });
  }
  api.refresh = function () { reload(false); };

  if (state) { render(state); }
  var push = window.OneWindowPush;
  if (push) {
    push.on("call", onCall);
    push.on("queue", function (data) {
      if (!state || !data || !data.waiting) { return; }
      state.waiting.forEach(function (r) { if (data.waiting.hasOwnProperty(r.code)) { r.count = data.waiting[r.code]; } });
      renderWaiting(state.waiting);
    });
    push.on("changed", function (data) { if (data && (data.what === "window" || data.what === "finish")) { reload(false); } });
    push.on("reconnect", function () { reload(false); });
  }
  window.setInterval(function () { reload(false); }, 60000);
  var clock = document.getElementById("screen-clock");
  if (clock) {
    var tick = function () {
      var d = new Date();
      clock.textContent = ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
    };
    tick();
    window.setInterval(tick, 10000);
  }
})();
