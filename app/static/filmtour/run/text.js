/* What the run page says and shows: the page's message table (from the JSON data block, in the route's
   language; the English text is the key) with {name} placeholders, and number formats. */

let MESSAGES = {};

export function setMessages(table) {
  MESSAGES = table || {};
}

export function t(msg, vars) {
  const out = Object.prototype.hasOwnProperty.call(MESSAGES, msg) ? MESSAGES[msg] : msg;
  return out.replace(/\{(\w+)\}/g, (m, k) => (vars && k in vars ? String(vars[k]) : m));
}

export function fmtDistance(m) {
  if (m >= 1000) return (m / 1000).toFixed(m >= 10000 ? 1 : 2) + " km";
  return (m >= 100 ? Math.round(m / 10) * 10 : Math.round(m)) + " m";
}

export function fmtDuration(s) {
  const neg = s < 0;
  s = Math.round(Math.abs(s || 0));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const text = h ? `${h}:${String(m).padStart(2, "0")}:${String(sec).padStart(2, "0")}` : `${m}:${String(sec).padStart(2, "0")}`;
  return (neg ? "\u2212" : "") + text;
}

export function fmtPace(minPerKm) {
  if (!minPerKm || !isFinite(minPerKm) || minPerKm > 60) return "\u2013";
  const whole = Math.floor(minPerKm), sec = Math.round((minPerKm - whole) * 60);
  return sec === 60 ? `${whole + 1}:00 /km` : `${whole}:${String(sec).padStart(2, "0")} /km`;
}

/* A scene note's first sentence: what is spoken on arrival. */
export function firstSentence(text) {
  if (!text) return "";
  const m = String(text).match(/^.*?[.!?](?=\s|$)/);
  return (m ? m[0] : String(text)).trim();
}
