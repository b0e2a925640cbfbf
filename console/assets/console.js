// aos console: keeps the inbox and the pending count live over
// server-sent events. Everything else works without script.
"use strict";
(function () {
  var body = document.body;
  if (!window.EventSource || !document.getElementById("pending-count")) {
    return;
  }
  var baseTitle = body.getAttribute("data-title") || document.title;
  var inbox = document.getElementById("inbox");

  function setCount(n) {
    var badge = document.getElementById("pending-count");
    badge.textContent = String(n);
    badge.classList.toggle("zero", n === 0);
    body.setAttribute("data-pending", String(n));
    document.title = (n > 0 ? "(" + n + ") " : "") + baseTitle;
  }

  // merge replaces the inbox's items with the server's list, keeping the
  // nodes of approvals already shown, so a reason being typed survives.
  function merge(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html;
    var fresh = tpl.content;
    var keep = {};
    inbox.querySelectorAll("[data-approval]").forEach(function (el) {
      keep[el.getAttribute("data-approval")] = el;
    });
    var list = document.createDocumentFragment();
    var empty = fresh.getElementById ? fresh.getElementById("inbox-empty") : fresh.querySelector("#inbox-empty");
    if (empty) {
      list.appendChild(empty);
    }
    fresh.querySelectorAll("[data-approval]").forEach(function (el) {
      var id = el.getAttribute("data-approval");
      if (keep[id]) {
        list.appendChild(keep[id]);
      } else {
        el.classList.add("new");
        list.appendChild(el);
      }
    });
    inbox.replaceChildren(list);
  }

  function refresh() {
    fetch("/console/inbox/items", { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(merge)
      .catch(function () { /* the next event tries again */ });
  }

  var shown = null;
  var events = new EventSource("/console/events");
  events.addEventListener("pending", function (ev) {
    var data = JSON.parse(ev.data);
    setCount(data.count);
    var ids = data.ids.join(",");
    if (inbox && shown !== null && ids !== shown) {
      refresh();
    }
    if (inbox && shown === null) {
      var now = [];
      inbox.querySelectorAll("[data-approval]").forEach(function (el) { now.push(el.getAttribute("data-approval")); });
      if (now.join(",") !== ids) {
        refresh();
      }
    }
    shown = ids;
  });
})();
