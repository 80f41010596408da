/* The planner page: pick montage places or click the map, plan with POST /api/v1/routes, draw the result,
   and offer GPX, the share link and the embed code. All text goes into the DOM with textContent. */
(function () {
  "use strict";
  var M = window.filmtourMap, t = M.t, map, routeLayer = null, placesLayer = null, conesLayer = null, customPoints = [];

  function $(id) { return document.getElementById(id); }

  function addCustomPoint(latlng) {
    var idx = customPoints.length;
    var marker = L.marker(latlng, { icon: M.pin(idx === 0 ? "S" : "+", "ft-stop ft-start"), title: t("Point {n}", { n: idx + 1 }) }).addTo(map);
    // 3 decimals (~100 m): a clicked start may be someone's home; the server keeps no more either.
    customPoints.push({ lat: +latlng.lat.toFixed(3), lon: +latlng.lng.toFixed(3), marker: marker });
    var where = latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5);
    var li = M.el("li", null, t(idx === 0 ? "Start: {point}" : "Point: {point}", { point: where }) + " ");
    var remove = M.el("button", "ft-remove", t("remove"));
    remove.type = "button";
    remove.addEventListener("click", function () {
      map.removeLayer(marker);
      customPoints = customPoints.filter(function (p) { return p.marker !== marker; });
      li.remove();
    });
    li.appendChild(remove);
    $("ft-custom-points").appendChild(li);
  }

  function loadFilms() {
    return fetch("/api/v1/films").then(function (r) { return r.json(); }).then(function (body) {
      var select = $("ft-film-filter");
      body.films.forEach(function (f) {
        var o = M.el("option", null, f.title + " (" + f.year + ")");
        o.value = f.id;
        select.appendChild(o);
      });
      select.addEventListener("change", function () { loadPlaces(select.value); });
    });
  }

  // The visitable places (of one film, or all), as checkboxes and clustered markers.
  function loadPlaces(film) {
    var url = "/api/v1/locations?visitable=public,view_from_street&limit=500" + (film ? "&film=" + encodeURIComponent(film) : "");
    return fetch(url).then(function (r) { return r.json(); })
      .then(function (fc) {
        var list = $("ft-stop-list");
        list.textContent = "";
        if (placesLayer) map.removeLayer(placesLayer);
        placesLayer = M.placesLayer().addTo(map);
        if (conesLayer) map.removeLayer(conesLayer);
        conesLayer = L.layerGroup().addTo(map);  // where to stand: not clustered, drawn under the markers
        fc.features.forEach(function (f) {
          var p = f.properties;
          var label = M.el("label", "ft-stop-choice");
          var box = M.el("input");
          box.type = "checkbox"; box.name = "stop"; box.value = p.id;
          box.checked = film ? false : p.scene_order !== null;
          label.appendChild(box);
          label.appendChild(document.createTextNode(" " + (p.scene_order ? p.scene_order + ". " : "") + p.name));
          list.appendChild(label);
          placesLayer.addLayer(M.placeMarker(f));
          (p.appearances || []).forEach(function (ap) {
            if (ap.viewpoint && ap.viewpoint.cone && (!film || ap.film === film)) M.viewCone(conesLayer, ap.viewpoint);
          });
        });
        map.getContainer().setAttribute("data-ft-places", String(fc.features.length));
      });
  }

  function requestBody(form) {
    var data = new FormData(form), body = { activity: data.get("activity"), order: data.get("order") };
    var pace = parseFloat(data.get("pace_min_per_km"));
    if (!isNaN(pace)) body.pace_min_per_km = pace;
    if (data.get("start_at_dawn")) body.start_at_dawn = data.get("start_at_dawn");
    if (data.get("return_to_start")) body.return_to_start = true;
    if (data.get("workout")) body.workout = { level: data.get("workout") };
    if (data.get("step_free")) body.step_free = true;
    body.language = document.documentElement.lang || "en";
    var ids = data.getAll("stop");
    var points = customPoints.map(function (p, i) { return { lat: p.lat, lon: p.lon, name: i === 0 ? t("Start") : t("Point {n}", { n: i + 1 }) }; });
    var loop = parseFloat(data.get("loop_km"));
    if (!isNaN(loop)) {
      body.loop_km = loop;
      body.start = points[0] || { lat: 39.9526, lon: -75.1635, name: "City Hall" };
      body.stops = ids;
    } else {
      body.stops = points.slice(0, 1).concat(ids, points.slice(1));
    }
    return body;
  }

  function showError(problem) {
    var p = $("ft-plan-error");
    p.textContent = (problem.title || t("Error")) + ": " + (problem.detail || "") + (problem.field ? " (" + problem.field + ")" : "");
    p.hidden = false;
  }

  function showResult(fc) {
    $("ft-plan-error").hidden = true;
    if (routeLayer) map.removeLayer(routeLayer);
    // The route's own numbered stops replace the film-order place markers, so one numbering shows at a time.
    if (placesLayer && map.hasLayer(placesLayer)) map.removeLayer(placesLayer);
    routeLayer = L.layerGroup().addTo(map);
    var line = M.drawRoute(routeLayer, fc).line;
    // Keep the route clear of the planner panel (right side on desktop, bottom sheet on phones).
    var wide = window.innerWidth > 600;
    map.fitBounds(line.getBounds(), { paddingTopLeft: [20, 20],
                                      paddingBottomRight: wide ? [370, 20] : [20, Math.round(window.innerHeight * 0.55)] });
    var props = fc.properties, base = window.location.origin;
    $("ft-summary").textContent = t("{activity} of {distance}, about {duration} at {pace}", {
        activity: props.activity === "run" ? t("Run") : t("Walk"), distance: M.fmtDistance(props.distance_m),
        duration: M.fmtDuration(props.duration_s), pace: M.fmtPace(props.pace_min_per_km) }) +
      (props.dawn ? "; " + t("civil dawn {time}", { time: M.fmtClock(props.dawn.civil_dawn) }) : "") +
      ((fc.skipped || []).length ? ". " + t("Skipped: {names}", { names: fc.skipped.map(function (s) { return s.name; }).join(", ") }) : "") +
      (props.workout ? ". " + M.workoutLabel(props.workout) + ": " + M.workoutLine(props.workout) : "") +
      (props.song_cue ? ". " + M.songLine(props.song_cue) : "");
    $("ft-result-title").textContent = props.title || t("Your route");
    M.keepDeleteToken(fc.id, fc.delete_token);
    $("ft-delete-route").hidden = !M.deleteToken(fc.id);
    $("ft-delete-route").setAttribute("data-ft-id", fc.id);
    $("ft-delete-route").removeAttribute("data-ft-armed");
    $("ft-delete-route").textContent = t("Delete this route");
    $("ft-delete-status").textContent = "";
    var api = "/api/v1/routes/" + fc.id;
    $("ft-gpx").href = api + "?format=gpx";
    $("ft-kml").href = api + "?format=kml";
    $("ft-map-link").href = "/routes/" + fc.id + "/map";
    $("ft-run-link").href = "/routes/" + fc.id + "/run";
    $("ft-share").value = base + "/routes/" + fc.id + "/map";
    // The embed code comes from oEmbed, so the planner, the route page and oEmbed share one snippet.
    fetch("/oembed?" + new URLSearchParams({ url: base + "/routes/" + fc.id + "/map", format: "json" }))
      .then(function (r) { return r.json(); }).then(function (o) { $("ft-embed").value = o.html || ""; });
    $("ft-result").hidden = false;
    $("ft-result-title").focus();  // keyboard and screen-reader users land on the result
    map.getContainer().setAttribute("data-ft-route", fc.id);
    fetch(api + "?format=txt").then(function (r) { return r.text(); }).then(function (t) { $("ft-cues").textContent = t; });
  }

  function post(body, button) {
    button.disabled = true;
    return fetch("/api/v1/routes", { method: "POST", headers: { "Content-Type": "application/json" },
                                     body: JSON.stringify(body) })
      .then(function (r) { return r.json().then(function (b) { return { ok: r.ok, body: b }; }); })
      .then(function (res) { if (res.ok) showResult(res.body); else showError(res.body); })
      .catch(function (e) { showError({ title: t("Network error"), detail: String(e) }); })
      .then(function () { button.disabled = false; });
  }

  function plan(ev) {
    ev.preventDefault();
    post(requestBody(ev.target), $("ft-plan-button"));
  }

  // First steps: from a typed address, else the first point clicked on the map, else the device's location.
  function firstSteps(ev) {
    ev.preventDefault();
    var data = new FormData(ev.target), button = $("ft-first-button");
    var body = { first_steps: { km: parseInt(data.get("km"), 10), shape: data.get("shape") },
                 language: document.documentElement.lang || "en" };
    // A suggestion picked from the list is a point already; typed text is geocoded by the server.
    var picked = window.filmtourAddress && window.filmtourAddress.chosen();
    if (picked) {
      body.start = { lat: +picked.lat.toFixed(6), lon: +picked.lon.toFixed(6), name: t("Start") };
      post(body, button);
      return;
    }
    var address = String(data.get("address") || "").trim();
    if (address) { body.start = { address: address }; post(body, button); return; }
    if (customPoints.length) {
      body.start = { lat: customPoints[0].lat, lon: customPoints[0].lon, name: t("Start") };
      post(body, button);
      return;
    }
    if (!navigator.geolocation) {
      showError({ title: t("No start"), detail: t("type an address or click the map where you start"), field: "start" });
      return;
    }
    navigator.geolocation.getCurrentPosition(function (pos) {
      // The device's position leaves this browser rounded to ~100 m (the server rounds it so as well).
      body.start = { lat: +pos.coords.latitude.toFixed(3), lon: +pos.coords.longitude.toFixed(3), name: t("Start") };
      post(body, button);
    }, function () {
      showError({ title: t("No start"), detail: t("type an address or click the map where you start"), field: "start" });
    }, { timeout: 10000 });
  }

  function init() {
    map = M.map;
    map.on("click", function (e) { addCustomPoint(e.latlng); });
    $("ft-plan-form").addEventListener("submit", plan);
    $("ft-first-form").addEventListener("submit", firstSteps);
    $("ft-copy-share").addEventListener("click", function () { M.copyField($("ft-share")); });
    $("ft-copy-embed2").addEventListener("click", function () { M.copyField($("ft-embed")); });
    $("ft-delete-route").addEventListener("click", function () {
      var button = $("ft-delete-route"), id = button.getAttribute("data-ft-id");
      if (M.armDelete(button)) return;  // the first click asks, the second deletes
      M.deleteRoute(id).then(function (done) {
        $("ft-delete-status").textContent = done ? t("Route deleted") : t("Could not delete the route");
        if (done) { button.hidden = true; map.getContainer().setAttribute("data-ft-deleted", id); }
      });
    });
    Promise.all([loadFilms(), loadPlaces("")]).then(function () { map.getContainer().setAttribute("data-ft-ready", "1"); });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
