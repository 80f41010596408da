/* Route page: the "copy embed code" button. */
(function () {
  "use strict";
  function copy(text, button) {
    var done = function () { button.textContent = "Copied"; setTimeout(function () { button.textContent = "Copy embed code"; }, 1500); };
    if (navigator.clipboard && window.isSecureContext) { navigator.clipboard.writeText(text).then(done, function () {}); return; }
    var area = document.getElementById("ft-embed-code");
    area.select();
    try { document.execCommand("copy"); done(); } catch (e) { /* the text stays selected for the reader */ }
  }
  function init() {
    var button = document.getElementById("ft-copy-embed");
    if (!button) return;
    button.addEventListener("click", function () { copy(document.getElementById("ft-embed-code").value, button); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
