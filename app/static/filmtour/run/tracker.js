/* The run itself, without the page: each position fix moves the runner along the line and says what is due.
   Its state is plain data (saved on the device after each fix, so a reload resumes); the line and cues are
   rebuilt from the route. `handleFix` returns events for the page: {type: "say", kind, text},
   {type: "reroute", from, to}, {type: "hint", text}, {type: "poor", accuracy}. */

import { buildCues, routeFeature, stopsOf, turnsOf, turnText, TURN_LEAD_M } from "./cues.js";
import { bearing, compass, distance, locate, pointAt, prepareLine } from "./geo.js";
import { fmtDistance, t } from "./text.js";

export const POOR_ACCURACY_M = 50; // a rougher fix moves nothing and says nothing
export const OFF_ROUTE_M = 40; // further than this from the line ...
export const OFF_FIXES = 3; // ... this many fixes running: off the route
export const BACK_FIXES = 2; // this many fixes on the line again: back
export const ARRIVE_M = 40;
export const PASSED_M = 60; // a cue more than this behind the runner (a jump, a rejoin) is dropped, not said
export const MOVING_MPS = 0.5;
export const REROUTE_EVERY_MS = 30000;
const COUNTDOWN_S = [60, 30, 10];
const PACE_WINDOW_MS = 30000;

/* What a run needs besides its state: the line, its cues and stops, the song cue; and a detour's line. */
export function runContext(fc) {
  const route = routeFeature(fc);
  const line = prepareLine(route.geometry.coordinates, route.properties.distance_m);
  const stops = stopsOf(fc);
  const song = (fc.properties || {}).song_cue || null;
  const peakStop = song ? stops.find((s) => s.seq === song.peak_at.seq) : null;
  return { fc, line, cues: buildCues(fc, line), stops, song, peakStop, detourLine: null, detourTurns: [],
           paceMinPerKm: fc.properties.pace_min_per_km || 6 };
}

export function newRun() {
  return { version: 1, status: "idle", startT: null, lastT: null, pausedMs: 0, pauseT: null, progress: 0,
           nextCue: 0, fired: {}, offCount: 0, onCount: 0, off: false, detour: null, lastReroute: 0, hinted: false,
           playT: null, countdown: {}, peak: null, arrivals: {}, distance: 0, movingMs: 0, lastGood: null,
           recent: [], fixes: 0, poor: false };
}

export function start(run, now) {
  run.status = "running";
  run.startT = now;
  run.lastT = now;
}

export function pause(run, now) {
  if (run.status !== "running") return;
  run.status = "paused";
  run.pauseT = now;
}

export function resume(run, now) {
  if (run.status !== "paused") return;
  run.pausedMs += Math.max(0, now - run.pauseT);
  run.pauseT = null;
  run.status = "running";
  run.lastGood = null; // the way walked while paused is not the run's
}

export function end(run, now) {
  if (run.status === "paused") resume(run, now);
  run.status = "ended";
  run.endT = now;
}

export function elapsedS(run, now) {
  if (run.startT === null) return 0;
  const until = run.status === "ended" ? run.endT : run.status === "paused" ? run.pauseT : now;
  return Math.max(0, (until - run.startT - run.pausedMs) / 1000);
}

/* A detour (a route from where the runner is to the next stop) to follow until back on the line. */
export function setDetour(run, ctx, fc, to) {
  const route = routeFeature(fc);
  run.detour = { coords: route.geometry.coordinates, routeM: route.properties.distance_m, legs: route.properties.legs,
                 to, progress: 0, fired: {} };
  attachDetour(run, ctx);
}

export function attachDetour(run, ctx) {
  if (!run.detour || !run.detour.coords) { ctx.detourLine = null; ctx.detourTurns = []; return; }
  ctx.detourLine = prepareLine(run.detour.coords, run.detour.routeM);
  ctx.detourTurns = turnsOf({ properties: { legs: run.detour.legs } }, ctx.detourLine);
}

export function nextStop(run, ctx) {
  return ctx.stops.find((s) => s.seq > 0 && !(s.seq in run.arrivals) && s.at > run.progress - ARRIVE_M) || null;
}

export function nextTurn(run, ctx) {
  if (run.off && ctx.detourLine) {
    const turn = ctx.detourTurns.find((x) => x.at > run.detour.progress);
    return turn ? { instruction: turn.instruction, ahead: turn.at - run.detour.progress } : null;
  }
  const cue = ctx.cues.find((c) => c.kind === "turn" && c.at > run.progress);
  return cue ? { instruction: cue.instruction, ahead: cue.at - run.progress } : null;
}

/* Minutes per km over the last half-minute of fixes (null until there is enough). */
export function currentPace(run) {
  const r = run.recent;
  if (r.length < 2) return null;
  const dt = (r[r.length - 1][0] - r[0][0]) / 60000, dd = (r[r.length - 1][1] - r[0][1]) / 1000;
  return dd > 0.005 ? dt / dd : null;
}

function say(events, kind, text) {
  events.push({ type: "say", kind, text });
}

function fireMainCues(run, ctx, events, elapsed) {
  const cues = ctx.cues;
  while (run.nextCue < cues.length && cues[run.nextCue].at - cues[run.nextCue].lead <= run.progress) {
    const cue = cues[run.nextCue++];
    if (run.fired[cue.id]) continue;
    if (cue.kind === "stop") {
      run.arrivals[cue.seq] = elapsed;
    }
    if (cue.kind === "song-play") run.playT = run.lastT;
    run.fired[cue.id] = 1;
    if (run.progress - cue.at > PASSED_M) continue; // jumped past it: too late to say
    say(events, cue.kind, cue.kind === "turn" ? turnText(cue, cue.at - run.progress) : cue.text);
  }
}

function songCountdown(run, ctx, events, fixT) {
  const song = ctx.song;
  if (!song || run.playT === null || run.peak) return;
  const songLeft = song.song_s - (song.skip_into_song_s || 0) - (fixT - run.playT) / 1000;
  const steps = ctx.peakStop;
  if (songLeft <= 0) {
    run.peak = { elapsed: elapsedS(run, fixT), progress: run.progress };
    return;
  }
  if (!steps || steps.seq in run.arrivals) return;
  for (const mark of COUNTDOWN_S) {
    if (songLeft <= mark && !run.countdown[mark]) {
      run.countdown[mark] = 1;
      say(events, "song-countdown", t("{seconds} seconds to the peak; {distance} to the top of the steps.",
                                      { seconds: mark, distance: fmtDistance(Math.max(0, steps.at - run.progress)) }));
    }
  }
}

function followDetour(run, ctx, fix, events) {
  const d = run.detour;
  const loc = locate(ctx.detourLine, fix.lat, fix.lon, d.progress - 100, d.progress + 600, d.progress);
  if (loc.off > OFF_ROUTE_M) return false;
  d.progress = Math.max(d.progress, loc.along);
  ctx.detourTurns.forEach((turn, i) => {
    if (d.fired[i] || turn.at - TURN_LEAD_M > d.progress) return;
    d.fired[i] = 1;
    if (d.progress - turn.at <= PASSED_M) say(events, "turn", turnText(turn, turn.at - d.progress));
  });
  return true;
}

/* No way back from the server: where the line is, as the crow flies. */
export function wayBack(run, ctx, fix) {
  const near = locate(ctx.line, fix.lat, fix.lon, run.progress - 200, run.progress + 3000);
  const [lat, lon] = pointAt(ctx.line, near.along);
  return t("No network: the route is {distance} to the {direction}.",
           { distance: fmtDistance(distance(fix.lat, fix.lon, lat, lon)), direction: t(compass(bearing(fix.lat, fix.lon, lat, lon))) });
}

function offRoute(run, ctx, fix, events) {
  const now = fix.t;
  const onDetour = run.detour && ctx.detourLine && followDetour(run, ctx, fix, events);
  if (onDetour) return;
  if (run.detour && run.detour.failed) events.push({ type: "hint", text: wayBack(run, ctx, fix) });
  if (!run.rerouting && now - run.lastReroute >= REROUTE_EVERY_MS) {
    const to = nextStop(run, ctx);
    if (to) {
      run.lastReroute = now;
      run.rerouting = true;
      events.push({ type: "reroute", from: { lat: fix.lat, lon: fix.lon }, to });
    }
  }
}

/* One position fix {lat, lon, accuracy, t (ms)}: the run moves on; returns what the page must do. */
export function handleFix(run, ctx, fix) {
  const events = [];
  if (run.status !== "running") return events;
  run.lastT = Math.max(run.lastT || fix.t, fix.t);
  run.fixes += 1;
  if (!(fix.accuracy <= POOR_ACCURACY_M)) {
    run.poor = true;
    events.push({ type: "poor", accuracy: Math.round(fix.accuracy) });
    return events;
  }
  run.poor = false;
  const prev = run.lastGood;
  if (prev) {
    const d = distance(prev.lat, prev.lon, fix.lat, fix.lon), dt = fix.t - prev.t;
    if (dt > 0 && d >= (MOVING_MPS * dt) / 1000) { run.movingMs += dt; run.distance += d; }
  }
  run.lastGood = { lat: fix.lat, lon: fix.lon, t: fix.t };
  run.recent.push([fix.t, run.distance]);
  while (run.recent.length > 2 && run.recent[0][0] < fix.t - PACE_WINDOW_MS) run.recent.shift();

  let loc = locate(ctx.line, fix.lat, fix.lon, run.progress - 100, run.progress + 400, run.progress);
  if (loc.off > OFF_ROUTE_M) loc = locate(ctx.line, fix.lat, fix.lon, run.progress - 100, run.progress + 3000, run.progress);
  const elapsed = elapsedS(run, fix.t);
  if (loc.off <= OFF_ROUTE_M) {
    run.offCount = 0;
    if (run.off && ++run.onCount >= BACK_FIXES) {
      run.off = false;
      run.onCount = 0;
      run.detour = null;
      run.hinted = false;
      attachDetour(run, ctx);
      say(events, "back", t("Back on the route."));
    }
    if (!run.off) run.progress = Math.max(run.progress, loc.along);
  } else {
    run.onCount = 0;
    if (!run.off && ++run.offCount >= OFF_FIXES) {
      run.off = true;
      const to = nextStop(run, ctx);
      say(events, "off", t("You have left the route. Finding a way back to {name}.", { name: to ? to.name : "" }));
    }
    if (run.off) offRoute(run, ctx, fix, events);
  }
  if (!run.off) fireMainCues(run, ctx, events, elapsed);
  songCountdown(run, ctx, events, fix.t);
  return events;
}

/* The run against the plan, for the end screen (the API's /runs/compare answers the same for a GPX). */
export function summary(run, ctx) {
  const movingS = run.movingMs / 1000;
  const splits = ctx.stops.filter((s) => s.seq > 0).map((s) => ({
    seq: s.seq, name: s.name, planned_elapsed_s: s.planned_s,
    elapsed_s: s.seq in run.arrivals ? run.arrivals[s.seq] : null,
    difference_s: s.seq in run.arrivals ? run.arrivals[s.seq] - s.planned_s : null,
  }));
  let peak = null;
  const song = ctx.song, steps = ctx.peakStop;
  if (song && steps && run.playT !== null && steps.seq in run.arrivals) {
    const playElapsed = elapsedS({ ...run, status: "running" }, run.playT);
    const peakElapsed = playElapsed + song.song_s - (song.skip_into_song_s || 0);
    peak = { seconds_from_peak: run.arrivals[steps.seq] - peakElapsed,
             metres_from_steps_at_peak: run.peak ? run.peak.progress - steps.at : null };
  }
  return { distance_m: run.distance, moving_time_s: movingS,
           average_pace_min_per_km: run.distance > 0 ? movingS / 60 / (run.distance / 1000) : null,
           route_done_m: run.progress, splits, song_peak: peak };
}
