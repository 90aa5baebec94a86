// Tandem's own script besides htmx. No inline scripts anywhere: the Content-Security-Policy
// forbids them, so behaviour is attached here to data attributes and classes.
(function () {
  "use strict";

  var AUTO_DISMISS_MS = 6000;
  var MAX_TOASTS = 3;

  function each(root, selector, fn) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), fn);
  }

  function remove(element) {
    if (element && element.parentNode) element.parentNode.removeChild(element);
  }

  // --- Toasts -----------------------------------------------------------------------------------
  // Every toast leaves after AUTO_DISMISS_MS (errors stay until dismissed), however it arrived:
  // with the page, swapped in out of band, or retargeted by an error response. At most
  // MAX_TOASTS are shown, and the stack moves to the top of the screen rather than cover the
  // task being edited.

  function arm(toast) {
    if (toast.hasAttribute("data-armed")) return;
    toast.setAttribute("data-armed", "");
    if (toast.hasAttribute("data-sticky")) return;
    var timeout = parseInt(toast.getAttribute("data-timeout"), 10) || AUTO_DISMISS_MS;
    window.setTimeout(function () { remove(toast); }, timeout);
  }

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function keepClear(region) {
    var busy = document.querySelector(".task .editor, .task .cell-note") ||
      (document.activeElement && document.activeElement.closest && document.activeElement.closest(".task"));
    region.classList.remove("toasts-top");
    if (!busy || !region.children.length) return;
    if (overlaps(region.getBoundingClientRect(), busy.getBoundingClientRect())) {
      region.classList.add("toasts-top");
    }
  }

  function settleToasts(region) {
    var toasts = region.querySelectorAll("[data-toast]");
    Array.prototype.forEach.call(toasts, arm);
    for (var extra = toasts.length - MAX_TOASTS, i = 0; i < extra; i++) remove(toasts[i]);
    keepClear(region);
  }

  function watchToasts() {
    var region = document.getElementById("toasts");
    if (!region) return;
    settleToasts(region);
    new MutationObserver(function () { settleToasts(region); }).observe(region, { childList: true });
  }

  // --- Announcements for screen readers ---------------------------------------------------------
  // Responses say what happened with an "announce" event (HX-Trigger); the polite live region
  // in the layout reads it out.
  document.addEventListener("announce", function (event) {
    var region = document.getElementById("announcer");
    if (!region || !event.detail || !event.detail.message) return;
    region.textContent = "";
    window.setTimeout(function () { region.textContent = event.detail.message; }, 50);
  });

  // --- Field editors (templates/components/task.html) -------------------------------------------
  // A field's value is a button, a child of the field's cell (.cell.f-<field>): activating it
  // loads the field's editor into the cell; choosing a value (or Save) posts it, Escape or
  // Cancel closes it, and afterwards focus is back on the field's value. Edits of one task go one at a time (hx-sync on the .task
  // element) and each sends the task's version as of the moment it is sent, which the previous
  // answer updated (X-Task-Version).

  function taskOf(element) { return element.closest(".task"); }

  // A task's address: its title's link in rows and cards; data-url on the task page, whose
  // title is renamed in place rather than linked.
  function taskUrl(task) {
    var link = task.querySelector("a.title");
    return task.getAttribute("data-url") || (link ? link.getAttribute("href") : "");
  }

  // A cell's value buttons are its own children (its editor's buttons are the editor's).
  var VALUE = ".cell > button";

  function valueButton(cell) { return cell && cell.querySelector(":scope > button"); }

  // The field a cell shows: its f-<field> class.
  function fieldOf(cell) {
    var match = cell && /(?:^|\s)f-(\w+)/.exec(cell.className);
    return match ? match[1] : null;
  }

  window.TandemTasks = { url: taskUrl, field: fieldOf, value: VALUE };

  function isBusy(editor) { return editor.getAttribute("aria-busy") === "true"; }

  function closeEditor(cell, refocus) {
    var closed = false;
    each(cell, ".editor, [data-note]", function (editor) {
      if (editor.matches && editor.matches("form") && isBusy(editor)) return;
      remove(editor);
      closed = true;
    });
    if (refocus && closed && valueButton(cell)) valueButton(cell).focus();
    return closed;
  }

  function isDirty(editor) {
    var dirty = false;
    each(editor, "input:not([type=hidden])", function (input) {
      if (input.hasAttribute("data-filter") || input.hasAttribute("data-label-filter")) return;
      var tickable = input.type === "checkbox" || input.type === "radio";
      if (tickable ? input.checked !== input.defaultChecked : input.value !== input.defaultValue) {
        dirty = true; // typed text or ticked boxes
      }
    });
    return dirty;
  }

  function closeOthers(except) {
    each(document, ".task .cell", function (cell) {
      if (cell === except) return;
      var editor = cell.querySelector("form.editor");
      if (editor && isDirty(editor)) return; // typed text is never thrown away
      closeEditor(cell, false);
    });
  }

  function focusEditor(cell) {
    var editor = cell.querySelector(".editor");
    if (!editor) return;
    var target = editor.querySelector("[data-filter]") ||
      editor.querySelector("[aria-invalid=true]") ||
      editor.querySelector('[role=menuitemradio][aria-checked="true"]') ||
      editor.querySelector("input:not([type=hidden]), [role=menuitemradio], button");
    if (!target) return;
    target.focus();
    if (target.select && target.type === "text") target.select();
  }

  function openEditor(button) {
    var cell = button.closest(".cell");
    var task = taskOf(button);
    if (!cell || !task || !window.htmx) return;
    if (cell.querySelector(".editor")) {
      closeEditor(cell, true);
      return;
    }
    closeOthers(cell);
    closeEditor(cell, false);
    var url = taskUrl(task) + "inline/" + fieldOf(cell) +
      "/?context=" + (task.getAttribute("data-context") || "row");
    window.htmx.ajax("GET", url, { source: button, target: cell, swap: "beforeend" })
      .then(function () { focusEditor(cell); });
  }

  function menuItems(menu) {
    return Array.prototype.filter.call(
      menu.querySelectorAll("[role=menuitemradio]"),
      function (item) { return !item.hidden; }
    );
  }

  function moveInMenu(menu, from, key) {
    var items = menuItems(menu);
    if (!items.length) return;
    var index = items.indexOf(from);
    if (key === "ArrowDown") index = index < 0 ? 0 : (index + 1) % items.length;
    else if (key === "ArrowUp") index = index <= 0 ? items.length - 1 : index - 1;
    else if (key === "Home") index = 0;
    else if (key === "End") index = items.length - 1;
    items[index].focus();
  }

  document.addEventListener("input", function (event) {
    var filter = event.target.closest("[data-filter]");
    if (!filter) return;
    var words = filter.value.trim().toLowerCase();
    var editor = filter.closest(".editor");
    each(editor, "[role=menuitemradio]", function (item) {
      item.hidden = words !== "" && item.textContent.toLowerCase().indexOf(words) < 0;
    });
  });

  document.addEventListener("keydown", function (event) {
    var editor = event.target.closest && event.target.closest(".task .editor");
    if (editor) {
      var cell = editor.closest(".cell");
      if (event.key === "Escape") {
        event.preventDefault();
        closeEditor(cell, true);
        return;
      }
      var menu = editor.querySelector("[role=menu]");
      var item = event.target.closest("[role=menuitemradio]");
      var moves = ["ArrowDown", "ArrowUp", "Home", "End"];
      if (menu && item && moves.indexOf(event.key) >= 0) {
        event.preventDefault();
        moveInMenu(menu, item, event.key);
      } else if (menu && event.target.hasAttribute("data-filter")) {
        if (event.key === "ArrowDown") {
          event.preventDefault();
          moveInMenu(menu, null, "ArrowDown");
        } else if (event.key === "Enter") {
          event.preventDefault();
          var first = menuItems(menu)[0];
          if (first) first.click();
        }
      }
      return;
    }
    if (event.key === "Escape") {
      document.querySelectorAll("details[data-menu][open]").forEach(function (details) {
        details.removeAttribute("open");
        var summary = details.querySelector("summary");
        if (summary) summary.focus();
      });
    }
  });

  // Menus close when focus leaves them; text editors stay until saved or cancelled.
  document.addEventListener("focusout", function (event) {
    var editor = event.target.closest && event.target.closest(".task form.editor");
    if (!editor || !editor.querySelector("[role=menu]")) return;
    window.setTimeout(function () {
      var cell = editor.closest(".cell");
      if (!cell || cell.contains(document.activeElement) || isBusy(editor)) return;
      closeEditor(cell, false);
    }, 0);
  });

  document.addEventListener("htmx:configRequest", function (event) {
    var source = event.detail.elt;
    if (source && source.matches && source.matches("form[data-editor]")) {
      var task = taskOf(source);
      if (task && task.getAttribute("data-version")) {
        event.detail.parameters.version = task.getAttribute("data-version");
      }
      source.setAttribute("aria-busy", "true");
    }
    // Filter forms push their query string into the address bar: leave out empty fields so
    // that bookmarked and shared URLs say only what was chosen.
    if (event.detail.verb === "get") {
      var params = event.detail.parameters;
      Object.keys(params).forEach(function (key) {
        if (params[key] === "") delete params[key];
      });
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var version = event.detail.xhr && event.detail.xhr.getResponseHeader("X-Task-Version");
    var source = event.detail.elt;
    if (!version || !source || !source.closest) return;
    var task = taskOf(source);
    if (!task) return;
    var url = taskUrl(task);
    each(document, ".task", function (other) {
      if (taskUrl(other) === url) other.setAttribute("data-version", version);
    });
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var source = event.detail.elt;
    if (source && source.removeAttribute) source.removeAttribute("aria-busy");
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var cell = event.detail.target;
    if (!cell || !cell.classList || !cell.classList.contains("cell")) return;
    if (cell.querySelector(".editor")) {
      focusEditor(cell);
      return;
    }
    var active = document.activeElement;
    if (!active || active === document.body || !document.contains(active) || cell.contains(active)) {
      var button = valueButton(cell);
      if (button) button.focus();
    }
  });

  // --- Clicks -----------------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var target = event.target;

    var edit = target.closest(VALUE);
    if (edit && taskOf(edit) && fieldOf(edit.parentElement)) {
      event.preventDefault();
      openEditor(edit);
      return;
    }
    var cancel = target.closest("[data-cancel]");
    if (cancel && cancel.closest(".cell")) {
      closeEditor(cancel.closest(".cell"), true);
      return;
    }
    // A click elsewhere closes open menus and notes (typed text is kept).
    if (!target.closest(".task .editor")) closeOthers(null);

    var button = target.closest("[data-dismiss]");
    if (button) remove(button.closest("[data-toast]"));

    var toggle = target.closest("[data-nav-toggle]");
    if (toggle) {
      event.preventDefault();
      var open = toggle.getAttribute("aria-expanded") !== "true";
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      var nav = document.getElementById(toggle.getAttribute("aria-controls"));
      if (nav) nav.classList.toggle("is-open", open);
    }

    // Close open <details> menus when clicking elsewhere.
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(target)) menu.removeAttribute("open");
    });

    // <button data-confirm="..."> asks before submitting its form (no-JS falls back to a page).
    var confirmer = target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  // Forms marked data-autosubmit submit themselves (through htmx when it is there) on change.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (!form) return;
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  });

  document.addEventListener("DOMContentLoaded", watchToasts);
})();
