/* The filmtour basemap style for protomaps-leaflet: our own vector tiles (/tiles/{z}/{x}/{y}.mvt), drawn on
   canvas. In the film's spirit: a quiet, warm 1970s street map (paper, brick, river blue, park green), so the
   red route and the numbered stops stay on top. Names (docs/basemap.md): neighbourhoods at z12-14, river, park
   and trail names as the tiles carry them, street names from z15. Labels are canvas text in fonts the system has
   (no web fonts: the pages load nothing from outside), each on a white halo; protomaps-leaflet drops a label
   that would overlap one placed before it, so the rules below are in order of priority. */
(function () {
  "use strict";
  var P = window.protomapsL;
  var C = {
    paper: "#f3eee2", water: "#9dc3d4", waterEdge: "#7eaec4", park: "#cddcb4", parkText: "#4f6b34",
    casing: "#d8cfbd", street: "#ffffff", major: "#f6dfae", majorCasing: "#cfae74", path: "#a8845c",
    steps: "#8c2f1f", rail: "#8d8a84", text: "#3d3a34", halo: "#ffffff", trail: "#6f8f4a",
    district: "#6e5a4a", waterText: "#2f5f7a"
  };
  var SANS = "DejaVu Sans, Verdana, Arial, sans-serif", SERIF = "DejaVu Serif, Georgia, serif";
  // Widths by zoom: thin at 12, wide enough at 16 to carry a name.
  function byZoom(stops) {
    return function (z) {
      for (var i = stops.length - 1; i >= 0; i--) if (z >= stops[i][0]) return stops[i][1];
      return stops[0][1];
    };
  }
  function isClass(cls) { return function (z, f) { return f.props["class"] === cls; }; }
  function isKind(kind) { return function (z, f) { return f.props.kind === kind && !!f.props.name; }; }

  function paintRules() {
    return [
      { dataLayer: "parks", symbolizer: new P.PolygonSymbolizer({ fill: C.park }) },
      { dataLayer: "water", symbolizer: new P.PolygonSymbolizer({ fill: C.water, stroke: C.waterEdge, width: 0.8 }) },
      { dataLayer: "rail", symbolizer: new P.LineSymbolizer({ color: C.rail, width: byZoom([[12, 0.8], [15, 1.6]]),
                                                             dash: [4, 3] }) },
      { dataLayer: "trails", symbolizer: new P.LineSymbolizer({ color: C.trail, width: byZoom([[12, 0.8], [14, 1.2], [16, 2]]),
                                                               dash: [4, 2] }) },
      { dataLayer: "roads", filter: isClass("path"),
        symbolizer: new P.LineSymbolizer({ color: C.path, width: byZoom([[14, 0.8], [16, 1.4]]), dash: [3, 2] }) },
      { dataLayer: "roads", filter: isClass("service"),
        symbolizer: new P.LineSymbolizer({ color: C.street, width: byZoom([[14, 1.2], [16, 3]]) }) },
      { dataLayer: "roads", filter: isClass("street"),
        symbolizer: new P.LineSymbolizer({ color: C.casing, width: byZoom([[13, 1.6], [14, 3], [15, 5.5], [16, 9]]),
                                           lineCap: "round" }) },
      { dataLayer: "roads", filter: isClass("major"),
        symbolizer: new P.LineSymbolizer({ color: C.majorCasing, width: byZoom([[10, 1.6], [12, 2.6], [13, 3.4], [14, 5], [15, 7.5], [16, 12]]),
                                           lineCap: "round" }) },
      { dataLayer: "roads", filter: isClass("street"),
        symbolizer: new P.LineSymbolizer({ color: C.street, width: byZoom([[13, 1], [14, 2], [15, 4], [16, 7]]),
                                           lineCap: "round" }) },
      { dataLayer: "roads", filter: isClass("major"),
        symbolizer: new P.LineSymbolizer({ color: C.major, width: byZoom([[10, 0.8], [12, 1.6], [13, 2.2], [14, 3.5], [15, 5.5], [16, 9.5]]),
                                           lineCap: "round" }) },
      { dataLayer: "steps", symbolizer: new P.LineSymbolizer({ color: C.steps, width: byZoom([[14, 2], [16, 4]]),
                                                              dash: [1.5, 1.5] }) }
    ];
  }

  function labelRules() {
    return [
      { dataLayer: "labels", maxzoom: 14, filter: isKind("neighbourhood"),
        symbolizer: new P.CenteredTextSymbolizer({ labelProps: ["name"], fill: C.district, stroke: C.halo, width: 3,
          fontFamily: SANS, fontWeight: 600, fontSize: byZoom([[12, 10], [13, 11], [14, 12]]),
          textTransform: "uppercase", letterSpacing: 1, maxLineChars: 12, lineHeight: 1.2 }) },
      { dataLayer: "labels", filter: isKind("water"),
        symbolizer: new P.CenteredTextSymbolizer({ labelProps: ["name"], fill: C.waterText, stroke: C.halo, width: 3,
          fontFamily: SERIF, fontStyle: "italic", fontSize: byZoom([[12, 11], [14, 12], [16, 13]]), letterSpacing: 1,
          maxLineChars: 12 }) },
      { dataLayer: "roads", minzoom: 15, filter: function (z, f) { return !!f.props.name && f.props["class"] !== "path"; },
        symbolizer: new P.LineLabelSymbolizer({ labelProps: ["name"], fill: C.text, stroke: C.halo, width: 3,
          fontFamily: SANS, fontWeight: 600,
          fontSize: byZoom([[15, 11], [16, 13]]), position: P.LineLabelPlacement.Center }) },
      { dataLayer: "labels", filter: isKind("park"),
        symbolizer: new P.CenteredTextSymbolizer({ labelProps: ["name"], fill: C.parkText, stroke: C.halo, width: 3,
          fontFamily: SERIF, fontStyle: "italic", fontSize: byZoom([[12, 11], [15, 12]]), maxLineChars: 16 }) },
      { dataLayer: "labels", filter: isKind("trail"),
        symbolizer: new P.CenteredTextSymbolizer({ labelProps: ["name"], fill: C.parkText, stroke: C.halo, width: 3,
          fontFamily: SERIF, fontStyle: "italic", fontSize: byZoom([[14, 11], [16, 12]]), maxLineChars: 16 }) }
    ];
  }

  // levelDiff 0: a map at zoom z draws the archive's z tiles (z10-16; overzoomed from z16 up). The renderer's
  // default (1) draws z-1 data on 512-pixel tiles, which left a z12 view (the whole city, /map) blank.
  window.filmtourBasemap = function (tiles) {
    return P.leafletLayer({
      url: tiles.vector, levelDiff: 0, maxDataZoom: tiles.maxDataZoom, maxZoom: 19, attribution: tiles.attribution,
      backgroundColor: C.paper, paintRules: paintRules(), labelRules: labelRules()
    });
  };
})();
