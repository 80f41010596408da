// Unit tests of the run page's geometry (app/static/filmtour/run/geo.js) with node's own test runner;
// tests/test_run_js.py runs them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bearing, compass, distance, locate, pointAt, prepareLine, splitAt } from "../../app/static/filmtour/run/geo.js";

// 1 km north along a meridian in Philadelphia, then back 500 m (out and back along one street)
const LAT0 = 39.95, LON0 = -75.16, DLAT = 1000 / 111195;
const OUT_BACK = [[LON0, LAT0], [LON0, LAT0 + DLAT], [LON0, LAT0 + DLAT / 2]];

test("distance and bearing agree with a known metre of latitude", () => {
  assert.ok(Math.abs(distance(LAT0, LON0, LAT0 + DLAT, LON0) - 1000) < 1);
  assert.ok(Math.abs(bearing(LAT0, LON0, LAT0 + DLAT, LON0)) < 0.01);
  assert.equal(compass(bearing(LAT0, LON0, LAT0, LON0 + 0.01)), "east");
  assert.equal(compass(350), "north");
  assert.equal(compass(225), "southwest");
});

test("a line is scaled to the route's own metres", () => {
  const line = prepareLine(OUT_BACK, 1485);
  assert.ok(Math.abs(line.routeM - 1485) < 1e-6);
  const [lat] = pointAt(line, 1485 * (1000 / 1500));
  assert.ok(Math.abs(lat - (LAT0 + DLAT)) < 1e-6); // the turnaround
});

test("out and back: a point is on the way out until the runner is past it", () => {
  const line = prepareLine(OUT_BACK);
  const at750 = LAT0 + 0.75 * DLAT;
  const out = locate(line, at750, LON0 + 0.00002, 0, 1500, 700);
  assert.ok(Math.abs(out.along - 750) < 1, out.along);
  assert.ok(out.off < 2);
  const back = locate(line, at750, LON0 + 0.00002, 0, 1500, 1100);
  assert.ok(Math.abs(back.along - 1250) < 1, back.along);
  // with no idea where the runner was: the nearest
  assert.ok(Math.abs(locate(line, LAT0 + 0.1 * DLAT, LON0).along - 100) < 1);
});

test("a point off the line is as far off as it is", () => {
  const line = prepareLine(OUT_BACK);
  const loc = locate(line, LAT0 + 0.2 * DLAT, LON0 + 100 / (111195 * Math.cos((LAT0 * Math.PI) / 180)));
  assert.ok(Math.abs(loc.off - 100) < 0.5, loc.off);
  assert.ok(Math.abs(loc.along - 200) < 1);
});

test("the line splits into done and to go at the runner", () => {
  const line = prepareLine(OUT_BACK);
  const [done, left] = splitAt(line, 1200);
  assert.equal(done.length, 3);
  assert.equal(left.length, 2);
  assert.deepEqual(done[done.length - 1], left[0]);
  assert.ok(Math.abs(distance(...left[0], ...left[1]) - 300) < 1);
});
