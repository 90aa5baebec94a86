// Insights: hover details for the charts. The charts are complete without it: each hover area
// carries an SVG <title> (the browser's own tooltip) and every number is in a table. With it,
// the same text shows at once, next to the pointer.
(function () {
  "use strict";

  var tip = null;

  // Move each <title> into its group's data-tip, so that the browser's tooltip does not show
  // on top of this one.
  function adopt(root) {
    (root || document).querySelectorAll("[data-chart] title").forEach(function (title) {
      var host = title.parentElement.closest(".chart-group") || title.parentElement;
      host.setAttribute("data-tip", title.textContent);
      title.remove();
    });
  }

  function show(target, event) {
    if (!tip) {
      tip = document.createElement("div");
      tip.className = "chart-tip";
      tip.setAttribute("aria-hidden", "true");
      tip.hidden = true;
      document.body.appendChild(tip);
    }
    tip.textContent = target.getAttribute("data-tip");
    tip.hidden = false;
    var x = event.clientX + 12;
    var width = tip.offsetWidth;
    if (x + width > window.innerWidth - 8) x = Math.max(8, event.clientX - width - 12);
    tip.style.left = x + "px"; // through the CSSOM, which the CSP allows (no style attribute)
    tip.style.top = event.clientY + 14 + "px";
  }

  function hide() {
    if (tip) tip.hidden = true;
  }

  document.addEventListener("DOMContentLoaded", function () { adopt(document); });
  document.addEventListener("htmx:afterSettle", function (event) { adopt(event.target); });
  document.addEventListener("htmx:beforeSwap", hide);
  document.addEventListener("mouseleave", hide);
  document.addEventListener("mousemove", function (event) {
    var target = event.target.closest && event.target.closest("[data-chart] [data-tip]");
    if (target) show(target, event);
    else hide();
  });
})();
