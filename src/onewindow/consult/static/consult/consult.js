/* Online consultation: the conversation page sends through the API and shows every message
 * pushed over /ws/push/ (from the other side or another tab) without reloading; after a
 * reconnection it asks for the messages it missed. The inbox reloads when something arrives. */
(function () {
  "use strict";
  var chat = document.querySelector("[data-consult-chat]");
  var inbox = document.querySelector("[data-consult-inbox]");
  var push = window.OneWindowPush;

  if (inbox && push) {
    push.on("inbox", function () {
      var note = inbox.querySelector("[data-consult-new]");
      if (note) { note.hidden = false; }
      window.setTimeout(function () { window.location.reload(); }, 400);
    });
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

  if (push) {
    push.on("message", function (data) { add(data); });
    push.on("state", function (data) {
      if (!data) { return; }
      if (data.what === "answered") {
        // No reload: the citizen may be typing. Show the new status and the rating form in place.
        var badge = chat.querySelector("[data-consult-status]");
        if (badge && chat.getAttribute("data-answered")) { badge.textContent = chat.getAttribute("data-answered"); }
        var rate = chat.querySelector("[data-consult-rate]");
        if (rate) { rate.hidden = false; }
      } else if (data.what === "closed" || data.what === "transferred") {
        window.location.reload();
      }
    });
    push.on("reconnect", function () {
      var last = lastId();
      var url = chat.getAttribute("data-detail") + (last ? "?after=" + encodeURIComponent(last) : "");
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (body) { if (body) { body.messages.forEach(function (m) { add(m); }); } });
    });
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
