// The command palette (templates/components/palette.html): Ctrl+K or Cmd+K on every signed-in
// page, or the header's "Search or jump to…" button. What matches the typed text comes from the
// server while typing (tasks by number or title, projects, pages, actions); the arrow keys move
// through the results, Enter opens the chosen one, Escape closes the palette and puts focus back.
(function () {
  "use strict";

  var DELAY_MS = 120;
  var timer = null;
  var sequence = 0;

  function dialog() { return document.getElementById("palette"); }

  // The dialog loads the first time it opens (static/js/dialogs.js), from the header button.
  function loadDialog() {
    var opener = document.querySelector("[data-open-palette][data-dialog-url]");
    if (!window.TandemDialogs) return Promise.resolve(dialog());
    return window.TandemDialogs.load("palette", opener && opener.getAttribute("data-dialog-url"));
  }

  function input(box) { return box.querySelector("[data-palette-input]"); }

  function options(box) {
    return Array.prototype.slice.call(box.querySelectorAll("[role=option]"));
  }

  function select(box, option) {
    options(box).forEach(function (other) {
      other.setAttribute("aria-selected", other === option ? "true" : "false");
    });
    var field = input(box);
    if (option) {
      field.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      field.removeAttribute("aria-activedescendant");
    }
  }

  function selected(box) { return box.querySelector('[role=option][aria-selected="true"]'); }

  function load(box) {
    var query = input(box).value;
    var mine = ++sequence;
    var url = box.getAttribute("data-url") + "?q=" + encodeURIComponent(query);
    window.fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (mine !== sequence) return; // a later query is on its way
        var list = box.querySelector("#palette-list");
        list.innerHTML = html;
        var all = options(box);
        select(box, all[0] || null);
        var status = box.querySelector("[data-palette-status]");
        if (status) status.textContent = all.length + (all.length === 1 ? " result" : " results");
      });
  }

  function open() {
    var returnTo = document.activeElement;
    loadDialog().then(function (box) {
      if (!box) return;
      if (box.open) { input(box).select(); return; }
      var other = document.querySelector("dialog[open]");
      if (other) other.close();
      box.returnTo = returnTo;
      input(box).value = "";
      box.showModal();
      input(box).focus();
      load(box);
    });
  }

  document.addEventListener("keydown", function (event) {
    var key = (event.key || "").toLowerCase();
    if (key === "k" && (event.ctrlKey || event.metaKey) && !event.altKey) {
      event.preventDefault();
      open();
      return;
    }
    var box = dialog();
    if (!box || !box.open || event.target !== input(box)) return;
    var all = options(box);
    var index = all.indexOf(selected(box));
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!all.length) return;
      var step = event.key === "ArrowDown" ? 1 : -1;
      select(box, all[(index + step + all.length) % all.length]);
    } else if (event.key === "Enter") {
      event.preventDefault();
      var chosen = selected(box);
      if (chosen) chosen.click();
    }
  });

  document.addEventListener("input", function (event) {
    var box = dialog();
    if (!box || event.target !== input(box)) return;
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { load(box); }, DELAY_MS);
  });

  document.addEventListener("click", function (event) {
    var opener = event.target.closest && event.target.closest("[data-open-palette]");
    if (opener) { open(); return; }
    var box = dialog();
    if (box && box.open && event.target === box) box.close(); // a click on the backdrop
  });

  document.addEventListener("mousemove", function (event) {
    var option = event.target.closest && event.target.closest("#palette [role=option]");
    if (option && option.getAttribute("aria-selected") !== "true") select(dialog(), option);
  });

  window.TandemPalette = { open: open };
})();
