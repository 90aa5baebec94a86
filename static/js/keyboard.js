// Keyboard shortcuts (the list is templates/components/shortcuts.html, opened with "?").
// Each shortcut presses a visible control: a link or button marked data-hotkey, or one of the
// current task's own buttons (its fields' values, its row checkbox), so that whatever a key
// does, a click does too. Keys are ignored while typing in a field, inside an open field editor
// (static/js/tandem.js handles those) and with Ctrl, Alt or Cmd held (Ctrl/Cmd+K is the palette).
// Tasks are the generic .task elements (list rows, dashboard and board cards, the task page).
(function () {
  "use strict";

  var SEQUENCE_MS = 1500;
  var pendingG = null;
  var FIELD_KEYS = { s: "status", p: "priority", a: "assignee", d: "due_date", l: "labels" };

  function isTyping(element) {
    if (!element || element === document.body) return false;
    if (element.isContentEditable) return true;
    if (element.tagName === "TEXTAREA" || element.tagName === "SELECT") return true;
    if (element.tagName !== "INPUT") return false;
    return ["checkbox", "radio", "button", "submit", "reset"].indexOf(element.type) < 0;
  }

  function urlOf(task) { return window.TandemTasks ? window.TandemTasks.url(task) : ""; }

  function visible(element) {
    return !!(element && (element.offsetWidth || element.offsetHeight || element.getClientRects().length));
  }

  function announce(message) {
    document.dispatchEvent(new CustomEvent("announce", { detail: { message: message } }));
  }

  function hotkey(keys) {
    var found = document.querySelectorAll('[data-hotkey="' + keys + '"]');
    for (var i = 0; i < found.length; i++) {
      if (visible(found[i])) return found[i];
    }
    return found[0] || null; // the shortcuts dialog's links work while it is closed
  }

  function tasks() {
    return Array.prototype.filter.call(document.querySelectorAll(".task"), visible);
  }

  function current() {
    var active = document.activeElement;
    var task = active && active.closest && active.closest(".task");
    if (task) return task;
    var marked = document.querySelector(".task.is-current");
    return marked && visible(marked) ? marked : null;
  }

  function focusTask(task) {
    document.querySelectorAll(".task.is-current").forEach(function (other) {
      other.classList.remove("is-current");
    });
    task.classList.add("is-current");
    var link = task.querySelector("a.title") || task;
    if (link === task && !task.hasAttribute("tabindex")) task.setAttribute("tabindex", "-1");
    link.focus();
    link.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = tasks();
    if (!all.length) return;
    var index = all.indexOf(current());
    index = index < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(all.length - 1, Math.max(0, index + step));
    focusTask(all[index]);
  }

  function numberOf(task) {
    var match = /\/(\d+)\/$/.exec(urlOf(task));
    return match ? "#" + match[1] : "the task";
  }

  function assignToMe(task) {
    var cell = task.querySelector(".cell.f-assignee");
    if (!cell || !window.htmx) return;
    window.htmx.ajax("POST", urlOf(task) + "inline/assignee/", {
      source: cell,
      target: cell,
      swap: "innerHTML",
      values: {
        assignee: "me",
        version: task.getAttribute("data-version") || "",
        context: task.getAttribute("data-context") || "row",
      },
    });
  }

  function trash(task) {
    var form = document.querySelector("form[data-bulk]");
    var box = task.querySelector('input[form="bulk"]');
    if (form && box && window.TandemBulk) {
      window.TandemBulk.clear();
      window.TandemBulk.toggle(task, true);
      form.requestSubmit(form.querySelector("[data-bulk-trash]"));
      return;
    }
    window.location.assign(urlOf(task) + "delete/");
  }

  // "c": the quick-create dialog, its form loaded from the page's own "New task" link (which
  // keeps the current project); without htmx, the link itself.
  function quickCreate(link) {
    var dialog = document.getElementById("quick-create");
    if (!dialog || !window.htmx) { link.click(); return; }
    var url = link.getAttribute("href");
    var body = dialog.querySelector("[data-quick-body]");
    dialog.returnTo = document.activeElement;
    window.htmx.ajax("GET", url + (url.indexOf("?") < 0 ? "?" : "&") + "quick=1", {
      source: body, target: body, swap: "innerHTML",
    }).then(function () {
      if (!dialog.open) dialog.showModal();
      var title = body.querySelector("input[name=title]");
      if (title) title.focus();
    });
  }

  // The shortcuts and quick-create dialogs (and the "g" links) load the first time they are
  // needed, from the layout's "Keyboard shortcuts" link (static/js/dialogs.js).
  function loadDialogs() {
    var link = document.querySelector("a[data-open-shortcuts]");
    if (!window.TandemDialogs) return Promise.resolve(document.getElementById("shortcuts"));
    return window.TandemDialogs.load("shortcuts", link && link.getAttribute("href"));
  }

  function openHelp() {
    var returnTo = document.activeElement;
    loadDialogs().then(function (dialog) {
      if (!dialog || dialog.open || document.querySelector("dialog[open]")) return;
      dialog.returnTo = returnTo;
      dialog.showModal();
    });
  }

  function closeDialog(dialog) {
    dialog.close();
  }

  document.addEventListener("close", function (event) {
    var dialog = event.target;
    if (dialog.returnTo && document.contains(dialog.returnTo)) dialog.returnTo.focus();
  }, true);

  function onTaskKey(key, task) {
    if (key === "x") {
      if (window.TandemBulk && window.TandemBulk.toggle(task)) {
        var box = task.querySelector('input[form="bulk"]');
        announce((box && box.checked ? "Selected " : "Unselected ") + numberOf(task) + ".");
      }
      return true;
    }
    if (FIELD_KEYS[key]) {
      var button = task.querySelector(".cell.f-" + FIELD_KEYS[key] + " > button");
      if (button) button.click();
      return !!button;
    }
    if (key === "i") { assignToMe(task); return true; }
    if (key === "e") { window.location.assign(urlOf(task) + "edit/"); return true; }
    if (key === "Delete" || key === "Backspace") { trash(task); return true; }
    if (key === "Enter" && document.activeElement === task) {
      window.location.assign(urlOf(task));
      return true;
    }
    return false;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (isTyping(target)) return;
    if (target.closest && target.closest(".editor, [role=menu], details[open]")) return;
    var openDialog = document.querySelector("dialog[open]");
    if (openDialog) {
      if (event.key === "?" && openDialog.id === "shortcuts") closeDialog(openDialog);
      return;
    }
    var key = event.key;
    if (pendingG) {
      window.clearTimeout(pendingG);
      pendingG = null;
      event.preventDefault();
      loadDialogs().then(function () {
        var link = hotkey("g " + key);
        if (link) link.click();
      });
      return;
    }
    if (key === "?") { event.preventDefault(); openHelp(); return; }
    if (key === "g") {
      loadDialogs();
      pendingG = window.setTimeout(function () { pendingG = null; }, SEQUENCE_MS);
      return;
    }
    if (key === "j" || key === "k") { event.preventDefault(); move(key === "j" ? 1 : -1); return; }
    if (key === "/") {
      var search = hotkey("/") || document.getElementById("id_q");
      event.preventDefault();
      if (search && visible(search)) search.focus();
      else if (window.TandemPalette) window.TandemPalette.open();
      return;
    }
    if (key === "c") {
      event.preventDefault();
      loadDialogs().then(function () {
        var create = hotkey("c");
        if (create) quickCreate(create);
      });
      return;
    }
    var task = current();
    if (task && onTaskKey(key, task)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest("[data-close-dialog]");
    if (close && close.closest("dialog")) closeDialog(close.closest("dialog"));
    var help = event.target.closest && event.target.closest("[data-open-shortcuts]");
    if (help && !event.ctrlKey && !event.metaKey && !event.shiftKey) {
      event.preventDefault(); // the link is the page without JavaScript
      openHelp();
    }
  });

  // A task clicked or tabbed into becomes the current one for j / k.
  document.addEventListener("focusin", function (event) {
    var task = event.target.closest && event.target.closest(".task");
    if (!task) return;
    document.querySelectorAll(".task.is-current").forEach(function (other) {
      if (other !== task) other.classList.remove("is-current");
    });
    task.classList.add("is-current");
  });

  window.TandemKeys = { openHelp: openHelp };
})();
