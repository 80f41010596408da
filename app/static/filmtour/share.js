/* Route page: the "copy embed code" button (the copying itself is map.js's copyField), and "Delete this route"
   for the browser that saved it (its delete token is in localStorage: map.js keepDeleteToken). */
(function () {
  "use strict";
  function initDelete() {
    var box = document.getElementById("ft-delete"), M = window.filmtourMap;
    if (!box) return;
    var id = box.getAttribute("data-route");
    if (!M.deleteToken(id)) return;
    box.hidden = false;
    document.getElementById("ft-delete-route").addEventListener("click", function () {
      if (M.armDelete(document.getElementById("ft-delete-route"))) return;  // the first click asks
      M.deleteRoute(id).then(function (done) {
        document.getElementById("ft-delete-status").textContent = done ? M.t("Route deleted") : M.t("Could not delete the route");
        if (done) document.getElementById("ft-delete-route").hidden = true;
      });
    });
  }
  function init() {
    initDelete();
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
