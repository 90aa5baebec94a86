// Bulk edit on the task lists (templates/components/bulk_bar.html). Row checkboxes belong to the
// bar's form (form="bulk"); this script keeps the count, the header checkbox and Shift-click
// ranges, offers "Select all N matching" once the whole page is checked, and sends the list's
// current filter (the address bar, which htmx updates) with the form. The server re-reads the
// tasks inside the organization; the list comes back with a toast offering Undo.
(function () {
  "use strict";

  var lastClicked = null;
  var choices = {}; // the bar's menus by URL, fetched once per page (web.views.bulk.BulkChoicesView)

  // The bar's menus are not part of the page: they load when the bar first shows.
  function loadChoices(form) {
    var holder = form.querySelector("[data-bulk-choices]");
    if (!holder || holder.hasAttribute("data-loaded") || !window.fetch) return;
    holder.setAttribute("data-loaded", "");
    var url = holder.getAttribute("data-url");
    if (!choices[url]) {
      choices[url] = window.fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response); })
        .catch(function () { delete choices[url]; return null; });
    }
    choices[url].then(function (html) {
      if (html === null) { holder.removeAttribute("data-loaded"); return; }
      holder.innerHTML = html;
    });
  }

  function bar() { return document.querySelector("form[data-bulk]"); }

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll('.task input[form="bulk"]'));
  }

  function checked() { return boxes().filter(function (box) { return box.checked; }); }

  function allInput(form) { return form.querySelector("[data-bulk-all-input]"); }

  function isAll(form) { return allInput(form).value === "1"; }

  function setAll(form, on) { allInput(form).value = on ? "1" : "0"; }

  function plural(count) { return count + (count === 1 ? " task" : " tasks"); }

  function refresh() {
    var form = bar();
    if (!form) return;
    var all = boxes();
    var picked = checked();
    if (picked.length < all.length) setAll(form, false);
    var total = parseInt(form.getAttribute("data-total"), 10) || 0;
    var count = isAll(form) ? total : picked.length;
    form.hidden = count === 0;
    if (!form.hidden) loadChoices(form);
    var capped = form.hasAttribute("data-capped");
    form.querySelector("[data-bulk-count]").textContent =
      isAll(form) ? (capped ? "All matching" : "All " + total) : count;
    var page = document.querySelector("[data-bulk-page]");
    if (page) {
      page.checked = all.length > 0 && picked.length === all.length;
      page.indeterminate = picked.length > 0 && picked.length < all.length;
    }
    var offer = form.querySelector("[data-bulk-offer]");
    if (offer) offer.hidden = isAll(form) || picked.length !== all.length || total <= all.length;
    var trash = form.querySelector("[data-bulk-trash]");
    if (trash) {
      var what = isAll(form) && capped ? "every matching task" : plural(count);
      trash.setAttribute("data-confirm", "Move " + what + " to the trash?");
    }
    all.forEach(function (box) {
      var task = box.closest(".task");
      if (task) task.classList.toggle("is-picked", box.checked);
    });
  }

  function toggle(task, on) {
    var box = task && task.querySelector('input[form="bulk"]');
    if (!box) return false;
    box.checked = on === undefined ? !box.checked : on;
    lastClicked = box;
    refresh();
    return true;
  }

  function clear() {
    var form = bar();
    if (form) setAll(form, false);
    boxes().forEach(function (box) { box.checked = false; });
    refresh();
  }

  document.addEventListener("click", function (event) {
    var box = event.target.closest && event.target.closest('.task input[form="bulk"]');
    if (box) {
      var all = boxes();
      if (event.shiftKey && lastClicked && lastClicked !== box && all.indexOf(lastClicked) >= 0) {
        var from = all.indexOf(lastClicked);
        var to = all.indexOf(box);
        var low = Math.min(from, to);
        var high = Math.max(from, to);
        for (var i = low; i <= high; i++) all[i].checked = box.checked;
      }
      lastClicked = box;
      refresh();
      return;
    }
    var page = event.target.closest && event.target.closest("[data-bulk-page]");
    if (page) {
      boxes().forEach(function (other) { other.checked = page.checked; });
      refresh();
      return;
    }
    var form = bar();
    if (!form) return;
    if (event.target.closest("[data-bulk-offer]")) {
      setAll(form, true);
      refresh();
      var menu = form.querySelector("summary");
      if (menu) menu.focus();
      document.dispatchEvent(new CustomEvent("announce", {
        detail: { message: "All matching tasks selected." },
      }));
      return;
    }
    if (event.target.closest("[data-bulk-clear]")) {
      clear();
      var first = boxes()[0];
      if (first) first.focus();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-bulk]")) return;
    // The filter as the address bar shows it now (filters and pages change it through htmx).
    form.querySelector("[data-bulk-query]").value = window.location.search.replace(/^\?/, "");
    form.querySelector("[data-bulk-next]").value = window.location.pathname + window.location.search;
  });

  // A swap elsewhere on the page (a live refresh, a toast, a menu loading) keeps the range's
  // anchor; a new table drops it with the rows it was in.
  document.addEventListener("htmx:afterSettle", function () {
    if (lastClicked && !lastClicked.isConnected) lastClicked = null;
    refresh();
  });
  document.addEventListener("DOMContentLoaded", refresh);

  // For the keyboard layer (static/js/keyboard.js): `x` checks the current row.
  window.TandemBulk = { toggle: toggle, clear: clear, refresh: refresh };
})();
