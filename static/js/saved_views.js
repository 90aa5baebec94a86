// "Save view" (templates/components/save_view.html) saves the address the page shows now:
// filters, sort and grouping changed through htmx push it, so it is read when saving.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-save-view]");
    if (!form) return;
    var query = form.querySelector("[data-save-view-query]");
    if (query) query.value = window.location.search.replace(/^\?/, "");
  });
})();
