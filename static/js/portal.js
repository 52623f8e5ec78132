// Site-wide, and loaded first (no defer): marks the page as scripted before it paints, so
// narrow screens start with the menu folded; without JavaScript it is simply shown.
// The "Menu" button folds and unfolds it (Escape folds it and returns focus to the button).
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function toggle() { return document.querySelector(".menu-toggle"); }
  function menu() { return document.getElementById("site-menu"); }
  function setOpen(open) {
    var button = toggle(), box = menu();
    if (!button || !box) return;
    button.setAttribute("aria-expanded", open ? "true" : "false");
    box.classList.toggle("open", open);
  }

  document.addEventListener("click", function (e) {
    var button = e.target && e.target.closest && e.target.closest(".menu-toggle");
    if (button) setOpen(button.getAttribute("aria-expanded") !== "true");
  });
  document.addEventListener("keydown", function (e) {
    var button = toggle();
    if (e.key === "Escape" && button && button.getAttribute("aria-expanded") === "true") {
      setOpen(false);
      button.focus();
    }
  });
})();
