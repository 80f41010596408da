/* Route page: the "copy embed code" button (the copying itself is map.js's copyField). */
(function () {
  "use strict";
  function init() {
    var button = document.getElementById("ft-copy-embed");
    if (!button) return;
    button.addEventListener("click", function () {
      window.filmtourMap.copyField(document.getElementById("ft-embed-code"), function () {
        button.textContent = window.filmtourMap.t("Copied");
        setTimeout(function () { button.textContent = window.filmtourMap.t("Copy embed code"); }, 1500);
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
