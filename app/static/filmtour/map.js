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

  function row(parent, label, value) {
    if (value === undefined || value === null || value === "") return;
    var p = el("p", "ft-row");
    p.appendChild(el("strong", null, label + ": "));
    p.appendChild(document.createTextNode(String(value)));
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

  function filmName(a) { return a.film_title ? a.film_title + (a.film_year ? " (" + a.film_year + ")" : "") : a.film; }
  function filmsOf(p) { return (p.appearances || []).map(filmName); }

  // Every appearance of the place, one per film, the most famous first.
  function locationPopup(p) {
    var box = el("div", "ft-popup");
    box.appendChild(el("h3", null, (p.scene_order ? p.scene_order + ". " : "") + p.name));
    var apps = p.appearances || [];
    if (apps.length) {
      var ul = el("ul", "ft-appearances");
      apps.forEach(function (a) {
        var li = el("li", "ft-appearance");
        li.appendChild(el("strong", null, filmName(a)));
        li.appendChild(document.createTextNode(" — " + a.scene + (FILMED_TEXT[a.filmed] && a.filmed !== "shot_here" ? " (" + FILMED_TEXT[a.filmed] + ")" : "")));
        if (a.exercise) li.appendChild(el("div", "ft-row", "Training: " + a.exercise));
        ul.appendChild(li);
      });
      box.appendChild(ul);
    } else {
      row(box, "In the film", p.scene);
      row(box, "Rocky", p.exercise);
    }
    row(box, "Today", p.status_note);
    row(box, "Visiting", VISIT_TEXT[p.visitable] || p.visitable);
    row(box, "Confidence", p.confidence);
    row(box, "Tips", p.tips);
    row(box, "Address", p.address);
    return box;
  }

  function placeMarker(f) {
    var p = f.properties, c = f.geometry.coordinates, films = filmsOf(p);
    var label = p.scene_order ? String(p.scene_order) : (films.length > 1 ? String(films.length) : "\u2605");
    var title = p.name + (films.length ? " \u2014 " + films.join(", ") : "");
    return L.marker([c[1], c[0]], { icon: pin(label, "ft-" + p.visitable), title: title, alt: title })
      .bindPopup(locationPopup(p), { maxWidth: 340 });
  }

  // Dense areas cluster (self-hosted Leaflet.markercluster) when the page loaded it.
  function placesLayer() {
    return L.markerClusterGroup ? L.markerClusterGroup({ maxClusterRadius: 40, showCoverageOnHover: false })
                                : L.layerGroup();
  }

  function hasFilm(p, film) {
    return !film || (p.appearances || []).some(function (a) { return a.film === film; });
  }

  function filmSelect(films, selected, onChange) {
    var label = el("label", "ft-film-choice", "Film ");
    var select = el("select");
    select.id = "ft-film";
    select.appendChild(el("option", null, "All films")).value = "";
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

  function stopPopup(p, station) {
    var box = el("div", "ft-popup");
    var title = p.role === "start" ? "Start" : (p.role === "finish" ? "Finish" : "Stop " + p.seq);
    box.appendChild(el("h3", null, title + ": " + p.name));
    var eta = "+" + fmtDuration(p.arrival_elapsed_s) + (p.arrival_time ? " (" + fmtClock(p.arrival_time) + ")" : "");
    row(box, "ETA", eta + ", " + fmtDistance(p.distance_from_start_m || 0) + " from the start");
    row(box, "In the film", p.scene);
    row(box, "Rocky", p.exercise);
    row(box, "Today", p.status_note);
    row(box, "Tips", p.tips);
    row(box, "Accessibility", p.accessibility);
    if (station) {
      box.appendChild(el("h4", null, "Workout station"));
      stationBox(box, station);
    }
    return box;
  }

  function dose(x) {
    return x.reps ? x.reps + " reps" : (x.seconds ? x.seconds + " s" : "");
  }

  // A workout station's exercises: the safe version, its dose, the scene it comes from, and the safety note.
  function stationBox(box, s) {
    s.exercises.forEach(function (x) {
      var d = el("div", "ft-exercise");
      d.appendChild(el("strong", null, x.name + " \u2014 " + dose(x)));
      d.appendChild(el("p", "ft-row", x.how));
      row(d, "From the film", x.film_exercise);
      box.appendChild(d);
    });
    row(box, "Safety", s.safety);
    row(box, "Time", "about " + fmtDuration(s.duration_s) + ", starting at +" + fmtDuration(s.elapsed_s));
  }

  function stationPopup(s) {
    var box = el("div", "ft-popup");
    box.appendChild(el("h3", null, "Workout station: " + s.exercises.map(function (x) { return x.name; }).join(", ")));
    stationBox(box, s);
    return box;
  }

  function songLine(cue) {
    var when = cue.skip_into_song_s ? "at the start, " + fmtDuration(cue.skip_into_song_s) + " into the song"
      : "at +" + fmtDuration(cue.elapsed_s) + ", " + fmtDistance(cue.distance_from_start_m) + " from the start";
    return "Press play on \u201c" + cue.song + "\u201d (" + fmtDuration(cue.song_s) + ") " + when +
      ": it peaks as you reach " + cue.peak_at.name + ".";
  }

  function songPopup(cue) {
    var box = el("div", "ft-popup");
    box.appendChild(el("h3", null, "\u266a Press play here"));
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
    var layer = placesLayer().addTo(map), films = data.films || [];
    var params = new URLSearchParams(window.location.search);
    var chosen = params.get("film") || "";
    if (!films.some(function (f) { return f.id === chosen; })) chosen = "";
    var elsewhereBox = el("div", "ft-elsewhere-box");

    function draw(film) {
      var bounds = [], elsewhere = [], shown = [];
      layer.clearLayers();
      data.features.forEach(function (f) {
        var p = f.properties, c = f.geometry.coordinates;
        if (!hasFilm(p, film)) return;
        if (p.visitable === "not_in_philadelphia") { elsewhere.push(p); return; }
        shown.push(placeMarker(f));
        bounds.push([c[1], c[0]]);
      });
      // The view first (no animation), then the markers: clusters are made once, at the zoom they are shown
      // at, instead of being split and merged again while the map zooms to the places.
      if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 16, animate: false });
      if (layer.addLayers) layer.addLayers(shown); else shown.forEach(function (m) { layer.addLayer(m); });
      var markers = shown.length;
      elsewhereBox.textContent = "";
      if (elsewhere.length) {
        elsewhereBox.appendChild(el("h4", null, "Filmed elsewhere"));
        var ul = el("ul", "ft-elsewhere");
        elsewhere.forEach(function (p) {
          ul.appendChild(el("li", null, p.name + " (" + filmsOf(p).join(", ") + "): " + (p.status_note || "")));
        });
        elsewhereBox.appendChild(ul);
      }
      map.getContainer().setAttribute("data-ft-markers", String(markers));
      map.getContainer().setAttribute("data-ft-film", film);
    }

    control(map, "bottomleft", function (div) {
      if (films.length) div.appendChild(filmSelect(films, chosen, function (film) {
        var url = new URL(window.location.href);
        if (film) url.searchParams.set("film", film); else url.searchParams.delete("film");
        window.history.replaceState(null, "", url.toString());
        draw(film);
      }));
      div.appendChild(el("h4", null, "Legend"));
      [["ft-public", "open to all"], ["ft-view_from_street", "view from the street"],
       ["ft-gone", "gone (nothing to see)"]].forEach(function (x) {
        var line = el("div", "ft-legend-row");
        line.appendChild(el("span", "ft-swatch " + x[0]));
        line.appendChild(document.createTextNode(x[1]));
        div.appendChild(line);
      });
      div.appendChild(el("p", "ft-row", "1\u20137: the Rocky (1976) montage; a number: how many films; \u2605 one film"));
      div.appendChild(elsewhereBox);
    });
    draw(chosen);
  }

  // A route answer's line and numbered stops (with their popups), added to a map or layer group; the route
  // page and the planner both draw routes with this. Returns the line and how many stops were drawn.
  function drawRoute(target, fc) {
    var route = fc.features.filter(function (f) { return f.properties.kind === "route"; })[0];
    var stops = fc.features.filter(function (f) { return f.properties.kind === "stop"; });
    var latlngs = route.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
    var line = L.polyline(latlngs, { color: "#b3202b", weight: 5, opacity: 0.85, className: "ft-route-line" }).addTo(target);
    var props = fc.properties || {}, stations = (props.workout && props.workout.stations) || [];
    stops.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      var label = p.role === "start" ? "S" : (p.role === "finish" ? "F" : String(p.seq));
      var here = stations.filter(function (s) { return s.kind === "stop" && s.after_seq === p.seq; })[0];
      var name = (p.role === "start" ? "Start: " : (p.role === "finish" ? "Finish: " : "Stop " + p.seq + ": ")) +
        p.name + (here ? " (workout station)" : "");
      L.marker([c[1], c[0]], { icon: pin(label, "ft-stop ft-" + p.role + (here ? " ft-has-station" : "")),
                               title: name, alt: name })
        .bindPopup(stopPopup(p, here), { maxWidth: 320 }).addTo(target);
    });
    // Stations on the way get their own marker (a letter, not only a colour); those at a stop are in its popup.
    var legStations = stations.filter(function (s) { return s.kind === "leg"; });
    legStations.forEach(function (s) {
      var name = "Workout station: " + s.exercises.map(function (x) { return x.name; }).join(", ");
      L.marker([s.lat, s.lon], { icon: pin("W", "ft-station"), title: name, alt: name })
        .bindPopup(stationPopup(s), { maxWidth: 320 }).addTo(target);
    });
    var cue = props.song_cue;
    if (cue) {
      L.marker([cue.lat, cue.lon], { icon: pin("\u266a", "ft-song"), title: "Press play: " + cue.song,
                                     alt: "Press play: " + cue.song })
        .bindPopup(songPopup(cue), { maxWidth: 320 }).addTo(target);
    }
    return { line: line, stops: stops.length, stations: stations.length, song: !!cue };
  }

  // The route page: the route, then its summary (the title comes from the server, default included).
  function showRoute(map, data) {
    var fc = data.route, props = fc.properties || {};
    var drawn = drawRoute(map, fc);
    map.fitBounds(drawn.line.getBounds(), { padding: [24, 24] });
    control(map, "topright", function (div) {
      div.classList.add("ft-summary");
      div.appendChild(el("h4", null, data.title));
      row(div, props.activity === "run" ? "Run" : "Walk", fmtDistance(props.distance_m) + " in about " + fmtDuration(props.duration_s));
      row(div, "Pace", fmtPace(props.pace_min_per_km));
      if (props.start_time) row(div, "Start", fmtClock(props.start_time));
      if (props.dawn) row(div, "Civil dawn", fmtClock(props.dawn.civil_dawn) + " (sunrise " + fmtClock(props.dawn.sunrise) + ")");
      if (props.workout) {
        row(div, "Workout (" + props.workout.level + ")", props.workout.stations.length + " stations, " +
            fmtDuration(props.workout.total_s) + " in all");
      }
      if (props.song_cue) row(div, "Song", songLine(props.song_cue));
      if (props.step_free) row(div, "Step-free", "no steps on this route");
      (props.step_free_stops || []).forEach(function (s) { if (s.note) row(div, s.name, s.note); });
      (fc.skipped || []).forEach(function (s) { row(div, "Skipped", s.name + " \u2014 " + s.reason); });
    });
    map.getContainer().setAttribute("data-ft-markers", String(drawn.stops));
    map.getContainer().setAttribute("data-ft-stations", String(drawn.stations));
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

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // The base map from the page's #ft-config block: scale, the controls the page lists, then the tile layer,
  // added by start() only once the page has set its view, so no tiles are fetched for a view never shown.
  function createMap(config) {
    // A view at once (layers such as the marker clusters need one); no tiles load until addBaseLayer.
    var map = L.map("ft-map", { zoomControl: true, maxZoom: 19 }).setView(config.center, config.zoom);
    L.control.scale().addTo(map);
    var controls = config.controls || [];
    if (controls.indexOf("fullscreen") >= 0 && L.control.fullscreen) L.control.fullscreen({ position: "topleft" }).addTo(map);
    if (controls.indexOf("locate") >= 0 && L.control.locate) {
      L.control.locate({ icon: "ft-locate-icon", flyTo: true, showPopup: false }).addTo(map);
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
    var map = createMap(config);
    window.filmtourMap.map = map;
    if (data.mode === "locations") showLocations(map, data);
    if (data.mode === "route") showRoute(map, data);
    addBaseLayer(map, config);
    if (data.mode === "planner") return;  // planner.js drives its own page
    map.getContainer().setAttribute("data-ft-ready", "1");
  }

  // What the page's other scripts (planner.js, share.js) use; the rest stays private to this file.
  window.filmtourMap = { el: el, pin: pin, fmtDuration: fmtDuration, fmtDistance: fmtDistance, fmtClock: fmtClock,
                         fmtPace: fmtPace, drawRoute: drawRoute, songLine: songLine, copyField: copyField, placeMarker: placeMarker,
                         placesLayer: placesLayer, map: null };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
