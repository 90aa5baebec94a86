// The inbox and time zones. No inline script: the CSP forbids it.
(function () {
  "use strict";

  // People who never chose a time zone are offered the browser's (the server validates it).
  function offerTimeZone() {
    var offer = document.querySelector("[data-time-zone-offer]");
    if (!offer) return;
    var zone = "";
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
    } catch (error) {
      return;
    }
    if (!zone) return;
    offer.querySelectorAll("[data-time-zone-name]").forEach(function (element) {
      element.textContent = zone;
    });
    offer.querySelector("[data-time-zone-input]").value = zone;
    offer.querySelectorAll("[data-time-zone-next]").forEach(function (input) {
      input.value = window.location.pathname + window.location.search;
    });
    offer.hidden = false;
  }

  // Archiving (or reading, in the unread view) removes a row: keep the keyboard in the list,
  // on the next row's link (or the previous one's, or "Mark all read").
  var refocus = null;

  document.addEventListener("htmx:beforeSwap", function (event) {
    var row = event.detail.target;
    if (!row || !row.matches || !row.matches(".inbox-item")) return;
    if (!row.contains(document.activeElement)) return;
    var neighbour = row.nextElementSibling || row.previousElementSibling;
    refocus = {
      id: row.id,
      to: (neighbour && neighbour.querySelector("[data-inbox-link]")) ||
        document.getElementById("inbox-read-all"),
    };
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!refocus) return;
    var gone = !document.getElementById(refocus.id);
    if (gone && refocus.to && document.body.contains(refocus.to)) refocus.to.focus();
    refocus = null;
  });

  document.addEventListener("DOMContentLoaded", offerTimeZone);
})();
