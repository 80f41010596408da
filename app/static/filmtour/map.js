/* filmtour map layers. The page's data arrives as JSON in <script type="application/json" id="ft-data">;
   every text is put into the DOM with textContent, never parsed as HTML, so dataset or user text is inert. */
(function () {
  "use strict";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  // The interface's strings in the page's language (the config block's i18n table; English is the key), with
  // {name} placeholders filled in.
  var I18N = {}, LANG = "en";
  function t(msg, vars) {
    var out = Object.prototype.hasOwnProperty.call(I18N, msg) ? I18N[msg] : msg;
    return out.replace(/\{(\w+)\}/g, function (m, k) { return vars && k in vars ? String(vars[k]) : m; });
  }
  // Dataset text is English: marked as such on a page in another language.
  function english(node) {
    if (LANG !== "en") node.lang = "en";
    return node;
  }

  // A dataset text in the page's language if the dataset has it (its `translations`), else the English one.
  function local(obj, field) {
    var tr = obj.translations && obj.translations[LANG];
    return tr && tr[field] ? { text: tr[field], translated: true } : { text: obj[field], translated: false };
  }
  function localNode(tag, obj, field) {
    var x = local(obj, field), node = el(tag, null, x.text);
    return x.translated ? node : english(node);
  }

  // A labelled value; with `obj`, the value is obj's dataset field `value` (translated where the dataset is).
  function row(parent, label, value, obj) {
    var translated = false;
    if (obj) { var x = local(obj, value); value = x.text; translated = x.translated; }
    if (value === undefined || value === null || value === "") return;
    var p = el("p", "ft-row");
    p.appendChild(el("strong", null, label + ": "));
    var v = el("span", null, value);
    if (obj && !translated) english(v);
    p.appendChild(v);
    parent.appendChild(p);
  }

  var VISIT_TEXT = {
    public: "Open to the public",
    view_from_street: "View from the street (private property)",
    gone: "Gone: the filming site no longer exists",
    not_in_philadelphia: "Not in Philadelphia: filmed elsewhere"
  };

  function fmtDuration(s) {
    s = Math.round(s || 0);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    var mm = (h ? String(m).padStart(2, "0") : String(m)), ss = String(sec).padStart(2, "0");
    return h ? h + ":" + mm + ":" + ss : mm + ":" + ss;
  }
  function fmtDistance(m) { return m >= 1000 ? (m / 1000).toFixed(2) + " km" : Math.round(m) + " m"; }
  function fmtClock(iso) { return iso ? iso.substring(11, 16) : ""; }
  function fmtPace(p) {
    if (!p) return "";
    var whole = Math.floor(p), sec = Math.round((p - whole) * 60);
    return whole + ":" + String(sec).padStart(2, "0") + " min/km";
  }

  function pin(label, cls) {
    var inner = el("span", "ft-pin-label", label);
    return L.divIcon({ className: "ft-pin " + cls, html: inner, iconSize: [30, 30], iconAnchor: [15, 15],
                       popupAnchor: [0, -14] });
  }

  var FILMED_TEXT = {
    shot_here: "shot here",
    exterior_only: "exteriors shot here",
    set_here_shot_elsewhere: "set here, shot elsewhere",
    disputed: "disputed"
  };

  // Where to stand for the shot (a viewpoint: camera point, bearing, compass word, view cone from the server).
  function faceText(vp) { return t("Stand here, face {dir}", { dir: t(vp.compass) }); }
  function viewRow(parent, vp) {
    if (!vp) return;
    var p = el("p", "ft-row ft-viewpoint");
    p.appendChild(el("strong", null, t("Where to stand") + ": "));
    p.appendChild(document.createTextNode(faceText(vp) + " (" + Math.round(vp.bearing_deg) + "\u00b0). "));
    p.appendChild(english(el("span", null, vp.note)));
    p.appendChild(document.createTextNode(" (" + t("Confidence") + ": " + t(vp.confidence) + ")"));
    parent.appendChild(p);
  }
  // The view cone and the camera point, added to `target`; both say "Stand here, face SW" on hover and focus.
  function viewCone(target, vp) {
    var text = faceText(vp);
    L.polygon(vp.cone.map(function (c) { return [c[1], c[0]]; }),
              { className: "ft-view-cone", color: "#6a1b9a", weight: 1, fillOpacity: 0.3, interactive: true })
      .bindTooltip(text).addTo(target);
    L.circleMarker([vp.coordinates[1], vp.coordinates[0]],
                   { className: "ft-view-camera", radius: 4, color: "#6a1b9a", weight: 2, fillOpacity: 1 })
      .bindTooltip(text).addTo(target);
  }

  function filmName(a) { return a.film_title ? a.film_title + (a.film_year ? " (" + a.film_year + ")" : "") : a.film; }
  function filmsOf(p) { return (p.appearances || []).map(filmName); }

  // The place's own page (the feature's "page" link), if it has one.
  function pageOf(f) {
    var link = (f.links || []).filter(function (l) { return l.rel === "page"; })[0];
    return link ? link.href : null;
  }

  // Every appearance of the place, one per film, the most famous first; a link to its page if given.
  function locationPopup(p, page) {
    var box = el("div", "ft-popup");
    box.appendChild(el("h3", null, (p.scene_order ? p.scene_order + ". " : "") + p.name));
    var apps = p.appearances || [];
    if (apps.length) {
      var ul = el("ul", "ft-appearances");
      apps.forEach(function (a) {
        var li = el("li", "ft-appearance");
        li.appendChild(el("strong", null, filmName(a)));
        li.appendChild(document.createTextNode(" — "));
        li.appendChild(localNode("span", a, "scene"));
        if (FILMED_TEXT[a.filmed] && a.filmed !== "shot_here") li.appendChild(document.createTextNode(" (" + t(FILMED_TEXT[a.filmed]) + ")"));
        if (a.exercise) row(li, t("Training"), "exercise", a);
        viewRow(li, a.viewpoint);
        ul.appendChild(li);
      });
      box.appendChild(ul);
    } else {
      row(box, t("In the film"), "scene", p);
      row(box, t("Rocky"), "exercise", p);
    }
    row(box, t("Today"), "status_note", p);
    row(box, t("Visiting"), VISIT_TEXT[p.visitable] ? t(VISIT_TEXT[p.visitable]) : p.visitable);
    row(box, t("Confidence"), p.confidence);
    row(box, t("Tips"), "tips", p);
    row(box, t("Address"), p.address);
    if (page) {
      var more = el("p", "ft-row ft-place-link");
      var a = el("a", null, t("About this place"));
      a.href = page;
      more.appendChild(a);
      box.appendChild(more);
    }
    return box;
  }

  // `onItsPage`: the place's own page, whose popup needs no link to itself.
  function placeMarker(f, onItsPage) {
    var p = f.properties, c = f.geometry.coordinates, films = filmsOf(p);
    var label = p.scene_order ? String(p.scene_order) : (films.length > 1 ? String(films.length) : "\u2605");
    // The name says what the colour and shape show: how the place can be visited.
    var title = p.name + (films.length ? " \u2014 " + films.join(", ") : "") +
      (VISIT_TEXT[p.visitable] ? " (" + t(VISIT_TEXT[p.visitable]) + ")" : "");
    return L.marker([c[1], c[0]], { icon: pin(label, "ft-" + p.visitable), title: title, alt: title })
      .bindPopup(locationPopup(p, onItsPage ? null : pageOf(f)), { maxWidth: 340 });
  }

  // Dense areas cluster (self-hosted Leaflet.markercluster) when the page loaded it.
  function placesLayer() {
    if (!L.markerClusterGroup) return L.layerGroup();
    return L.markerClusterGroup({ maxClusterRadius: 40, showCoverageOnHover: false,
      // the plugin's own look, with a name for screen readers ("12 places", not only "12")
      iconCreateFunction: function (cluster) {
        var n = cluster.getChildCount(), size = n < 10 ? "small" : (n < 100 ? "medium" : "large");
        var span = el("span", null, String(n));
        span.appendChild(el("span", "ft-sr", " " + t("places")));
        var div = el("div");
        div.appendChild(span);
        return L.divIcon({ html: div, className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40) });
      } });
  }

  function hasFilm(p, film) {
    return !film || (p.appearances || []).some(function (a) { return a.film === film; });
  }

  function filmSelect(films, selected, onChange) {
    var label = el("label", "ft-film-choice", t("Film") + " ");
    var select = el("select");
    select.id = "ft-film";
    select.appendChild(el("option", null, t("All films"))).value = "";
    films.forEach(function (f) {
      var o = el("option", null, f.title + " (" + f.year + ")");
      o.value = f.id;
      if (f.id === selected) o.selected = true;
      select.appendChild(o);
    });
    select.addEventListener("change", function () { onChange(select.value); });
    label.appendChild(select);
    return label;
  }

  function stopTitle(p) {
    return p.role === "start" ? t("Start") : (p.role === "finish" ? t("Finish") : t("Stop {n}", { n: p.seq }));
  }

  function stopPopup(p, station) {
    var box = el("div", "ft-popup");
    box.appendChild(el("h3", null, stopTitle(p) + ": " + p.name));
    var eta = "+" + fmtDuration(p.arrival_elapsed_s) + (p.arrival_time ? " (" + fmtClock(p.arrival_time) + ")" : "");
    row(box, t("ETA"), eta + ", " + t("{distance} from the start", { distance: fmtDistance(p.distance_from_start_m || 0) }));
    row(box, t("In the film"), "scene", p);
    row(box, t("Rocky"), "exercise", p);
    row(box, t("Today"), "status_note", p);
    row(box, t("Tips"), "tips", p);
    row(box, t("Accessibility"), "accessibility", p);
    viewRow(box, p.viewpoint);
    if (station) {
      box.appendChild(el("h4", null, t("Workout station")));
      stationBox(box, station);
    }
    return box;
  }

  function dose(x) {
    return x.reps ? t("{n} reps", { n: x.reps }) : (x.seconds ? t("{n} s", { n: x.seconds }) : "");
  }

  // A workout station's exercises: the safe version, its dose, the scene it comes from, and the safety note.
  function stationBox(box, s) {
    s.exercises.forEach(function (x) {
      var d = el("div", "ft-exercise");
      var name = el("strong", null, x.name);
      d.appendChild(english(name));
      d.appendChild(document.createTextNode(" \u2014 " + dose(x)));
      d.appendChild(english(el("p", "ft-row", x.how)));
      row(d, t("From the film"), "film_exercise", x);
      box.appendChild(d);
    });
    row(box, t("Safety"), "safety", s);
    row(box, t("Time"), t("about {duration}, starting at +{elapsed}",
                          { duration: fmtDuration(s.duration_s), elapsed: fmtDuration(s.elapsed_s) }));
  }

  function stationPopup(s) {
    var box = el("div", "ft-popup");
    box.appendChild(el("h3", null, stationName(s)));
    stationBox(box, s);
    return box;
  }

  function stationName(s) {
    return t("Workout station: {names}", { names: s.exercises.map(function (x) { return x.name; }).join(", ") });
  }

  function songLine(cue) {
    var when = cue.skip_into_song_s ? t("at the start, {skip} into the song", { skip: fmtDuration(cue.skip_into_song_s) })
      : t("at +{elapsed}, {distance} from the start",
          { elapsed: fmtDuration(cue.elapsed_s), distance: fmtDistance(cue.distance_from_start_m) });
    return t("Press play on \u201c{song}\u201d ({length}) {when}: it peaks as you reach {peak}.",
             { song: cue.song, length: fmtDuration(cue.song_s), when: when, peak: cue.peak_at.name });
  }

  function songPopup(cue) {
    var box = el("div", "ft-popup");
    box.appendChild(el("h3", null, "\u266a " + t("Press play here")));
    box.appendChild(el("p", "ft-row", songLine(cue)));
    return box;
  }

  function control(map, position, build) {
    var C = L.Control.extend({ onAdd: function () {
      var div = el("div", "ft-panel leaflet-bar");
      build(div);
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    } });
    new C({ position: position }).addTo(map);
  }

  function showLocations(map, data) {
    var layer = placesLayer().addTo(map), cones = L.layerGroup().addTo(map), films = data.films || [];
    var params = new URLSearchParams(window.location.search);
    var chosen = params.get("film") || "";
    if (!films.some(function (f) { return f.id === chosen; })) chosen = "";
    var elsewhereBox = el("div", "ft-elsewhere-box");

    function draw(film) {
      var bounds = [], elsewhere = [], shown = [], coneCount = 0;
      layer.clearLayers();
      cones.clearLayers();
      data.features.forEach(function (f) {
        var p = f.properties, c = f.geometry.coordinates;
        if (!hasFilm(p, film)) return;
        if (p.visitable === "not_in_philadelphia") { elsewhere.push(p); return; }
        shown.push(placeMarker(f));
        bounds.push([c[1], c[0]]);
        (p.appearances || []).forEach(function (a) {
          if (a.viewpoint && a.viewpoint.cone && (!film || a.film === film)) { viewCone(cones, a.viewpoint); coneCount++; }
        });
      });
      // The view first (no animation), then the markers: clusters are made once, at the zoom they are shown
      // at, instead of being split and merged again while the map zooms to the places.
      if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16, animate: false });
      if (layer.addLayers) layer.addLayers(shown); else shown.forEach(function (m) { layer.addLayer(m); });
      var markers = shown.length;
      elsewhereBox.textContent = "";
      if (elsewhere.length) {
        elsewhereBox.appendChild(el("h4", null, t("Filmed elsewhere")));
        var ul = el("ul", "ft-elsewhere");
        elsewhere.forEach(function (p) {
          var li = el("li", null, p.name + " (" + filmsOf(p).join(", ") + "): ");
          li.appendChild(localNode("span", p, "status_note"));
          ul.appendChild(li);
        });
        elsewhereBox.appendChild(ul);
      }
      map.getContainer().setAttribute("data-ft-markers", String(markers));
      map.getContainer().setAttribute("data-ft-film", film);
      map.getContainer().setAttribute("data-ft-cones", String(coneCount));
    }

    control(map, "bottomleft", function (div) {
      if (films.length) div.appendChild(filmSelect(films, chosen, function (film) {
        var url = new URL(window.location.href);
        if (film) url.searchParams.set("film", film); else url.searchParams.delete("film");
        window.history.replaceState(null, "", url.toString());
        draw(film);
      }));
      div.appendChild(el("h4", null, t("Legend")));
      [["ft-public", "open to all"], ["ft-view_from_street", "view from the street"],
       ["ft-gone", "gone (nothing to see)"]].forEach(function (x) {
        var line = el("div", "ft-legend-row");
        line.appendChild(el("span", "ft-swatch " + x[0]));
        line.appendChild(document.createTextNode(t(x[1])));
        div.appendChild(line);
      });
      div.appendChild(el("p", "ft-row", t("1\u20137: the Rocky (1976) montage; a number: how many films; \u2605 one film")));
      div.appendChild(elsewhereBox);
    });
    draw(chosen);
  }

  // A place's page: its marker (popup open) and the view cones of its scenes.
  function showPlace(map, data) {
    var f = data.feature, c = f.geometry.coordinates, bounds = [[c[1], c[0]]], cones = 0;
    (f.properties.appearances || []).forEach(function (a) {
      if (!a.viewpoint || !a.viewpoint.cone) return;
      viewCone(map, a.viewpoint);
      a.viewpoint.cone.forEach(function (p) { bounds.push([p[1], p[0]]); });
      cones++;
    });
    map.fitBounds(bounds, { padding: [40, 40], maxZoom: 17, animate: false });
    placeMarker(f, true).addTo(map);
    map.getContainer().setAttribute("data-ft-markers", "1");
    map.getContainer().setAttribute("data-ft-cones", String(cones));
  }

  // A route answer's line and numbered stops (with their popups), added to a map or layer group; the route
  // page and the planner both draw routes with this. Returns the line and how many stops were drawn.
  function drawRoute(target, fc) {
    var route = fc.features.filter(function (f) { return f.properties.kind === "route"; })[0];
    var stops = fc.features.filter(function (f) { return f.properties.kind === "stop"; });
    var latlngs = route.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
    var line = L.polyline(latlngs, { color: "#b3202b", weight: 5, opacity: 0.85, className: "ft-route-line" }).addTo(target);
    var props = fc.properties || {}, stations = (props.workout && props.workout.stations) || [], cones = 0;
    stops.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      var label = p.role === "start" ? "S" : (p.role === "finish" ? "F" : String(p.seq));
      var here = stations.filter(function (s) { return s.kind === "stop" && s.after_seq === p.seq; })[0];
      var name = stopTitle(p) + ": " + (here ? t("{name} (workout station)", { name: p.name }) : p.name);
      L.marker([c[1], c[0]], { icon: pin(label, "ft-stop ft-" + p.role + (here ? " ft-has-station" : "")),
                               title: name, alt: name })
        .bindPopup(stopPopup(p, here), { maxWidth: 320 }).addTo(target);
      if (p.viewpoint && p.viewpoint.cone) { viewCone(target, p.viewpoint); cones++; }
    });
    // Stations on the way get their own marker (a letter, not only a colour); those at a stop are in its popup.
    var legStations = stations.filter(function (s) { return s.kind === "leg"; });
    legStations.forEach(function (s) {
      var name = stationName(s);
      L.marker([s.lat, s.lon], { icon: pin("W", "ft-station"), title: name, alt: name })
        .bindPopup(stationPopup(s), { maxWidth: 320 }).addTo(target);
    });
    var cue = props.song_cue;
    if (cue) {
      var play = t("Press play: {song}", { song: cue.song });
      L.marker([cue.lat, cue.lon], { icon: pin("\u266a", "ft-song"), title: play, alt: play })
        .bindPopup(songPopup(cue), { maxWidth: 320 }).addTo(target);
    }
    return { line: line, stops: stops.length, stations: stations.length, song: !!cue, cones: cones };
  }

  function workoutLabel(w) { return t("Workout ({level})", { level: t(w.level) }); }
  function workoutLine(w) {
    return t("{n} stations, {duration} in all", { n: w.stations.length, duration: fmtDuration(w.total_s) });
  }

  // The route page: the route, then its summary (the title comes from the server, default included).
  function showRoute(map, data) {
    var fc = data.route, props = fc.properties || {};
    var drawn = drawRoute(map, fc);
    // Not animated: the page says it is ready right after, and an animation still running then would undo the
    // first view the reader (or a test) sets.
    map.fitBounds(drawn.line.getBounds(), { padding: [24, 24], animate: false });
    control(map, "topright", function (div) {
      div.classList.add("ft-summary");
      div.appendChild(el("h4", null, data.title));
      row(div, props.activity === "run" ? t("Run") : t("Walk"),
          t("{distance} in about {duration}", { distance: fmtDistance(props.distance_m), duration: fmtDuration(props.duration_s) }));
      row(div, t("Pace"), fmtPace(props.pace_min_per_km));
      if (props.start_time) row(div, t("Start"), fmtClock(props.start_time));
      if (props.dawn) row(div, t("Civil dawn"), t("{dawn} (sunrise {sunrise})", { dawn: fmtClock(props.dawn.civil_dawn), sunrise: fmtClock(props.dawn.sunrise) }));
      if (props.workout) row(div, workoutLabel(props.workout), workoutLine(props.workout));
      if (props.song_cue) row(div, t("Song"), songLine(props.song_cue));
      if (props.step_free) row(div, t("Step-free"), t("no steps on this route"));
      (props.step_free_stops || []).forEach(function (s) { if (s.note) row(div, s.name, "note", s); });
      (fc.skipped || []).forEach(function (s) { row(div, t("Skipped"), s.name + " \u2014 " + s.reason); });
    });
    map.getContainer().setAttribute("data-ft-markers", String(drawn.stops));
    map.getContainer().setAttribute("data-ft-stations", String(drawn.stations));
    map.getContainer().setAttribute("data-ft-cones", String(drawn.cones));
  }

  // Copy a text field's value: the async clipboard where the page may use it, else the old copy command;
  // either way the text is left selected, for the reader to copy by hand if both fail.
  function copyField(field, done) {
    done = done || function () {};
    field.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
      return;
    }
    try { if (document.execCommand("copy")) done(); } catch (e) { /* selected for manual copy */ }
  }

  // The delete token of a route saved from this browser stays in this browser (localStorage), so whoever
  // saved a route can always delete it, from the planner or the route's page.
  var TOKEN_KEY = "filmtour.delete.";
  function keepDeleteToken(id, token) {
    try { if (token) localStorage.setItem(TOKEN_KEY + id, token); } catch (e) { /* storage off: planner only */ }
  }
  function deleteToken(id) {
    try { return localStorage.getItem(TOKEN_KEY + id); } catch (e) { return null; }
  }
  // Deleting takes two clicks (no confirm(): the browser tests count every dialog as a fault): the first one
  // says what will happen; returns true while only armed.
  function armDelete(button) {
    if (button.getAttribute("data-ft-armed")) return false;
    button.setAttribute("data-ft-armed", "1");
    button.textContent = t("Click again to delete it for everyone with the link");
    return true;
  }
  function deleteRoute(id) {
    return fetch("/api/v1/routes/" + encodeURIComponent(id), { method: "DELETE", headers: { "X-Delete-Token": deleteToken(id) || "" } })
      .then(function (r) {
        if (r.ok || r.status === 404) { try { localStorage.removeItem(TOKEN_KEY + id); } catch (e) { /* */ } }
        return r.ok || r.status === 404;
      });
  }

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // The base map from the page's #ft-config block: scale, the controls the page lists, then the tile layer,
  // added by start() only once the page has set its view, so no tiles are fetched for a view never shown.
  function createMap(config) {
    // A view at once (layers such as the marker clusters need one); no tiles load until addBaseLayer.
    var map = L.map("ft-map", { zoomControl: true, maxZoom: 19 }).setView(config.center, config.zoom);
    var text = config.controlText;  // the controls' names in the page's language (absent: the plugins' English)
    if (text) {
      map.zoomControl.getContainer().querySelectorAll("a").forEach(function (a, i) {
        var label = i === 0 ? text.zoomIn : text.zoomOut;
        a.title = label;
        a.setAttribute("aria-label", label);
      });
    }
    L.control.scale().addTo(map);
    var controls = config.controls || [];
    if (controls.indexOf("fullscreen") >= 0 && L.control.fullscreen) L.control.fullscreen({ position: "topleft", title: text ? text.fullscreen : "Full Screen",
                                                                              titleCancel: text ? text.exitFullscreen : "Exit Full Screen" }).addTo(map);
    if (controls.indexOf("locate") >= 0 && L.control.locate) {
      L.control.locate({ icon: "ft-locate-icon", flyTo: true, showPopup: false,
                         strings: text ? { title: text.locate } : undefined }).addTo(map);
    }
    return map;
  }

  function addBaseLayer(map, config) {
    var tiles = config.tiles;
    var base = tiles.vector && window.filmtourBasemap ? window.filmtourBasemap(tiles)
      : L.tileLayer(tiles.raster, { attribution: tiles.attribution, maxZoom: 19 });
    // The browser tests time the first painted map from these.
    base.once("tileload", function () {
      map.getContainer().setAttribute("data-ft-first-tile", String(Math.round(performance.now())));
    });
    base.once("load", function () {
      map.getContainer().setAttribute("data-ft-painted", String(Math.round(performance.now())));
    });
    base.addTo(map);
    return base;
  }

  function start() {
    var config = readJson("ft-config"), data = readJson("ft-data");
    if (!config || !data) return;
    I18N = config.i18n || {};
    LANG = document.documentElement.lang || "en";
    var map = createMap(config);
    window.filmtourMap.map = map;
    if (data.mode === "locations") showLocations(map, data);
    if (data.mode === "route") showRoute(map, data);
    if (data.mode === "place") showPlace(map, data);
    addBaseLayer(map, config);
    if (data.mode === "planner") return;  // planner.js drives its own page
    map.getContainer().setAttribute("data-ft-ready", "1");
  }

  // What the page's other scripts (planner.js, share.js) use; the rest stays private to this file.
  window.filmtourMap = { el: el, pin: pin, fmtDuration: fmtDuration, fmtDistance: fmtDistance, fmtClock: fmtClock,
                         fmtPace: fmtPace, drawRoute: drawRoute, songLine: songLine, t: t, english: english,
                         workoutLabel: workoutLabel, workoutLine: workoutLine, copyField: copyField, placeMarker: placeMarker,
                         keepDeleteToken: keepDeleteToken, deleteToken: deleteToken, deleteRoute: deleteRoute, armDelete: armDelete,
                         placesLayer: placesLayer, viewCone: viewCone, map: null };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
