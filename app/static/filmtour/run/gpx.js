/* "Download my run": the recorded track as GPX 1.1 (one <trk>, one <trkseg>, a <time> on every point), built
   as an XML document with the DOM and serialized by XMLSerializer, so every name and value is escaped. */

export const GPX_NS = "http://www.topografix.com/GPX/1/1";

export function buildGpx(fixes, { name, creator = "filmtour", link } = {}) {
  const doc = document.implementation.createDocument(GPX_NS, "gpx", null);
  const gpx = doc.documentElement;
  gpx.setAttribute("version", "1.1");
  gpx.setAttribute("creator", creator);
  const child = (parent, tag, text) => {
    const node = doc.createElementNS(GPX_NS, tag);
    if (text !== undefined) node.textContent = String(text);
    parent.appendChild(node);
    return node;
  };
  const meta = child(gpx, "metadata");
  if (name) child(meta, "name", name);
  if (link) child(meta, "link").setAttribute("href", link);
  if (fixes.length) child(meta, "time", new Date(fixes[0].t).toISOString());
  const trk = child(gpx, "trk");
  if (name) child(trk, "name", name);
  const seg = child(trk, "trkseg");
  for (const f of fixes) {
    const pt = child(seg, "trkpt");
    pt.setAttribute("lat", f.lat.toFixed(6));
    pt.setAttribute("lon", f.lon.toFixed(6));
    if (typeof f.ele === "number") child(pt, "ele", f.ele.toFixed(1));
    child(pt, "time", new Date(f.t).toISOString());
  }
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + new XMLSerializer().serializeToString(doc);
}
