// The board (templates/web/board.html): cards move by drag and drop (SortableJS), by their
// "Move to..." menu, and with Alt+Shift+arrow keys on the focused card. The card moves at once;
// the move is posted to the task's move address (htmx) and the answer is the card as saved,
// which replaces it. A refused move puts the card back where it was (the answer is a toast
// saying why); a card whose task was deleted is removed.
(function () {
  "use strict";

  var KEYS = { ArrowUp: "up", ArrowDown: "down", ArrowLeft: "left", ArrowRight: "right" };

  function cards(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.classList.contains("task");
    });
  }

  function sibling(card, step) {
    var el = step < 0 ? card.previousElementSibling : card.nextElementSibling;
    while (el && !el.classList.contains("task")) {
      el = step < 0 ? el.previousElementSibling : el.nextElementSibling;
    }
    return el;
  }

  function number(card) { return card.id.replace("task-", ""); }

  function columns(board) { return Array.prototype.slice.call(board.querySelectorAll(".board-col")); }

  function listOf(column) { return column.querySelector("[data-cards]"); }

  function label(column) { return column.querySelector(".board-col-name").textContent.trim(); }

  function setCount(column, delta) {
    var count = column.querySelector(".board-count");
    if (!count || !count.hasAttribute("data-count")) return;
    var value = parseInt(count.getAttribute("data-count"), 10);
    if (isNaN(value) || value > 1000) return; // a capped count stays as it reads
    value = Math.max(0, value + delta);
    count.setAttribute("data-count", String(value));
    count.firstChild.textContent = value.toLocaleString("en-US");
  }

  function expand(column, open) {
    var button = column.querySelector("[data-collapse]");
    column.classList.toggle("is-collapsed", !open);
    if (!button) return;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    button.querySelector("[data-collapse-text]").textContent = open ? "Hide" : "Show";
  }

  // Post the move of ``card`` (already where it is going); ``origin`` is where it came from.
  function post(card, origin, focusSelector) {
    var board = card.closest("[data-board]");
    var column = card.closest(".board-col");
    var above = sibling(card, -1);
    var below = sibling(card, 1);
    var values = { group: board.getAttribute("data-group"), version: card.getAttribute("data-version") };
    if (column !== origin.column) values.column = column.getAttribute("data-value");
    if (above) values.above = number(above);
    else if (below) values.below = number(below);
    var empty = listOf(column).querySelector("[data-empty]");
    if (empty) empty.remove();
    card.classList.add("is-moving");
    card.setAttribute("aria-busy", "true");

    // The answer's status is read before the swap (the card is still in the page then); the
    // rest runs once htmx is done with it.
    var status = 0;
    var ok = false;
    function seen(event) {
      if (event.detail.elt !== card) return;
      document.removeEventListener("htmx:beforeSwap", seen);
      status = event.detail.xhr ? event.detail.xhr.status : 0;
      ok = status >= 200 && status < 300;
    }

    function finish() {
      document.removeEventListener("htmx:beforeSwap", seen);
      if (ok) {
        if (column !== origin.column) {
          setCount(origin.column, -1);
          setCount(column, 1);
        }
        var fresh = document.getElementById(card.id);
        var target = fresh && focusSelector && fresh.querySelector(focusSelector);
        if (target) target.focus();
        return;
      }
      card.classList.remove("is-moving");
      card.removeAttribute("aria-busy");
      if (status === 404) {
        card.remove();
        setCount(origin.column, -1);
        return;
      }
      var next = origin.next && origin.next.parentNode === origin.list ? origin.next : null;
      origin.list.insertBefore(card, next);
      if (focusSelector) {
        var again = card.querySelector(focusSelector);
        if (again) again.focus();
      }
    }

    document.addEventListener("htmx:beforeSwap", seen);
    window.htmx
      .ajax("POST", window.TandemTasks.url(card) + "move/", {
        source: card,
        target: card,
        swap: "outerHTML",
        values: values,
      })
      .then(finish, finish);
  }

  function originOf(card) {
    return { list: card.parentNode, next: card.nextElementSibling, column: card.closest(".board-col") };
  }

  // Move ``card`` one step ("up", "down", "left", "right") or to the top of ``toColumn``.
  function moveCard(card, direction, toColumn, focusSelector) {
    var origin = originOf(card);
    var list = origin.list;
    if (direction === "up" || direction === "down") {
      var other = sibling(card, direction === "up" ? -1 : 1);
      if (!other) return;
      list.insertBefore(card, direction === "up" ? other : other.nextSibling);
    } else {
      var all = columns(card.closest("[data-board]"));
      var column = toColumn || all[all.indexOf(origin.column) + (direction === "left" ? -1 : 1)];
      if (!column || column === origin.column) return;
      expand(column, true);
      var target = listOf(column);
      target.insertBefore(card, cards(target)[0] || target.firstChild);
    }
    post(card, origin, focusSelector);
  }

  // --- Drag and drop ---------------------------------------------------------------------------
  function bind(root) {
    if (!window.Sortable) return;
    var lists = root.querySelectorAll ? root.querySelectorAll("[data-cards]") : [];
    Array.prototype.forEach.call(lists, function (list) {
      if (list.boardSortable) return;
      var origin = null;
      list.boardSortable = window.Sortable.create(list, {
        group: "board",
        // Cards slide into place, unless the person asked for less motion.
        animation: window.matchMedia("(prefers-reduced-motion: reduce)").matches ? 0 : 120,
        draggable: ".task",
        filter: ".editor, input, [data-note]",
        preventOnFilter: false,
        ghostClass: "card-ghost",
        forceFallback: true, // pointer events, the same for mouse, touch and pen
        fallbackOnBody: true,
        onStart: function (event) { origin = originOf(event.item); },
        onEnd: function (event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) return;
          post(event.item, origin, null);
        },
      });
    });
  }

  // --- The "Move to..." menu -------------------------------------------------------------------
  function closeMenu(focusButton) {
    var menu = document.querySelector("[data-board] .board-menu");
    if (!menu) return;
    var button = menu.closest(".task") && menu.closest(".task").querySelector("[data-move]");
    menu.remove();
    if (button) {
      button.setAttribute("aria-expanded", "false");
      if (focusButton) button.focus();
    }
  }

  function openMenu(button) {
    closeMenu(false);
    var card = button.closest(".task");
    var column = card.closest(".board-col");
    var menu = document.getElementById("board-menu").content.firstElementChild.cloneNode(true);
    var itemTemplate = document.getElementById("board-menu-item").content.firstElementChild;
    menu.setAttribute("aria-label", "Move #" + number(card) + " to");
    function add(text, action) {
      var item = itemTemplate.cloneNode(true);
      item.textContent = text;
      item.addEventListener("click", function () {
        closeMenu(false);
        action();
      });
      menu.appendChild(item);
    }
    if (sibling(card, -1)) add("Up one", function () { moveCard(card, "up", null, "[data-move]"); });
    if (sibling(card, 1)) add("Down one", function () { moveCard(card, "down", null, "[data-move]"); });
    columns(card.closest("[data-board]")).forEach(function (other) {
      if (other === column) return;
      add(label(other), function () { moveCard(card, "to", other, "[data-move]"); });
    });
    button.insertAdjacentElement("afterend", menu);
    button.setAttribute("aria-expanded", "true");
    var first = menu.querySelector("[role=menuitem]");
    if (first) first.focus();
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-board] [data-move]");
    if (button) {
      if (button.getAttribute("aria-expanded") === "true") closeMenu(true);
      else openMenu(button);
      return;
    }
    var collapse = event.target.closest && event.target.closest("[data-board] [data-collapse]");
    if (collapse) {
      var column = collapse.closest(".board-col");
      expand(column, column.classList.contains("is-collapsed"));
      return;
    }
    if (!(event.target.closest && event.target.closest(".board-menu"))) closeMenu(false);
  });

  document.addEventListener("keydown", function (event) {
    var menu = event.target.closest && event.target.closest(".board-menu");
    if (menu) {
      var items = Array.prototype.slice.call(menu.querySelectorAll("[role=menuitem]"));
      var index = items.indexOf(event.target);
      if (event.key === "Escape") { event.preventDefault(); closeMenu(true); }
      else if (event.key === "ArrowDown") { event.preventDefault(); items[(index + 1) % items.length].focus(); }
      else if (event.key === "ArrowUp") { event.preventDefault(); items[(index - 1 + items.length) % items.length].focus(); }
      else if (event.key === "Tab") closeMenu(false);
      return;
    }
    // Alt+Shift+arrows move the card that holds the focus (never while typing).
    if (!event.altKey || !event.shiftKey || !KEYS[event.key]) return;
    var tag = event.target.tagName;
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable) return;
    var card = event.target.closest && event.target.closest("[data-board] .task");
    if (!card || card.getAttribute("aria-busy") === "true") return;
    event.preventDefault();
    var selector = event.target.matches("[data-move]") ? "[data-move]"
      : event.target.matches(window.TandemTasks.value)
        ? ".cell.f-" + window.TandemTasks.field(event.target.parentElement) + " > button"
      : event.target.matches("a.title") ? "a.title" : "[data-move]";
    moveCard(card, KEYS[event.key], null, selector);
  });

  // A card's grouped field changed in its own editor (the status menu on a status board):
  // the columns load again, so the card shows where it now belongs.
  // (Read before the swap: the editor leaves the page with it.)
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.elt;
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    if (status !== 200 || !form || !form.matches || !form.matches("form[data-editor]")) return;
    var board = form.closest("[data-board]");
    if (!board || form.getAttribute("data-editor") !== board.getAttribute("data-group")) return;
    Array.prototype.forEach.call(board.querySelectorAll("[data-cards]"), function (list) {
      window.htmx.trigger(list, "board-refresh");
    });
  });

  // Live updates (static/js/live.js): when someone else changes tasks, the columns load again
  // (at most once a second), but never under a drag, an open editor or an open menu: then the
  // refresh waits for them to close. Focus stays on the card it was on.
  var LIVE_KINDS = ["task", "tasks", "project", "member", "reset"];
  var liveTimer = null;
  var refocus = null;

  function busy(board) {
    return board.querySelector(".sortable-chosen, form[data-editor], .board-menu") !== null;
  }

  function refreshLive() {
    liveTimer = null;
    var board = document.querySelector("[data-board]");
    if (!board) return;
    if (busy(board)) { liveTimer = window.setTimeout(refreshLive, 1000); return; }
    var focused = document.activeElement && document.activeElement.closest
      ? document.activeElement.closest(".task") : null;
    refocus = focused ? { id: focused.id, move: document.activeElement.matches("[data-move]") } : null;
    Array.prototype.forEach.call(board.querySelectorAll("[data-cards]"), function (list) {
      window.htmx.trigger(list, "board-refresh");
    });
  }

  document.addEventListener("live:event", function (event) {
    if (LIVE_KINDS.indexOf(event.detail && event.detail.kind) < 0) return;
    if (!document.querySelector("[data-board]") || liveTimer) return;
    liveTimer = window.setTimeout(refreshLive, 1000);
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!refocus) return;
    var card = document.getElementById(refocus.id);
    if (!card) return;
    var target = refocus.move ? card.querySelector("[data-move]") : card.querySelector("a.title");
    refocus = null;
    if (target) target.focus();
  });

  function start() {
    bind(document);
    if (window.htmx) window.htmx.onLoad(function (root) { bind(root.parentNode || root); });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
