/* filmtour service worker (served at /sw.js, scope /; in a static export under a sub-path, at <base>/sw.js with
   scope <base>/, so every path below is taken relative to the worker's own directory). It answers only from the caches that a person filled
   with "Save for offline" (offline.js: one cache per saved page, named "filmtour-offline:<page path>"):
   - a page, the route's JSON, GPX and cue sheet go to the network first and fall back to the saved copy when
     the network fails;
   - a versioned file (scripts, styles, tiles: ?v= or /static/) that a saved pack holds is answered from it;
   - a basemap tile outside the saved corridor, when the network fails, is answered "no content" (204), so
     the map draws what it has;
   - everything else, and everything while nothing is saved, passes through to the network untouched. The
     worker itself stores nothing. */
"use strict";

var PREFIX = "filmtour-offline:";
var BASE = new URL("./", self.location.href).pathname;  // "/" from the service, "/atlas/" under a sub-path

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

function savedCaches() {
  return caches.keys().then(function (keys) {
    return keys.filter(function (k) { return k.indexOf(PREFIX) === 0; });
  });
}

function fromPacks(names, request) {
  return names.reduce(function (found, name) {
    return found.then(function (hit) {
      return hit || caches.open(name).then(function (cache) { return cache.match(request, { ignoreVary: true }); });
    });
  }, Promise.resolve(undefined));
}

function answer(request) {
  return savedCaches().then(function (names) {
    if (!names.length) return fetch(request);
    var url = new URL(request.url);
    // Versioned files (?v=, /static/) never change: the saved copy is as good as the network's. The rest
    // (pages, the route's JSON, GPX, cue sheet) goes to the network first, so a saved copy is never stale online.
    if (request.mode === "navigate" || !(url.searchParams.has("v") || url.pathname.indexOf(BASE + "static/") === 0)) {
      return fetch(request).catch(function (err) {
        return fromPacks(names, request).then(function (hit) { if (hit) return hit; throw err; });
      });
    }
    return fromPacks(names, request).then(function (hit) {
      if (hit) return hit;
      return fetch(request).catch(function (err) {
        if (url.pathname.indexOf(BASE + "tiles/") === 0) return new Response(null, { status: 204 });
        throw err;
      });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET" || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(answer(request));
});
