/* The run stays on the device: its state in localStorage (written after every fix, so a reload or a
   killed tab resumes where it was) and its track in IndexedDB (one record per fix). Nothing here is sent
   anywhere; "Download my run" is the only way out. */

const STATE_PREFIX = "filmtour-run:";
const DB_NAME = "filmtour-runs";
const STORE = "fixes";

export function loadState(key) {
  try {
    return JSON.parse(window.localStorage.getItem(STATE_PREFIX + key) || "null");
  } catch (e) {
    return null;
  }
}

export function saveState(key, run) {
  try {
    window.localStorage.setItem(STATE_PREFIX + key, JSON.stringify(run));
  } catch (e) {
    /* storage full or denied: the run goes on in memory */
  }
}

export function clearState(key) {
  window.localStorage.removeItem(STATE_PREFIX + key);
}

let dbPromise = null;
function db() {
  if (!dbPromise) {
    dbPromise = new Promise((resolve, reject) => {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const store = req.result.createObjectStore(STORE, { autoIncrement: true });
        store.createIndex("run", "run");
      };
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }
  return dbPromise;
}

/* Append one fix {run, t, lat, lon, ele?, accuracy} to the track (not awaited by the fix handler). */
export function addFix(fix) {
  return db().then((d) => new Promise((resolve, reject) => {
    const tx = d.transaction(STORE, "readwrite");
    tx.objectStore(STORE).add(fix);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  }));
}

/* Every fix of a run, in the order recorded. */
export function track(runId) {
  return db().then((d) => new Promise((resolve, reject) => {
    const req = d.transaction(STORE).objectStore(STORE).index("run").getAll(IDBKeyRange.only(runId));
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  }));
}

export function deleteTrack(runId) {
  return db().then((d) => new Promise((resolve, reject) => {
    const tx = d.transaction(STORE, "readwrite");
    const req = tx.objectStore(STORE).index("run").openKeyCursor(IDBKeyRange.only(runId));
    req.onsuccess = () => {
      const cursor = req.result;
      if (cursor) { tx.objectStore(STORE).delete(cursor.primaryKey); cursor.continue(); }
    };
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  }));
}
