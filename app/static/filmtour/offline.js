/* "Save for offline" on a tour or route page: the page asks the server which URLs its offline copy needs
   (GET <api>/offline-manifest: the page, its route as JSON, GPX and cue sheet, scripts and styles, and the
   basemap tiles z12-16 of the route's corridor), stores each in one Cache Storage cache for this page, and
   registers the service worker (the box's data-sw: /sw.js, or <base>/sw.js in a static export under a sub-path,
   with the scope of its directory) that answers from it when the network is gone. "Remove offline copy"
   deletes that cache. Nothing is stored for a page until its button is pressed. */
(function () {
  "use strict";
  var PREFIX = "filmtour-offline:";
  // The page's language (map.js's table); English where the page has no map script.
  function t(msg, vars) { return window.filmtourMap ? window.filmtourMap.t(msg, vars) : msg; }
  var PARALLEL = 6;

  function kb(bytes) { return bytes >= 1048576 ? (bytes / 1048576).toFixed(1) + " MB" : Math.round(bytes / 1024) + " KB"; }

  function start() {
    var box = document.getElementById("ft-offline");
    if (!box || !("serviceWorker" in navigator) || !window.caches) return;
    var save = document.getElementById("ft-offline-save");
    var remove = document.getElementById("ft-offline-remove");
    var status = document.getElementById("ft-offline-status");
    var name = PREFIX + window.location.pathname;
    var sw = new URL(box.getAttribute("data-sw") || "/sw.js", window.location.href);
    var base = new URL("./", sw).pathname;  // the site's root: "/", or "/atlas/" for an export there
    var metaKey = name;
    box.hidden = false;

    function say(text) { status.textContent = text; }

    function showSaved(meta) {
      save.textContent = t("Update offline copy");
      remove.hidden = false;
      box.setAttribute("data-ft-offline", "saved");
      box.setAttribute("data-ft-offline-bytes", String(meta.bytes));
      box.setAttribute("data-ft-offline-files", String(meta.files));
      box.setAttribute("data-ft-offline-tiles", String(meta.tiles));
      say(t("Saved for offline: {size} ({files} files, {tiles} map tiles).",
            { size: kb(meta.bytes), files: meta.files, tiles: meta.tiles }));
    }

    function showUnsaved(text) {
      save.textContent = t("Save for offline");
      remove.hidden = true;
      box.setAttribute("data-ft-offline", "none");
      say(text || "");
    }

    function readMeta() {
      try { return JSON.parse(window.localStorage.getItem(metaKey) || "null"); } catch (e) { return null; }
    }

    // The same-origin files the page really loaded (e.g. the images its stylesheets name), besides the list.
    function loadedHere() {
      return performance.getEntriesByType("resource").map(function (e) { return e.name; }).filter(function (u) {
        var url = new URL(u);
        return url.origin === window.location.origin && url.pathname.indexOf(base + "static/") === 0;
      });
    }

    function store(cache, urls, progress) {
      var next = 0, done = 0, bytes = 0;
      function one() {
        if (next >= urls.length) return Promise.resolve();
        var url = urls[next++];
        return fetch(url, { credentials: "same-origin" }).then(function (resp) {
          if (!resp.ok && resp.status !== 204) throw new Error(url + ": HTTP " + resp.status);
          return resp.clone().blob().then(function (blob) {
            bytes += blob.size;
            return cache.put(url, resp);
          });
        }).then(function () { done += 1; progress(done, bytes); return one(); });
      }
      var workers = [];
      for (var i = 0; i < PARALLEL; i++) workers.push(one());
      return Promise.all(workers).then(function () { return bytes; });
    }

    function saveAll() {
      save.disabled = true;
      box.setAttribute("data-ft-offline", "saving");
      say(t("Preparing the offline copy\u2026"));
      var pack;
      navigator.serviceWorker.register(sw.pathname, { scope: base }).then(function () {
        return fetch(box.getAttribute("data-manifest"), { headers: { Accept: "application/json" } });
      }).then(function (resp) {
        if (!resp.ok) throw new Error("offline list: HTTP " + resp.status);
        return resp.json();
      }).then(function (p) {
        pack = p;
        var seen = {}, urls = [window.location.pathname + window.location.search].concat(p.urls, loadedHere());
        urls = urls.filter(function (u) { var k = new URL(u, window.location.href).href; if (seen[k]) return false; seen[k] = 1; return true; });
        return caches.delete(name).then(function () { return caches.open(name); }).then(function (cache) {
          return store(cache, urls, function (done, bytes) {
            say(t("Saving for offline\u2026 {done} of {total} files, {size}", { done: done, total: urls.length, size: kb(bytes) }));
            box.setAttribute("data-ft-offline-progress", done + "/" + urls.length);
          }).then(function (bytes) { return { bytes: bytes, files: urls.length }; });
        });
      }).then(function (r) {
        var meta = { bytes: r.bytes, files: r.files, tiles: pack.tiles, saved_at: new Date().toISOString() };
        window.localStorage.setItem(metaKey, JSON.stringify(meta));
        return navigator.serviceWorker.ready.then(function () { showSaved(meta); });
      }).catch(function (err) {
        caches.delete(name);
        showUnsaved(t("Could not save for offline: {error}", { error: err.message }));
      }).then(function () { save.disabled = false; });
    }

    // With no saved page left, the service worker goes too (it would only pass requests through).
    function unregisterIfUnused() {
      return caches.keys().then(function (keys) {
        if (keys.some(function (k) { return k.indexOf(PREFIX) === 0; })) return;
        return navigator.serviceWorker.getRegistrations().then(function (regs) {
          return Promise.all(regs.map(function (r) { return r.unregister(); }));
        });
      });
    }

    function removeAll() {
      caches.delete(name).then(unregisterIfUnused).then(function () {
        window.localStorage.removeItem(metaKey);
        showUnsaved(t("The offline copy was removed."));
        remove.hidden = true;
        save.focus();
      });
    }

    save.addEventListener("click", saveAll);
    remove.addEventListener("click", removeAll);
    caches.has(name).then(function (has) {
      var meta = readMeta();
      if (has && meta) showSaved(meta); else showUnsaved();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
