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

  function locationPopup(p) {
    var box = el("div", "ft-popup");
    box.appendChild(el("h3", null, (p.scene_order ? p.scene_order + ". " : "") + p.name));
    row(box, "In the film", p.scene);
    row(box, "Rocky", p.exercise);
    row(box, "Today", p.status_note);
    row(box, "Visiting", VISIT_TEXT[p.visitable] || p.visitable);
    row(box, "Confidence", p.confidence);
    row(box, "Tips", p.tips);
    row(box, "Address", p.address);
    return box;
  }

  function stopPopup(p) {
    var box = el("div", "ft-popup");
    var title = p.role === "start" ? "Start" : (p.role === "finish" ? "Finish" : "Stop " + p.seq);
    box.appendChild(el("h3", null, title + ": " + p.name));
    var eta = "+" + fmtDuration(p.arrival_elapsed_s) + (p.arrival_time ? " (" + fmtClock(p.arrival_time) + ")" : "");
    row(box, "ETA", eta + ", " + fmtDistance(p.distance_from_start_m || 0) + " from the start");
    row(box, "In the film", p.scene);
    row(box, "Rocky", p.exercise);
    row(box, "Today", p.status_note);
    row(box, "Tips", p.tips);
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
    var bounds = [], elsewhere = [], markers = 0;
    data.features.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      if (p.visitable === "not_in_philadelphia") { elsewhere.push(p); return; }
      var label = p.scene_order ? String(p.scene_order) : "\u2605";
      var m = L.marker([c[1], c[0]], { icon: pin(label, "ft-" + p.visitable), title: p.name, alt: p.name });
      m.bindPopup(locationPopup(p), { maxWidth: 320 }).addTo(map);
      markers += 1;
      bounds.push([c[1], c[0]]);
    });
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30] });
    control(map, "bottomleft", function (div) {
      div.appendChild(el("h4", null, "Rocky (1976) montage"));
      [["ft-public", "1\u20137: montage places, open to all"], ["ft-view_from_street", "view from the street"],
       ["ft-gone", "gone (nothing to see)"]].forEach(function (x) {
        var line = el("div", "ft-legend-row");
        line.appendChild(el("span", "ft-swatch " + x[0]));
        line.appendChild(document.createTextNode(x[1]));
        div.appendChild(line);
      });
      div.appendChild(el("p", "ft-row", "\u2605 other Rocky (1976) places, same colours"));
      if (elsewhere.length) {
        div.appendChild(el("h4", null, "Filmed elsewhere"));
        var ul = el("ul", "ft-elsewhere");
        elsewhere.forEach(function (p) {
          ul.appendChild(el("li", null, (p.scene_order ? p.scene_order + ". " : "") + p.name + ": " + (p.status_note || "")));
        });
        div.appendChild(ul);
      }
    });
    map.getContainer().setAttribute("data-ft-markers", String(markers));
  }

  function showRoute(map, data) {
    var fc = data.route, props = fc.properties || {};
    var route = fc.features.filter(function (f) { return f.properties.kind === "route"; })[0];
    var stops = fc.features.filter(function (f) { return f.properties.kind === "stop"; });
    var latlngs = route.geometry.coordinates.map(function (c) { return [c[1], c[0]]; });
    var line = L.polyline(latlngs, { color: "#b3202b", weight: 5, opacity: 0.85, className: "ft-route-line" }).addTo(map);
    stops.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      var label = p.role === "start" ? "S" : (p.role === "finish" ? "F" : String(p.seq));
      L.marker([c[1], c[0]], { icon: pin(label, "ft-stop ft-" + p.role), title: p.name, alt: p.name })
        .bindPopup(stopPopup(p), { maxWidth: 320 }).addTo(map);
    });
    map.fitBounds(line.getBounds(), { padding: [24, 24] });
    control(map, "topright", function (div) {
      div.classList.add("ft-summary");
      div.appendChild(el("h4", null, props.title || "Rocky (1976) montage route"));
      row(div, props.activity === "run" ? "Run" : "Walk", fmtDistance(props.distance_m) + " in about " + fmtDuration(props.duration_s));
      row(div, "Pace", fmtPace(props.pace_min_per_km));
      if (props.start_time) row(div, "Start", fmtClock(props.start_time));
      if (props.dawn) row(div, "Civil dawn", fmtClock(props.dawn.civil_dawn) + " (sunrise " + fmtClock(props.dawn.sunrise) + ")");
      (fc.skipped || []).forEach(function (s) { row(div, "Skipped", s.name + " \u2014 " + s.reason); });
    });
    map.getContainer().setAttribute("data-ft-markers", String(stops.length));
  }

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // The base map from the page's #ft-config block: the tile layer, scale, and the controls the page lists.
  function createMap(config) {
    var map = L.map("ft-map", { zoomControl: true }).setView(config.center, config.zoom);
    var tiles = config.tiles;
    L.tileLayer(tiles.url, { attribution: tiles.attribution, maxZoom: 19 }).addTo(map);
    L.control.scale().addTo(map);
    var controls = config.controls || [];
    if (controls.indexOf("fullscreen") >= 0 && L.control.fullscreen) L.control.fullscreen({ position: "topleft" }).addTo(map);
    if (controls.indexOf("locate") >= 0 && L.control.locate) {
      L.control.locate({ icon: "ft-locate-icon", flyTo: true, showPopup: false }).addTo(map);
    }
    return map;
  }

  function start() {
    var config = readJson("ft-config"), data = readJson("ft-data");
    if (!config || !data) return;
    var map = createMap(config);
    window.filmtourMap.map = map;
    if (data.mode === "planner") return;  // planner.js drives its own page
    if (data.mode === "locations") showLocations(map, data);
    if (data.mode === "route") showRoute(map, data);
    map.getContainer().setAttribute("data-ft-ready", "1");
  }

  window.filmtourMap = { el: el, row: row, pin: pin, stopPopup: stopPopup, fmtDuration: fmtDuration,
                         fmtDistance: fmtDistance, fmtClock: fmtClock, fmtPace: fmtPace, showRoute: showRoute,
                         locationPopup: locationPopup, readJson: readJson, map: null };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
