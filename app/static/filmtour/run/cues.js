/* The cues of a route, placed along its line (route metres): each turn (spoken `TURN_LEAD_M` before it),
   each stop on arrival with its scene, the song cue (a heads-up, then "press play now"), and each workout
   station with its exercises at the route's level. The song's countdown and "off the route" depend on the
   run and come from the tracker. */

import { alongVertex } from "./geo.js";
import { firstSentence, fmtDistance, t } from "./text.js";

export const TURN_LEAD_M = 40;
export const SONG_HEADS_UP_M = 100;
export const ARRIVAL_LEAD_M = 15; // "arrived" this close to a stop (a fix rarely lands on it, nor on the finish)
// Valhalla maneuver types that are not a turn: none, start(3), destination(3), becomes, continue, stay straight.
const NOT_TURNS = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 22]);

export function routeFeature(fc) {
  return fc.features.find((f) => f.properties.kind === "route");
}

export function stopsOf(fc) {
  return fc.features.filter((f) => f.properties.kind === "stop").map((f) => ({
    seq: f.properties.seq,
    name: f.properties.name,
    role: f.properties.role,
    scene: f.properties.scene,
    at: f.properties.distance_from_start_m,
    planned_s: f.properties.arrival_elapsed_s,
    lat: f.geometry.coordinates[1],
    lon: f.geometry.coordinates[0],
    location_id: f.properties.location_id,
  }));
}

/* The turns of a route feature on `line`: [{at, instruction}] in order. */
export function turnsOf(route, line) {
  const out = [];
  for (const leg of route.properties.legs || []) {
    for (const m of leg.maneuvers || []) {
      if (NOT_TURNS.has(m.type)) continue;
      out.push({ at: alongVertex(line, m.begin_shape_index), instruction: m.instruction });
    }
  }
  return out;
}

function exerciseText(e) {
  if (e.reps) return t("{name}, {reps} reps", { name: e.name, reps: e.reps });
  return t("{name}, {seconds} seconds", { name: e.name, seconds: e.seconds });
}

/* Every fixed cue of the route: {id, kind, at (route m: said once the runner is past at - lead), lead, text,
   (stop) seq / lat / lon}, sorted by where it is said. */
export function buildCues(fc, line) {
  const cues = [];
  turnsOf(routeFeature(fc), line).forEach((turn, i) => {
    cues.push({ id: "turn-" + i, kind: "turn", at: turn.at, lead: TURN_LEAD_M, instruction: turn.instruction });
  });
  for (const stop of stopsOf(fc)) {
    if (stop.seq === 0) continue;
    const scene = firstSentence(stop.scene);
    cues.push({ id: "stop-" + stop.seq, kind: "stop", at: stop.at, lead: ARRIVAL_LEAD_M, seq: stop.seq, lat: stop.lat, lon: stop.lon,
                text: t("You have arrived at {name}. {scene}", { name: stop.name, scene }).trim() });
  }
  const props = fc.properties || {};
  const song = props.song_cue;
  if (song) {
    const playAt = song.skip_into_song_s > 0 ? 0 : song.distance_from_start_m;
    if (playAt > SONG_HEADS_UP_M) {
      cues.push({ id: "song-ready", kind: "song-ready", at: playAt - SONG_HEADS_UP_M, lead: 0,
                  text: t("Press play on \u201c{song}\u201d in {distance}.", { song: song.song, distance: fmtDistance(SONG_HEADS_UP_M) }) });
    }
    cues.push({ id: "song-play", kind: "song-play", at: playAt, lead: 0,
                text: t("Press play on \u201c{song}\u201d now.", { song: song.song }) });
  }
  ((props.workout && props.workout.stations) || []).forEach((s, i) => {
    cues.push({ id: "station-" + i, kind: "station", at: s.distance_from_start_m, lead: ARRIVAL_LEAD_M,
                text: t("Workout station: {exercises}.", { exercises: s.exercises.map(exerciseText).join("; ") }) });
  });
  cues.sort((a, b) => a.at - a.lead - (b.at - b.lead));
  return cues;
}

/* The text of a turn cue said `ahead` metres before it. */
export function turnText(cue, ahead) {
  return t("In {distance}: {instruction}", { distance: fmtDistance(Math.max(10, Math.round(ahead / 10) * 10)), instruction: cue.instruction });
}
