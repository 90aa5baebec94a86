// Dialogs that no page carries until they are needed (the keyboard shortcuts, quick create,
// the command palette): TandemDialogs.load(id, url) resolves to the element with that id, from
// the page if it is there, else fetched once from url (the server renders the dialog's partial)
// and added at the end of <body>. Later openings reuse it. Used by keyboard.js and palette.js.
(function () {
  "use strict";

  var pending = {};

  function load(id, url) {
    var found = document.getElementById(id);
    if (found) return Promise.resolve(found);
    if (!url || !window.fetch) return Promise.resolve(null);
    if (!pending[url]) {
      pending[url] = window.fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (!html) return;
          var holder = document.createElement("div");
          holder.className = "dialogs";
          holder.innerHTML = html;
          document.body.appendChild(holder);
          if (window.htmx) window.htmx.process(holder);
        })
        .catch(function () {})
        .then(function () { delete pending[url]; });
    }
    return pending[url].then(function () { return document.getElementById(id); });
  }

  window.TandemDialogs = { load: load };
})();
