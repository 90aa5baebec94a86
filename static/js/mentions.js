// @mentions: typing "@" in a textarea that has data-mentions-url offers the organization's
// members (server-rendered options from web:member-suggest). The textarea keeps the focus and
// points at the highlighted option with aria-activedescendant (ARIA combobox pattern with a
// listbox popup): ArrowDown/ArrowUp move, Enter or Tab insert "@[Name](member:<id>)", Escape
// closes. No inline script: the CSP forbids it.
(function () {
  "use strict";

  var TRIGGER = /(^|[\s(>])@([^\s@\[\]()]{0,40}(?: [^\s@\[\]()]{1,40})?)$/;
  var DELAY_MS = 120;
  var active = null; // {textarea, listbox, start, index}
  var timer = null;
  var latest = 0;

  function isMentionBox(element) {
    return element && element.matches && element.matches("textarea[data-mentions-url]");
  }

  function listboxFor(textarea) {
    return document.getElementById(textarea.getAttribute("aria-controls"));
  }

  function options(listbox) {
    return Array.prototype.slice.call(listbox.querySelectorAll('[role="option"][data-mention-id]'));
  }

  function close() {
    window.clearTimeout(timer);
    latest += 1; // answers still on their way are dropped
    if (!active) return;
    active.listbox.hidden = true;
    active.listbox.innerHTML = "";
    active.textarea.removeAttribute("aria-activedescendant");
    active = null;
  }

  function typed(textarea) {
    if (textarea.selectionStart !== textarea.selectionEnd) return null;
    var before = textarea.value.slice(0, textarea.selectionStart);
    var match = TRIGGER.exec(before);
    if (!match) return null;
    return { start: before.length - match[2].length - 1, query: match[2] };
  }

  function highlight(index) {
    var all = options(active.listbox);
    if (!all.length) {
      active.textarea.removeAttribute("aria-activedescendant");
      return;
    }
    active.index = (index + all.length) % all.length;
    all.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === active.index ? "true" : "false");
    });
    var current = all[active.index];
    active.textarea.setAttribute("aria-activedescendant", current.id);
    if (current.scrollIntoView) current.scrollIntoView({ block: "nearest" });
  }

  function suggest(textarea, found) {
    var listbox = listboxFor(textarea);
    if (!listbox) return;
    var ticket = ++latest;
    var url = textarea.getAttribute("data-mentions-url") +
      "?q=" + encodeURIComponent(found.query) + "&listbox=" + encodeURIComponent(listbox.id);
    window.fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (ticket !== latest || document.activeElement !== textarea) return;
        if (!html.trim()) { close(); return; }
        listbox.innerHTML = html;
        listbox.hidden = false;
        active = { textarea: textarea, listbox: listbox, start: found.start, index: 0 };
        highlight(0);
      })
      .catch(function () { close(); });
  }

  function choose(option) {
    var textarea = active.textarea;
    // Brackets and line breaks would end the mention early: the name is shown from the member.
    var name = option.getAttribute("data-mention-name").replace(/[\[\]\n\r]+/g, " ").trim();
    var text = "@[" + name + "](member:" + option.getAttribute("data-mention-id") + ") ";
    var before = textarea.value.slice(0, active.start);
    var after = textarea.value.slice(textarea.selectionStart);
    close();
    textarea.value = before + text + after;
    var caret = before.length + text.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
  }

  document.addEventListener("input", function (event) {
    var textarea = event.target;
    if (!isMentionBox(textarea)) return;
    var found = typed(textarea);
    if (!found) { close(); return; }
    window.clearTimeout(timer);
    timer = window.setTimeout(function () { suggest(textarea, found); }, DELAY_MS);
  });

  document.addEventListener("keydown", function (event) {
    if (!active || event.target !== active.textarea || event.isComposing) return;
    var all = options(active.listbox);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active.index + (event.key === "ArrowDown" ? 1 : -1));
    } else if ((event.key === "Enter" || event.key === "Tab") && all.length) {
      event.preventDefault();
      choose(all[active.index]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    }
  }, true);

  // A click (or tap) on an option inserts it without taking the focus from the textarea.
  document.addEventListener("mousedown", function (event) {
    if (!active) return;
    var option = event.target.closest && event.target.closest('[role="option"][data-mention-id]');
    if (option && active.listbox.contains(option)) {
      event.preventDefault();
      choose(option);
    } else if (!active.listbox.contains(event.target) && event.target !== active.textarea) {
      close();
    }
  });

  document.addEventListener("focusout", function (event) {
    if (active && event.target === active.textarea) window.setTimeout(function () {
      if (active && document.activeElement !== active.textarea) close();
    }, 0);
  });

  document.addEventListener("htmx:beforeSwap", close);
})();
