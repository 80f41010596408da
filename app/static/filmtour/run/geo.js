/* Geometry along the route line, in the page. The line is projected once to local metres (equirectangular
   about its middle latitude: under 0.1 % off over a city), so each fix costs a few multiplications per
   segment of a short window of the line, never a trigonometric call per segment.
   Distances along the line are given in the route's own metres (the engine's, which the stops and cues
   use): the stored line is simplified, so its length is scaled to the route's distance_m. */

const EARTH_M = 6371008.8;
const RAD = Math.PI / 180;

/* A line from GeoJSON [lon, lat] pairs; routeM: the route's distance_m (defaults to the line's length). */
export function prepareLine(coords, routeM) {
  const n = coords.length;
  let lat0 = 0;
  for (const c of coords) lat0 += c[1];
  lat0 /= n;
  const kx = EARTH_M * RAD * Math.cos(lat0 * RAD), ky = EARTH_M * RAD;
  const lon0 = coords[0][0], la0 = coords[0][1];
  const xs = new Float64Array(n), ys = new Float64Array(n), cum = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = (coords[i][0] - lon0) * kx;
    ys[i] = (coords[i][1] - la0) * ky;
    if (i) cum[i] = cum[i - 1] + Math.hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]);
  }
  const length = cum[n - 1] || 0;
  const scale = routeM && length > 0 ? routeM / length : 1;
  return { coords, xs, ys, cum, n, kx, ky, lon0, la0, scale, routeM: length * scale };
}

export function toXY(line, lat, lon) {
  return [(lon - line.lon0) * line.kx, (lat - line.la0) * line.ky];
}

export function toLatLon(line, x, y) {
  return [line.la0 + y / line.ky, line.lon0 + x / line.kx];
}

/* First index i with cum[i] >= m (binary search). */
function indexAt(cum, m) {
  let lo = 0, hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] < m) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/* Where (lat, lon) is on the line, looking only between fromM and toM (route metres; omit both for the whole
   line): {along (route m), off (m from the line), seg, x, y}. A route may pass one place twice (out and back
   along a street): of the segments about as near as the nearest (within TIE_M), the first one not behind
   `hereM` (where the runner was; BEHIND_M of slack) wins, so the runner is on the way out until past it. */
export const TIE_M = 10;
export const BEHIND_M = 20;
export function locate(line, lat, lon, fromM, toM, hereM) {
  const [px, py] = toXY(line, lat, lon);
  const s = line.scale, xs = line.xs, ys = line.ys, cum = line.cum;
  if (line.n === 1) return { along: 0, off: Math.hypot(px - xs[0], py - ys[0]), seg: 0, x: xs[0], y: ys[0] };
  const i0 = fromM === undefined ? 0 : Math.max(indexAt(cum, fromM / s) - 1, 0);
  const i1 = toM === undefined ? line.n - 1 : Math.min(indexAt(cum, toM / s) + 1, line.n - 1);
  const near = (i) => {
    const dx = xs[i + 1] - xs[i], dy = ys[i + 1] - ys[i];
    const len2 = dx * dx + dy * dy;
    let f = len2 > 0 ? ((px - xs[i]) * dx + (py - ys[i]) * dy) / len2 : 0;
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    return [Math.hypot(xs[i] + f * dx - px, ys[i] + f * dy - py), f];
  };
  let best = Infinity, seg = i0, f = 0;
  for (let i = i0; i < i1; i++) {
    const [d, fi] = near(i);
    if (d < best) { best = d; seg = i; f = fi; }
  }
  let off = best;
  if (hereM !== undefined) {
    const from = (hereM - BEHIND_M) / s;
    for (let i = i0; i < i1; i++) {
      if (cum[i + 1] < from) continue;
      const [d, fi] = near(i);
      if (d <= best + TIE_M && cum[i] + fi * (cum[i + 1] - cum[i]) >= from) { seg = i; f = fi; off = d; break; }
    }
  }
  const x = xs[seg] + f * (xs[seg + 1] - xs[seg]), y = ys[seg] + f * (ys[seg + 1] - ys[seg]);
  return { along: (cum[seg] + f * (cum[seg + 1] - cum[seg])) * s, off, seg, x, y };
}

/* [lat, lon] at `m` route metres from the start. */
export function pointAt(line, m) {
  const target = Math.min(Math.max(m / line.scale, 0), line.cum[line.n - 1]);
  const i = Math.max(indexAt(line.cum, target) - 1, 0);
  if (i >= line.n - 1) return [line.coords[line.n - 1][1], line.coords[line.n - 1][0]];
  const span = line.cum[i + 1] - line.cum[i];
  const f = span > 0 ? (target - line.cum[i]) / span : 0;
  return toLatLon(line, line.xs[i] + f * (line.xs[i + 1] - line.xs[i]), line.ys[i] + f * (line.ys[i + 1] - line.ys[i]));
}

/* Route metres at the line's vertex `i` (a maneuver's begin_shape_index). */
export function alongVertex(line, i) {
  return line.cum[Math.min(Math.max(i, 0), line.n - 1)] * line.scale;
}

/* The line split at `m`: [done, to go] as Leaflet [lat, lon] arrays. */
export function splitAt(line, m) {
  const target = m / line.scale;
  const k = indexAt(line.cum, target);
  const cut = pointAt(line, m);
  const done = [], left = [cut];
  for (let i = 0; i < k; i++) done.push([line.coords[i][1], line.coords[i][0]]);
  done.push(cut);
  for (let i = k; i < line.n; i++) left.push([line.coords[i][1], line.coords[i][0]]);
  return [done, left];
}

/* Short distances (a few km) between two points, in metres: equirectangular, ample for a city. */
export function distance(lat1, lon1, lat2, lon2) {
  const x = (lon2 - lon1) * RAD * Math.cos(((lat1 + lat2) / 2) * RAD), y = (lat2 - lat1) * RAD;
  return Math.hypot(x, y) * EARTH_M;
}

/* Initial bearing from 1 to 2, degrees clockwise from north. */
export function bearing(lat1, lon1, lat2, lon2) {
  const p1 = lat1 * RAD, p2 = lat2 * RAD, dl = (lon2 - lon1) * RAD;
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  return (Math.atan2(y, x) / RAD + 360) % 360;
}

export const COMPASS = ["north", "northeast", "east", "southeast", "south", "southwest", "west", "northwest"];
export function compass(deg) {
  return COMPASS[Math.round(deg / 45) % 8];
}
