/* Cues said three ways: spoken (Web Speech API, in the route's language, unless muted), written in the cue
   line (a live region), and a short vibration where the device has one. */

let muted = false;
let lang = "en-US";

export function setLanguage(tag) {
  lang = tag;
}

export function setMuted(value) {
  muted = !!value;
  if (muted && window.speechSynthesis) window.speechSynthesis.cancel();
}

export function isMuted() {
  return muted;
}

export function announce(text, line) {
  if (line) line.textContent = text;
  if (navigator.vibrate) {
    try { navigator.vibrate(200); } catch (e) { /* not allowed without a gesture: fine */ }
  }
  if (muted || !window.speechSynthesis || !window.SpeechSynthesisUtterance) return;
  const u = new SpeechSynthesisUtterance(text);
  u.lang = lang;
  window.speechSynthesis.speak(u);
}
