/* Margint: small page behaviours, each optional (the pages work without JavaScript).
 * - "Copy" buttons (data-copy="#selector") for secrets shown once; hidden without JavaScript,
 *   where the text can still be selected by hand.
 * - On a phone the main navigation folds behind a "Menu" button (without JavaScript it stays a row
 *   that scrolls sideways, and the current page's link is brought into view). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest("button.nav-toggle");
    if (!toggle) return;
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (nav) nav.classList.toggle("open", open);
  });

  function revealCopyButtons(root) {
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

  function showCurrentNavLink() {
    var nav = document.querySelector("nav.nav");
    var current = nav && nav.querySelector('[aria-current="page"]');
    if (!current || nav.scrollWidth <= nav.clientWidth) return;
    nav.scrollLeft = current.offsetLeft - nav.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2;
  }

  document.addEventListener("DOMContentLoaded", function () {
    revealCopyButtons(document);
    showCurrentNavLink();
  });
  window.addEventListener("resize", showCurrentNavLink);
  document.addEventListener("htmx:load", function (event) { revealCopyButtons(event.target); });
})();
