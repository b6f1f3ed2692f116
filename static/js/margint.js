/* Margint: small page behaviours, each optional (the pages work without JavaScript).
 * - "Copy" buttons (data-copy="#selector") for secrets shown once; hidden without JavaScript,
 *   where the text can still be selected by hand.
 * - On a phone the main navigation folds behind a "Menu" button (without JavaScript it stays a row
 *   that scrolls sideways, and the current page's link is brought into view).
 * - A form marked .busy-form submitted without htmx (plain POST) shows it is working: its button is
 *   disabled with a spinner until the next page arrives (htmx does the same with hx-disabled-elt). */
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

  // A form whose select carries data-scope-select shows only the blocks whose data-scopes name
  // the chosen value (the server renders the same choice, so nothing jumps on load); the inputs of
  // the other blocks are disabled, so what is hidden is not sent either.
  function showScopeFields(select) {
    var form = select.form;
    if (!form) return;
    form.querySelectorAll("[data-scopes]").forEach(function (block) {
      var off = block.getAttribute("data-scopes").split(" ").indexOf(select.value) < 0;
      block.classList.toggle("scope-off", off);
      block.querySelectorAll("input, select").forEach(function (input) { input.disabled = off; });
    });
  }

  function initScopeSelects(root) {
    if (!root.querySelectorAll) return;
    root.querySelectorAll("select[data-scope-select]").forEach(showScopeFields);
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-scope-select]")) showScopeFields(event.target);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("busy-form") || form.hasAttribute("hx-post") && window.htmx) return;
    form.classList.add("is-busy");
    // Disabled after the submit has collected the form's fields, so the POST still carries them.
    setTimeout(function () { form.querySelectorAll("button").forEach(function (b) { b.disabled = true; }); }, 0);
  });

  document.addEventListener("DOMContentLoaded", function () {
    initScopeSelects(document);
    revealCopyButtons(document);
    showCurrentNavLink();
  });
  window.addEventListener("resize", showCurrentNavLink);
  document.addEventListener("htmx:load", function (event) {
    revealCopyButtons(event.target);
    initScopeSelects(event.target);
  });
})();
