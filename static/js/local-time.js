/* Margint: show <time data-local> elements in the viewer's locale and time zone.
 * The server writes UTC text ("2026-04-05 10:00 UTC"); without this script that text stays,
 * and with it the same instant reads the way the viewer is used to. Runs on page load and on
 * every fragment htmx swaps in. */
(function () {
  "use strict";
  var formats = {
    datetime: new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }),
    // A date has no time of day: format it in UTC so it never shifts to the day before.
    date: new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" })
  };

  function localize(root) {
    var nodes = root.querySelectorAll ? Array.prototype.slice.call(root.querySelectorAll("time[data-local]")) : [];
    if (root.matches && root.matches("time[data-local]")) nodes.push(root);
    nodes.forEach(function (el) {
      var format = formats[el.getAttribute("data-local")];
      var when = new Date(el.getAttribute("datetime"));
      if (!format || isNaN(when.getTime())) return;
      if (!el.title) el.title = el.textContent.trim();
      el.textContent = format.format(when);
      el.removeAttribute("data-local");
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { localize(document); });
  } else {
    localize(document);
  }
  document.addEventListener("htmx:load", function (event) { localize(event.target); });
})();
