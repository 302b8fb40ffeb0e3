/* Online consultation: the conversation page sends through the API and shows every message
 * and state change pushed over /ws/push/ (from the other side or another tab) in place, never
 * reloading: the person may be typing (a reload threw a half-typed reply away). After a
 * reconnection it asks for what it missed. The inbox refreshes its table in place when
 * something arrives (its duty and approval buttons stay usable). Tests wait on
 * data-status (the conversation's state) and data-refreshed (the inbox's refresh count). */
(function () {
  "use strict";
  var chat = document.querySelector("[data-consult-chat]");
  var inbox = document.querySelector("[data-consult-inbox]");
  var push = window.OneWindowPush;

  if (inbox && push && window.fetch && window.DOMParser) {
    var refreshing = false, again = false, refreshed = 0;
    var refreshInbox = function () {
      if (refreshing) { again = true; return; }
      refreshing = true;
      var note = inbox.querySelector("[data-consult-new]");
      if (note) { note.hidden = false; }
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var doc = new DOMParser().parseFromString(html, "text/html");
          ["[data-testid=consult-inbox] tbody"].forEach(function (selector) {
            var fresh = doc.querySelector(selector), old = inbox.querySelector(selector);
            if (fresh && old) { old.replaceWith(document.importNode(fresh, true)); }
          });
        })
        .catch(function () { /* the next push or a reload of the page shows it */ })
        .then(function () {
          refreshing = false;
          if (note) { note.hidden = true; }
          refreshed += 1;
          inbox.setAttribute("data-refreshed", String(refreshed));
          if (again) { again = false; refreshInbox(); }
        });
    };
    push.on("inbox", refreshInbox);
    push.on("reconnect", refreshInbox);
  }
  if (!chat) { return; }
  var list = chat.querySelector("[data-consult-messages]");
  var clerk = chat.getAttribute("data-clerk") === "1";

  function csrf() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function who(m) {
    if (m.sender_kind === "citizen") { return clerk ? "咨询人" : "我"; }
    if (m.sender_kind === "clerk") { return m.sender_label || "工作人员"; }
    return "系统";
  }
  function hhmm(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) { return ""; }
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }
  function add(m) {
    if (!m || !m.id || list.querySelector('[data-message-id="' + m.id + '"]')) { return; }
    var li = document.createElement("li");
    li.className = "consult-msg from-" + m.sender_kind;
    li.setAttribute("data-message-id", m.id);
    var head = document.createElement("span");
    head.className = "consult-who";
    head.textContent = who(m) + " · " + hhmm(m.at);
    var body = document.createElement("span");
    body.className = "consult-text";
    body.textContent = m.text;
    li.appendChild(head);
    li.appendChild(body);
    if (m.link_url && m.link_url.charAt(0) === "/" && m.link_url.charAt(1) !== "/") {
      var a = document.createElement("a");
      a.className = "consult-link";
      a.href = m.link_url;
      a.textContent = m.link_label || m.link_url;
      li.appendChild(a);
    }
    var f = m.attachment;
    if (f && f.url && f.url.charAt(0) === "/" && f.url.charAt(1) !== "/") {
      var link = document.createElement("a");
      link.href = f.url;
      if (/^image\//.test(f.content_type)) {
        link.className = "consult-file";
        var img = document.createElement("img");
        img.className = "consult-img";
        img.src = f.url;
        img.alt = f.name;
        if (f.width && f.height) { img.width = f.width; img.height = f.height; }
        link.appendChild(img);
      } else {
        link.className = "consult-link consult-pdf";
        link.textContent = "PDF 文件 · " + f.name;
      }
      li.appendChild(link);
    }
    list.appendChild(li);
    li.scrollIntoView({ block: "end" });
  }
  function lastId() {
    var items = list.querySelectorAll("[data-message-id]");
    return items.length ? items[items.length - 1].getAttribute("data-message-id") : "";
  }
  // The conversation's state from the API (status, its label, answered, rated): shown in place.
  function applyState(body) {
    var badge = chat.querySelector("[data-consult-status]");
    if (badge && body.status_label) { badge.textContent = body.status_label; }
    var rate = chat.querySelector("[data-consult-rate]");
    if (rate && body.first_answered_at && body.rating === null) { rate.hidden = false; }
    if (body.status === "closed" || body.status === "transferred") {
      // Ended: nothing more can be sent. Unsent text stays readable (to copy into a new
      // question); the buttons of an open conversation go.
      chat.querySelectorAll("[data-consult-open-only]").forEach(function (el) {
        var box = el.querySelector("textarea");
        if (box && box.value.trim()) {
          box.readOnly = true;
          el.querySelectorAll("button, input[type=file]").forEach(function (b) { b.disabled = true; });
        } else {
          el.hidden = true;
        }
      });
    }
    chat.setAttribute("data-status", body.status);
  }
  var fetching = false, fetchAgain = false;
  function refresh() {
    if (fetching) { fetchAgain = true; return; }
    fetching = true;
    var last = lastId();
    var url = chat.getAttribute("data-detail") + (last ? "?after=" + encodeURIComponent(last) : "");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) {
        if (!body) { return; }
        body.messages.forEach(function (m) { add(m); });
        applyState(body);
      })
      .catch(function () { /* the next push or the next reconnection tries again */ })
      .then(function () {
        fetching = false;
        if (fetchAgain) { fetchAgain = false; refresh(); }
      });
  }

  if (push) {
    push.on("message", function (data) { add(data); });
    push.on("state", function () { refresh(); });
    push.on("reconnect", function () { refresh(); });
  }
  var form = chat.querySelector("[data-consult-compose]");
  if (!form || !window.fetch) { return; }
  var box = form.querySelector("textarea");
  var error = form.querySelector("[data-consult-error]");
  var fileInput = form.querySelector("[data-consult-file]");
  var fileError = form.querySelector("[data-consult-file-error]");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var withFile = fileInput && fileInput.files && fileInput.files.length > 0;
    var request;
    if (withFile) {
      var data = new FormData();
      data.append("file", fileInput.files[0]);
      data.append("text", box.value);
      request = fetch(form.getAttribute("data-file-api"), {
        method: "POST", credentials: "same-origin",
        headers: { "X-CSRFToken": csrf(), Accept: "application/json" }, body: data
      });
    } else {
      request = fetch(chat.getAttribute("data-api"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrf(), Accept: "application/json" },
        body: JSON.stringify({ text: box.value })
      });
    }
    request.then(function (r) {
      return r.json().then(function (body) { return { ok: r.ok, body: body }; });
    }).then(function (res) {
      if (fileError) {
        fileError.hidden = true;
        fileInput.removeAttribute("aria-invalid");
        fileInput.removeAttribute("aria-describedby");
      }
      if (res.ok) {
        add(res.body);
        box.value = "";
        if (fileInput) { fileInput.value = ""; }
        error.hidden = true;
        box.removeAttribute("aria-invalid");
        box.removeAttribute("aria-describedby");
      } else if (fileError && res.body.fields && res.body.fields.file) {
        fileError.textContent = res.body.fields.file;
        fileError.hidden = false;
        fileInput.setAttribute("aria-invalid", "true");
        fileInput.setAttribute("aria-describedby", fileError.id);
      } else {
        error.textContent = (res.body.fields && res.body.fields.text) || res.body.message || chat.getAttribute("data-msg-failed");
        error.hidden = false;
        box.setAttribute("aria-invalid", "true");
        box.setAttribute("aria-describedby", error.id);
      }
    }).catch(function () {
      error.textContent = chat.getAttribute("data-msg-failed");
      error.hidden = false;
    }).then(function () { button.disabled = false; });
  });
})();
