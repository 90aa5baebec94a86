// Live updates: the organization's event stream (Server-Sent Events, /o/<org>/events/) tells
// this page what changed (kinds and ids, never content); each region of the page that shows it
// re-fetches itself with the member's own session and is morphed in place (idiomorph), so
// scroll, focus, open editors and typed text stay. No inline script: the CSP forbids it.
//
// A region declares what it listens to (README "Live updates"):
//   <div id="task-table" data-live="task tasks project member"      kinds of events
//        data-live-task="12" data-live-project="3"                  optional: only these ids
//        data-live-url="/o/acme/inbox/count/">                       optional: default this page
// It is re-fetched (as an htmx request for its id, so views can answer with the fragment) at
// most once a second, and the element with its id in the answer replaces it by morphing.
(function () {
  "use strict";

  var MIN_INTERVAL_MS = 1000;
  var POLL_MS = 5000;
  var STREAM_FAILURES_BEFORE_POLLING = 3;
  var LEAVE_MS = 400;

  var lastId = "";
  var pendingWhileHidden = [];

  function regions() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-live][id]"));
  }

  function listensTo(region, event) {
    if (event.kind === "reset") return true;
    var kinds = (region.getAttribute("data-live") || "").split(/\s+/);
    if (kinds.indexOf(event.kind) < 0) return false;
    var task = region.getAttribute("data-live-task");
    if (task && event.task !== undefined && String(event.task) !== task) return false;
    var project = region.getAttribute("data-live-project");
    if (project && event.project !== undefined && String(event.project) !== project) return false;
    return true;
  }

  function dispatch(event) {
    document.dispatchEvent(new CustomEvent("live:event", { detail: event }));
    regions().forEach(function (region) {
      if (listensTo(region, event)) schedule(region);
    });
  }

  // --- Re-fetching a region: at most one request per region per second ------------------------
  function schedule(region) {
    if (document.hidden) {
      if (pendingWhileHidden.indexOf(region) < 0) pendingWhileHidden.push(region);
      return;
    }
    var state = region.liveState || (region.liveState = { busy: false, again: false, last: 0, timer: null });
    if (state.busy) {
      state.again = true;
      return;
    }
    var wait = state.last + MIN_INTERVAL_MS - Date.now();
    if (wait > 0) {
      if (!state.timer) {
        state.timer = window.setTimeout(function () {
          state.timer = null;
          schedule(region);
        }, wait);
      }
      return;
    }
    state.busy = true;
    state.last = Date.now();
    var url = region.getAttribute("data-live-url") || window.location.href;
    window.fetch(url, {
      credentials: "same-origin",
      headers: { "HX-Request": "true", "HX-Target": region.id, "HX-Current-URL": window.location.href },
    }).then(function (response) {
      return response.ok ? response.text() : null;
    }).then(function (html) {
      if (html !== null && document.contains(region)) morphInto(region, html);
    }).catch(function () {
      // Offline for a moment: the next event (or the reset after reconnecting) refreshes it.
    }).then(function () {
      state.busy = false;
      if (state.again) {
        state.again = false;
        schedule(region);
      }
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) return;
    var waiting = pendingWhileHidden;
    pendingWhileHidden = [];
    waiting.forEach(function (region) {
      if (document.contains(region)) schedule(region);
    });
  });

  // --- Morphing: what the member is doing is kept ----------------------------------------------
  function isField(node) {
    return node.nodeType === 1 && /^(INPUT|TEXTAREA|SELECT)$/.test(node.nodeName);
  }

  function isDirty(field) {
    if (field.type === "checkbox" || field.type === "radio") return field.checked !== field.defaultChecked;
    if (field.nodeName === "SELECT") {
      return Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
    }
    return field.type !== "hidden" && field.value !== field.defaultValue;
  }

  function engaged(form) {
    if (form.contains(document.activeElement) && document.activeElement !== form) return true;
    return Array.prototype.some.call(form.elements || [], function (field) {
      return isField(field) && isDirty(field);
    });
  }

  function keep(node) {
    if (node.nodeType !== 1) return false;
    if (node.hasAttribute("data-live-keep")) return true;
    if (node.matches(".editor, [data-note], .cell-note, .editor-stale")) return true;
    if (node.nodeName === "FORM" && engaged(node)) return true;
    if (isField(node) && (isDirty(node) || node === document.activeElement)) return true;
    return false;
  }

  function openEditors(region) {
    return Array.prototype.map.call(region.querySelectorAll(".task form.editor"), function (editor) {
      var cell = editor.closest(".cell");
      var value = cell && cell.querySelector(":scope > button");
      return { editor: editor, cell: cell, text: value ? value.textContent : "" };
    });
  }

  // Someone else changed the field being edited: say so before the member saves (saving still
  // sends the version the editor was opened at, so the server asks which value to keep).
  function warnIfChanged(opened) {
    opened.forEach(function (item) {
      if (!item.cell || !document.contains(item.editor)) return;
      var value = item.cell.querySelector(":scope > button");
      if (!value || value.textContent === item.text) return;
      var note = item.editor.querySelector(".editor-stale");
      if (!note) {
        note = document.createElement("p");
        note.className = "editor-stale";
        note.setAttribute("role", "status");
        item.editor.insertBefore(note, item.editor.firstChild);
      }
      note.textContent = "Someone else changed this to \u201c" + value.textContent.trim() +
        "\u201d since you opened it.";
    });
  }

  function leave(node) {
    if (node.classList.contains("is-leaving")) return;
    node.classList.add("is-leaving");
    window.setTimeout(function () {
      if (node.parentNode) node.parentNode.removeChild(node);
    }, LEAVE_MS);
  }

  function morphInto(region, html) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var fresh = doc.getElementById(region.id);
    if (!fresh || !window.Idiomorph) return;
    var opened = openEditors(region);
    window.Idiomorph.morph(region, fresh, {
      morphStyle: "outerHTML",
      ignoreActiveValue: true,
      callbacks: {
        beforeNodeMorphed: function (oldNode) {
          return !keep(oldNode);
        },
        beforeNodeRemoved: function (node) {
          if (keep(node)) return false;
          if (node.nodeType === 1 && node.matches("tr.task, li.task")) {
            leave(node); // a row that left the list (filter, deleted) fades out
            return false;
          }
          return true;
        },
        beforeAttributeUpdated: function (name, element) {
          if (name === "open" && element.nodeName === "DETAILS") return false; // menus stay open
          // A task with an open editor keeps the version the editor was opened at.
          if (name === "data-version" && element.querySelector && element.querySelector(".editor")) return false;
          return true;
        },
      },
    });
    warnIfChanged(opened);
    if (window.htmx) window.htmx.process(document.getElementById(region.id) || document.body);
    document.dispatchEvent(new CustomEvent("live:refreshed", { detail: { id: region.id } }));
  }

  // --- The stream, and polling when it cannot be kept ------------------------------------------
  function streamUrl() {
    var url = document.body.getAttribute("data-live-events");
    var viewing = document.querySelector("[data-live-presence]");
    if (url && viewing) url += "?task=" + encodeURIComponent(viewing.getAttribute("data-live-presence"));
    return url;
  }

  function setState(state) {
    document.body.setAttribute("data-live-state", state);
  }

  function receive(data, id) {
    if (id) lastId = id;
    var event;
    try {
      event = JSON.parse(data);
    } catch (error) {
      return;
    }
    dispatch(event);
  }

  function poll(url) {
    var etag = null;
    setState("polling");
    function once() {
      var headers = etag ? { "If-None-Match": etag } : {};
      var address = url.split("?")[0] + "?poll=" + encodeURIComponent(lastId || "0");
      window.fetch(address, { credentials: "same-origin", headers: headers }).then(function (response) {
        if (response.status !== 200) return null;
        etag = response.headers.get("ETag");
        return response.json();
      }).then(function (answer) {
        if (!answer) return;
        var first = !lastId;
        lastId = String(answer.last);
        if (first) return; // the page was just drawn: nothing to catch up with
        answer.events.forEach(dispatch);
      }).catch(function () {}).then(function () {
        window.setTimeout(once, POLL_MS);
      });
    }
    once();
  }

  function connect() {
    var url = streamUrl();
    if (!url) return;
    if (!window.EventSource) {
      poll(url);
      return;
    }
    var failures = 0;
    var source = new window.EventSource(url);
    source.onopen = function () {
      failures = 0;
      setState("open");
    };
    source.onmessage = function (message) {
      receive(message.data, message.lastEventId);
    };
    source.onerror = function () {
      failures += 1;
      // The browser reconnects by itself (with Last-Event-ID); a stream that keeps failing
      // (a proxy that buffers, a network that cuts long requests) gives way to polling.
      if (source.readyState === window.EventSource.CLOSED || failures >= STREAM_FAILURES_BEFORE_POLLING) {
        source.close();
        poll(url);
      } else {
        setState("connecting");
      }
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  document.addEventListener("DOMContentLoaded", connect);
})();
