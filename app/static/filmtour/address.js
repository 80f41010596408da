/* The planner's start address: suggestions as you type from GET /api/v1/geocode (found offline), as an ARIA 1.2
   combobox with list autocomplete (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/): the input keeps the
   focus, Down/Up move through the options (aria-activedescendant), Enter picks one, Escape closes the list (or
   clears the text when it is closed), Alt+Down opens it; a polite live region says how many suggestions there
   are. Requests wait for a 250 ms pause in typing and an older request is aborted by a newer one. All text goes
   into the DOM with textContent. window.filmtourAddress.chosen() gives the picked candidate while the text
   still shows it. */
(function () {
  "use strict";
  var DELAY_MS = 250, MIN_CHARS = 3, LIMIT = 6;
  var KINDS = { address: "Address", intersection: "Cross streets", landmark: "Landmark", place: "Film place",
                street: "Street" };
  var input, list, status, timer = null, pending = null, options = [], active = -1, chosen = null;

  function t(msg, vars) { return window.filmtourMap ? window.filmtourMap.t(msg, vars) : msg; }

  function setActive(i) {
    options.forEach(function (o, j) { o.node.setAttribute("aria-selected", j === i ? "true" : "false"); });
    active = i;
    if (i >= 0) {
      input.setAttribute("aria-activedescendant", options[i].node.id);
      options[i].node.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function open(show) {
    list.hidden = !show;
    input.setAttribute("aria-expanded", show ? "true" : "false");
    if (!show) setActive(-1);
  }

  function pick(i) {
    var o = options[i];
    if (!o) return;
    chosen = o.candidate;
    input.value = o.candidate.label;
    open(false);
    status.textContent = t("Start: {point}", { point: o.candidate.label });
  }

  function render(features) {
    list.textContent = "";
    options = features.map(function (f, i) {
      var p = f.properties, node = document.createElement("li");
      node.id = "ft-address-option-" + i;
      node.setAttribute("role", "option");
      node.setAttribute("aria-selected", "false");
      node.className = "ft-option";
      var label = document.createElement("span");
      label.textContent = p.label;
      var kind = document.createElement("span");
      kind.className = "ft-option-kind";
      kind.textContent = t(KINDS[p.kind] || "Address");
      node.appendChild(label);
      node.appendChild(document.createTextNode(" "));
      node.appendChild(kind);
      // mousedown, not click: the input keeps the focus (a click would blur it first).
      node.addEventListener("mousedown", function (ev) { ev.preventDefault(); pick(i); });
      list.appendChild(node);
      var c = f.geometry.coordinates;
      return { node: node, candidate: { label: p.label, kind: p.kind, lon: c[0], lat: c[1] } };
    });
    setActive(-1);
    open(options.length > 0);
    status.textContent = options.length
      ? t("{n} suggestions: use the up and down arrow keys", { n: options.length })
      : t("No match in Philadelphia");
  }

  function lookUp() {
    var q = input.value.trim();
    if (pending) pending.abort();
    if (q.length < MIN_CHARS) { open(false); list.textContent = ""; options = []; return; }
    pending = new AbortController();
    fetch("/api/v1/geocode?" + new URLSearchParams({ q: q, limit: String(LIMIT) }), { signal: pending.signal })
      .then(function (r) { return r.ok ? r.json() : { features: [] }; })
      .then(function (fc) { if (input.value.trim() === q) render(fc.features || []); })
      .catch(function (e) { if (e.name !== "AbortError") { open(false); } });
  }

  function onInput() {
    chosen = null;  // the text changed: a picked candidate no longer applies
    clearTimeout(timer);
    timer = setTimeout(lookUp, DELAY_MS);
  }

  function onKey(ev) {
    var expanded = !list.hidden && options.length > 0;
    if (ev.key === "ArrowDown") {
      ev.preventDefault();
      if (!options.length) { lookUp(); return; }
      if (!expanded) open(true);
      if (!ev.altKey) setActive(active + 1 < options.length ? active + 1 : 0);
    } else if (ev.key === "ArrowUp") {
      if (!expanded) return;
      ev.preventDefault();
      setActive(active > 0 ? active - 1 : options.length - 1);
    } else if (ev.key === "Enter") {
      if (expanded && active >= 0) { ev.preventDefault(); pick(active); }  // else the form submits
    } else if (ev.key === "Escape") {
      if (expanded) { ev.preventDefault(); open(false); }
      else if (input.value) { ev.preventDefault(); input.value = ""; chosen = null; }
    }
  }

  function init() {
    input = document.getElementById("ft-address");
    list = document.getElementById("ft-address-options");
    status = document.getElementById("ft-address-status");
    if (!input || !list || !status) return;
    input.addEventListener("input", onInput);
    input.addEventListener("keydown", onKey);
    input.addEventListener("blur", function () { open(false); });
  }

  window.filmtourAddress = {
    // The picked candidate while the field still shows its label, else null (typed text is geocoded on submit).
    chosen: function () { return chosen && input && input.value === chosen.label ? chosen : null; }
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
