// Tandem's only script besides htmx. No inline scripts anywhere: the Content-Security-Policy
// forbids them, so behaviour is attached here with data attributes.
(function () {
  "use strict";

  var AUTO_DISMISS_MS = 6000;

  function dismiss(toast) {
    if (toast && toast.parentNode) toast.parentNode.removeChild(toast);
  }

  function armToasts(root) {
    (root || document).querySelectorAll("[data-toast]:not([data-armed])").forEach(function (toast) {
      toast.setAttribute("data-armed", "");
      if (toast.hasAttribute("data-sticky")) return;
      var timeout = parseInt(toast.getAttribute("data-timeout"), 10) || AUTO_DISMISS_MS;
      window.setTimeout(function () { dismiss(toast); }, timeout);
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (button) dismiss(button.closest("[data-toast]"));

    // Close open <details> menus when clicking elsewhere.
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });

    // <button data-confirm="..."> asks before submitting its form (no-JS falls back to a page).
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary) summary.focus();
    });
  });

  // Forms marked data-autosubmit submit themselves (through htmx when it is there) on change.
  document.addEventListener("change", function (event) {
    var form = event.target.closest("form[data-autosubmit]");
    if (!form) return;
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  });

  // Filter forms push their query string into the address bar: leave out empty fields so that
  // bookmarked and shared URLs say only what was chosen.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get") return;
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (key) {
      if (params[key] === "") delete params[key];
    });
  });

  document.addEventListener("DOMContentLoaded", function () { armToasts(document); });
  document.addEventListener("htmx:afterSettle", function (event) { armToasts(event.target); });
  document.addEventListener("htmx:oobAfterSwap", function (event) { armToasts(event.target); });
})();
