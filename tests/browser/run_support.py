"""Helpers for the run page's browser tests: an emulated phone (390 px wide) whose geolocation the test
drives fix by fix, whose speech is recorded instead of spoken, and fixes laid along a route line computed here
with shapely and pyproj (not with the page's own geometry)."""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

TO_M = Transformer.from_crs("EPSG:4326", "EPSG:32618", always_xy=True)
TO_LL = Transformer.from_crs("EPSG:32618", "EPSG:4326", always_xy=True)
PHONE = {"width": 390, "height": 844}

# Runs before the page's scripts: navigator.geolocation answers only what the test emits, and
# speechSynthesis.speak records each utterance with how far along the route the page then was.
INIT_SCRIPT = """
(() => {
  const watchers = new Map(); let next = 1;
  const geo = {
    watchPosition(ok) { const id = next++; watchers.set(id, ok); return id; },
    clearWatch(id) { watchers.delete(id); },
    getCurrentPosition() {},
  };
  Object.defineProperty(navigator, "geolocation", { value: geo, configurable: true });
  window.__spoken = [];
  const synth = {
    speak(u) {
      const run = window.filmtourRun && window.filmtourRun.run;
      window.__spoken.push({ text: u.text, lang: u.lang, m: window.__lastM, progress: run ? run.progress : null,
                             off: run ? run.off : null });
    },
    cancel() {}, getVoices() { return []; }, speaking: false,
  };
  Object.defineProperty(window, "speechSynthesis", { value: synth, configurable: true });
  if (!window.SpeechSynthesisUtterance) window.SpeechSynthesisUtterance = function (text) { this.text = text; };
  window.__watching = () => watchers.size;
  // One task per fix, as a real fix comes: a MessageChannel message, not setTimeout(0), which Chromium clamps
  // to 4 ms once nested (thousands of fixes a run).
  const channel = new MessageChannel(); const waiting = [];
  channel.port1.onmessage = () => waiting.shift()();
  const yieldTask = () => new Promise((r) => { waiting.push(r); channel.port2.postMessage(null); });
  // Until the page's track writes so far are committed: a read of the track's store starts only after every
  // write begun before it (IndexedDB orders them). Real fixes come a second apart, so the page never has more
  // than one write in flight; emitted hundreds a second, a reload would abort the uncommitted ones.
  // (Never the one to create the database: the page's schema comes with its own first open.)
  const written = async () => {
    if (!(await indexedDB.databases()).some((d) => d.name === "filmtour-runs")) return;
    await committed();
  };
  const committed = () => new Promise((resolve, reject) => {
    const open = indexedDB.open("filmtour-runs");
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains("fixes")) { db.close(); resolve(); return; }
      const tx = db.transaction("fixes");
      tx.objectStore("fixes").count();
      tx.oncomplete = () => { db.close(); resolve(); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    };
  });
  window.__emit = async (fixes, until) => {
    for (const [lat, lon, acc, t, m] of fixes) {
      window.__lastM = m === undefined ? null : m;
      for (const ok of watchers.values())
        ok({ coords: { latitude: lat, longitude: lon, accuracy: acc, altitude: null }, timestamp: t });
      await yieldTask();
      if (until === "back" && !window.filmtourRun.run.off) { await written(); return true; }
    }
    await written();
    return false;
  };
})();
"""


class Line:
    """A route line in metres (UTM 18N), with positions in the route's own metres (its distance_m)."""

    def __init__(self, coords: list[list[float]], route_m: float | None = None) -> None:
        arr = np.asarray(coords, dtype=float)
        xs, ys = TO_M.transform(arr[:, 0], arr[:, 1])
        self.line = shapely.LineString(np.column_stack([xs, ys]))
        self.cum = np.concatenate([[0.0], np.cumsum(np.hypot(np.diff(xs), np.diff(ys)))])
        self.scale = (route_m or self.line.length) / self.line.length
        self.route_m = self.line.length * self.scale

    def at(self, m: float) -> tuple[float, float]:
        p = self.line.interpolate(min(max(m / self.scale, 0), self.line.length))
        lon, lat = TO_LL.transform(p.x, p.y)
        return lat, lon

    def vertex_m(self, i: int) -> float:
        return float(self.cum[i] * self.scale)

    def fixes(
        self, start_m: float, end_m: float, step_m: float, t0_ms: float, mps: float
    ) -> list[list[float]]:
        """[lat, lon, accuracy, t, m] every step_m from start_m to end_m, t at the given speed."""
        out = []
        for m in np.arange(start_m, end_m, step_m):
            lat, lon = self.at(float(m))
            out.append([lat, lon, 8.0, t0_ms + (m - start_m) / mps * 1000, float(m)])
        return out


def offset(lat: float, lon: float, east_m: float, north_m: float) -> tuple[float, float]:
    x, y = TO_M.transform(lon, lat)
    lon2, lat2 = TO_LL.transform(x + east_m, y + north_m)
    return lat2, lon2


def route_of(fc: dict[str, Any]) -> dict[str, Any]:
    return next(f for f in fc["features"] if f["properties"]["kind"] == "route")


def stops_of(fc: dict[str, Any]) -> list[dict[str, Any]]:
    return [f["properties"] for f in fc["features"] if f["properties"]["kind"] == "stop"]
