/* The run page: reads the route and the strings it speaks from the page's JSON blocks, follows the device's
   position (watchPosition), drives the tracker with each fix, says and shows what is due, keeps the screen
   awake while running, saves the run on the device after every fix, and at the end shows the run against
   the plan with "Download my run". map.js (a classic script, run before this module) made the base map. */

import { buildGpx } from "./gpx.js";
import { splitAt } from "./geo.js";
import { addFix, clearState, deleteTrack, loadState, saveState, track } from "./store.js";
import { fmtDistance, fmtDuration, fmtPace, setMessages, t } from "./text.js";
import * as tracker from "./tracker.js";
import { announce, isMuted, setLanguage, setMuted } from "./voice.js";

const $ = (id) => document.getElementById(id);
const data = JSON.parse($("ft-data").textContent);
setMessages(data.messages);
setLanguage(data.speech_lang);
const fc = data.route;
const ctx = tracker.runContext(fc);
const key = data.kind + "/" + data.id + (new URLSearchParams(window.location.search).get("workout") || "");
const map = window.filmtourMap.map;
const cueLine = $("ft-run-cue");
const metrics = { handler: [], logic: [], save: [], stats: [], frame: [] };

let run = loadState(key) || tracker.newRun();
run.rerouting = false;
tracker.attachDetour(run, ctx);
const SAVE_EVERY_MS = 2000;
let savedAt = 0;
let watchId = null, wakeLock = null, lastFixWall = Date.now(), lostShown = false, lastSplitAt = -1, lastFix = null;

// --- the map: the line in two parts, you, and a detour when there is one ------------------------------
map.setMinZoom(15);
const todo = L.polyline([], { color: "#b3202b", weight: 6, opacity: 0.9, className: "ft-run-todo" }).addTo(map);
const done = L.polyline([], { color: "#6b6b6b", weight: 6, opacity: 0.8, dashArray: "2 8", className: "ft-run-done" }).addTo(map);
const detour = L.polyline([], { color: "#1d5fa8", weight: 6, opacity: 0.9, className: "ft-run-detour" }).addTo(map);
const me = L.circleMarker(fc.features[0].geometry.coordinates[0].slice().reverse(),
                          { radius: 9, color: "#fff", weight: 3, fillColor: "#1d5fa8", fillOpacity: 1 });
ctx.stops.forEach((s) => {
  const label = s.role === "start" ? t("Start") : s.role === "finish" ? t("Finish") : String(s.seq);
  L.marker([s.lat, s.lon], { icon: window.filmtourMap.pin(s.role === "start" ? "S" : s.role === "finish" ? "F" : String(s.seq), "ft-stop ft-" + s.role),
                             title: label + ": " + s.name, alt: label + ": " + s.name, keyboard: false }).addTo(map);
});

function drawLines(force) {
  if (!force && Math.abs(run.progress - lastSplitAt) < 5) return;
  lastSplitAt = run.progress;
  const [a, b] = splitAt(ctx.line, run.progress);
  done.setLatLngs(a);
  todo.setLatLngs(b);
}

function drawDetour() {
  detour.setLatLngs(run.detour && run.detour.coords ? run.detour.coords.map((c) => [c[1], c[0]]) : []);
}

// --- numbers ------------------------------------------------------------------------------------------
function clock() {
  return Math.max(Date.now(), run.lastT || 0);
}

function showStats() {
  const elapsed = tracker.elapsedS(run, clock());
  $("ft-run-done").textContent = fmtDistance(run.progress);
  $("ft-run-left").textContent = fmtDistance(Math.max(0, ctx.line.routeM - run.progress));
  $("ft-run-elapsed").textContent = fmtDuration(elapsed);
  const pace = tracker.currentPace(run);
  $("ft-run-pace").textContent = fmtPace(pace);
  const turn = tracker.nextTurn(run, ctx);
  $("ft-run-turn").textContent = turn ? turn.instruction + " \u2014 " + fmtDistance(turn.ahead) : "\u2013";
  const stop = tracker.nextStop(run, ctx);
  if (stop) {
    const left = Math.max(0, stop.at - run.progress);
    const eta = elapsed + (left / 1000) * (pace || ctx.paceMinPerKm) * 60;
    $("ft-run-stop").textContent = `${stop.name} \u2014 ${fmtDistance(left)}, ${fmtDuration(eta)} (${t("plan {time}", { time: fmtDuration(stop.planned_s) })})`;
  } else {
    $("ft-run-stop").textContent = "\u2013";
  }
  document.body.dataset.ftProgress = String(Math.round(run.progress));
}

// --- the controls -------------------------------------------------------------------------------------
function showControls() {
  const s = run.status;
  document.body.dataset.ftRun = s;
  $("ft-run-start").hidden = !(s === "idle" || s === "ended");
  $("ft-run-pause").hidden = s !== "running";
  $("ft-run-resume").hidden = s !== "paused";
  $("ft-run-end").hidden = !(s === "running" || s === "paused");
  $("ft-run-mute").textContent = isMuted() ? t("Unmute") : t("Mute");
  $("ft-run-mute").setAttribute("aria-pressed", String(isMuted()));
}

async function keepAwake() {
  if (!("wakeLock" in navigator) || run.status !== "running" || document.visibilityState !== "visible") return;
  try {
    wakeLock = await navigator.wakeLock.request("screen");
  } catch (e) {
    wakeLock = null; // refused (battery saver): the run goes on
  }
}

function letSleep() {
  if (wakeLock) wakeLock.release().catch(() => {});
  wakeLock = null;
}

function watch() {
  if (watchId !== null || !navigator.geolocation) return;
  announceText(t("Waiting for your position\u2026"));
  watchId = navigator.geolocation.watchPosition(onPosition, () => {}, { enableHighAccuracy: true, maximumAge: 0, timeout: 30000 });
}

function unwatch() {
  if (watchId !== null) navigator.geolocation.clearWatch(watchId);
  watchId = null;
}

function announceText(text) {
  cueLine.textContent = text;
}

$("ft-run-start").addEventListener("click", () => {
  if (run.id) deleteTrack(run.id);
  run = tracker.newRun();
  run.id = Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  tracker.start(run, Date.now());
  ctx.detourLine = null;
  drawDetour();
  $("ft-run-summary").hidden = true;
  saveState(key, run);
  showControls();
  watch();
  keepAwake();
});
$("ft-run-pause").addEventListener("click", () => {
  tracker.pause(run, clock());
  saveState(key, run);
  letSleep();
  showControls();
});
$("ft-run-resume").addEventListener("click", () => {
  tracker.resume(run, clock());
  saveState(key, run);
  keepAwake();
  showControls();
});
$("ft-run-end").addEventListener("click", () => {
  tracker.end(run, clock());
  saveState(key, run);
  unwatch();
  letSleep();
  showControls();
  showSummary(true);
});
$("ft-run-mute").addEventListener("click", () => {
  setMuted(!isMuted());
  showControls();
});
$("ft-run-gpx").addEventListener("click", downloadGpx);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") keepAwake();
  else saveState(key, run);
});
window.addEventListener("pagehide", () => saveState(key, run));

// --- each fix -----------------------------------------------------------------------------------------
function onPosition(pos) {
  const t0 = performance.now();
  const fix = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy, t: pos.timestamp };
  lastFixWall = Date.now();
  lostShown = false;
  lastFix = fix;
  if (run.status === "running") {
    const events = tracker.handleFix(run, ctx, fix);
    metrics.logic.push(performance.now() - t0);
    if (fix.accuracy <= tracker.POOR_ACCURACY_M) {
      addFix({ run: run.id, t: fix.t, lat: fix.lat, lon: fix.lon, ele: pos.coords.altitude ?? undefined }).catch(() => {});
    }
    events.forEach(onEvent);
    // Saved at once when something was said (never said twice after a reload), else every SAVE_EVERY_MS,
    // and when the page is hidden or left: a killed tab loses at most that much of the way.
    if (events.length || Date.now() - savedAt >= SAVE_EVERY_MS) {
      const t1 = performance.now();
      saveState(key, run);
      savedAt = Date.now();
      metrics.save.push(performance.now() - t1);
    }
  }
  const t2 = performance.now();
  showStats();
  metrics.stats.push(performance.now() - t2);
  metrics.handler.push(performance.now() - t0);
  // The map moves once per frame, however many fixes came in it (its paint is not the fix's work).
  if (!framePending) {
    framePending = true;
    requestAnimationFrame(moveMap);
  }
}

let framePending = false;
function moveMap() {
  framePending = false;
  const t0 = performance.now();
  me.setLatLng([lastFix.lat, lastFix.lon]);
  if (!map.hasLayer(me)) me.addTo(map);
  map.setView([lastFix.lat, lastFix.lon], map.getZoom(), { animate: false });
  drawLines(false);
  metrics.frame.push(performance.now() - t0);
}

function onEvent(ev) {
  if (ev.type === "say") {
    announce(ev.text, cueLine);
    if (ev.kind === "back") drawDetour();
  } else if (ev.type === "poor") {
    announceText(t("Position too rough ({accuracy} m): no cues until it improves.", { accuracy: ev.accuracy }));
  } else if (ev.type === "hint") {
    if (!run.hinted) { run.hinted = true; announce(ev.text, cueLine); } else announceText(ev.text);
  } else if (ev.type === "reroute") {
    reroute(ev.from, ev.to);
  }
}

// Off the route: a plan (not saved: the live position stays out of any stored route) from here to the next stop.
function reroute(from, to) {
  const props = fc.properties;
  const body = {
    stops: [{ lat: +from.lat.toFixed(4), lon: +from.lon.toFixed(4), name: t("Start") }, { lat: to.lat, lon: to.lon, name: to.name }],
    order: "as_given", activity: props.activity, pace_min_per_km: props.pace_min_per_km, step_free: !!props.step_free,
    language: props.language || undefined, save: false,
  };
  fetch(data.reroute_url, { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/geo+json" },
                            body: JSON.stringify(body) })
    .then((r) => { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then((way) => {
      run.rerouting = false;
      if (!run.off || run.status !== "running") return;
      tracker.setDetour(run, ctx, way, { seq: to.seq, name: to.name });
      run.hinted = false;
      drawDetour();
      document.body.dataset.ftDetours = String(Number(document.body.dataset.ftDetours || 0) + 1);
      announce(t("New route to {name}: follow the blue line.", { name: to.name }), cueLine);
      saveState(key, run);
    })
    .catch(() => {
      run.rerouting = false;
      run.detour = { failed: true };
      tracker.attachDetour(run, ctx);
      if (lastFix && run.off) onEvent({ type: "hint", text: tracker.wayBack(run, ctx, lastFix) });
      saveState(key, run);
    });
}

// --- the end ------------------------------------------------------------------------------------------
function showSummary(focus) {
  const s = tracker.summary(run, ctx);
  const totals = $("ft-run-totals");
  totals.replaceChildren();
  const add = (label, value) => {
    const wrap = document.createElement("div");
    const dt = document.createElement("dt"), dd = document.createElement("dd");
    dt.textContent = label;
    dd.textContent = value;
    wrap.append(dt, dd);
    totals.appendChild(wrap);
  };
  add(t("Distance"), fmtDistance(s.distance_m));
  add(t("Moving time"), fmtDuration(s.moving_time_s));
  add(t("Average pace"), fmtPace(s.average_pace_min_per_km));
  const body = $("ft-run-splits").tBodies[0];
  body.replaceChildren();
  for (const split of s.splits) {
    const tr = body.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = split.name;
    if (data.lang !== "en") th.lang = "en"; // dataset names are English
    tr.appendChild(th);
    tr.insertCell().textContent = fmtDuration(split.planned_elapsed_s);
    tr.insertCell().textContent = split.elapsed_s === null ? "\u2013" : fmtDuration(split.elapsed_s);
    tr.insertCell().textContent = split.difference_s === null ? "\u2013" : (split.difference_s >= 0 ? "+" : "") + fmtDuration(split.difference_s);
  }
  const peak = s.song_peak;
  $("ft-run-peak").textContent = peak
    ? t("You reached the top of the steps {distance} from the song's peak.", {
        distance: (peak.seconds_from_peak >= 0 ? "+" : "") + fmtDuration(peak.seconds_from_peak) +
                  (peak.metres_from_steps_at_peak !== null ? " / " + fmtDistance(Math.abs(peak.metres_from_steps_at_peak)) : "") })
    : "";
  $("ft-run-summary").hidden = false;
  window.filmtourRun.summary = s;
  if (focus) {
    announce(t("You finished: {distance} in {time}.", { distance: fmtDistance(s.distance_m), time: fmtDuration(s.moving_time_s) }), cueLine);
    $("ft-run-summary").focus();
  }
}

function downloadGpx() {
  track(run.id).then((fixes) => {
    const text = buildGpx(fixes, { name: data.title, link: window.location.origin + data.map_url });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/gpx+xml" }));
    a.download = "filmtour-run-" + new Date(fixes.length ? fixes[0].t : Date.now()).toISOString().slice(0, 10) + ".gpx";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  });
}

// --- a lost fix, or the tab coming back, never ends the run ---------------------------------------------
setInterval(() => {
  if (run.status !== "running") return;
  showStats();
  if (!lostShown && Date.now() - lastFixWall > 20000) {
    lostShown = true;
    announceText(t("No position for a while: the run goes on."));
  }
}, 1000);

// --- start up: resume a run this device was in the middle of ---------------------------------------------
window.filmtourRun = { get run() { return run; }, ctx, metrics, summary: null, clear: () => clearState(key) };
drawLines(true);
drawDetour();
showControls();
if (run.status === "running" || run.status === "paused") {
  document.body.dataset.ftResumed = "1";
  watch();
  keepAwake();
  announceText(t("Run resumed where you left it."));
} else if (run.status === "ended") {
  showSummary(false);
}
showStats();
map.getContainer().setAttribute("data-ft-run-ready", "1");
