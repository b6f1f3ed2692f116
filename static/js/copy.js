/* Margint: "Copy" buttons (data-copy="#selector") for secrets shown once. Hidden without JavaScript,
 * where the text can still be selected by hand. */
(function () {
  "use strict";
  function reveal(root) {
    if (!root.querySelectorAll || !navigator.clipboard) return;
    root.querySelectorAll("button[data-copy]").forEach(function (button) { button.hidden = false; });
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button[data-copy]");
    if (!button) return;
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source) return;
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      button.textContent = "Copied";
    });
  });
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:load", function (event) { reveal(event.target); });
})();
