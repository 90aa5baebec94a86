// The address the page shows, as filters, sorting and grouping changed it in place (htmx
// pushes each change into the history):
// - "Save view" (templates/components/save_view.html) saves that address, read when saving;
// - the filter form (components/task_filters.html) carries the current sort, so a filter
//   changed after sorting by a column's header keeps that sort.
(function () {
  "use strict";

  function current(name) {
    return new URLSearchParams(window.location.search).get(name);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest && event.target.closest("form[data-save-view]");
    if (!form) return;
    var query = form.querySelector("[data-save-view-query]");
    if (query) query.value = window.location.search.replace(/^\?/, "");
  });

  document.addEventListener("htmx:pushedIntoHistory", function () {
    var filters = document.getElementById("task-filters");
    if (!filters) return;
    var sort = current("sort");
    var input = filters.querySelector("input[type=hidden][name=sort]");
    if (!sort) {
      if (input) input.remove();
      return;
    }
    if (!input) {
      input = document.createElement("input");
      input.type = "hidden";
      input.name = "sort";
      filters.prepend(input);
    }
    input.value = sort;
  });
})();
