// The labels editor (templates/components/task.html#labels-editor): typing in its filter
// hides the labels that do not match; Enter ticks (or unticks) the first one shown and clears
// the filter, so a label is put on by typing a few letters; Enter in the empty filter (or
// Save) posts the ticked labels.
(function () {
  "use strict";

  function options(editor) {
    return Array.prototype.slice.call(editor.querySelectorAll(".label-option"));
  }

  function shown(editor) {
    return options(editor).filter(function (option) { return !option.hidden; });
  }

  function narrow(filter) {
    var editor = filter.closest(".editor-labels");
    var words = filter.value.trim().toLowerCase();
    options(editor).forEach(function (option) {
      option.hidden = words !== "" && option.textContent.toLowerCase().indexOf(words) < 0;
    });
    var none = editor.querySelector("[data-label-none]");
    if (none) none.hidden = shown(editor).length > 0;
  }

  document.addEventListener("input", function (event) {
    var filter = event.target.closest && event.target.closest("[data-label-filter]");
    if (filter) narrow(filter);
  });

  document.addEventListener("keydown", function (event) {
    var filter = event.target.closest && event.target.closest("[data-label-filter]");
    if (!filter) return;
    var editor = filter.closest(".editor-labels");
    if (event.key === "Enter") {
      event.preventDefault();
      if (filter.value.trim() === "") {
        editor.requestSubmit(); // an empty filter: Enter saves
        return;
      }
      var first = shown(editor)[0];
      if (!first) return;
      var box = first.querySelector("input[type=checkbox]");
      box.checked = !box.checked;
      filter.value = "";
      narrow(filter);
    } else if (event.key === "ArrowDown") {
      var next = shown(editor)[0];
      if (next) {
        event.preventDefault();
        next.querySelector("input").focus();
      }
    }
  });
})();
