// The reporting API as the pages call it: the API key (entered once per browser session), JSON with the key,
// problem details turned into plain words, and downloads that carry the key.

const KEY = 'emostream.apiKey';
const listeners = new Set();

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function setApiKey(key) {
  const k = (key || '').trim();
  if (k) sessionStorage.setItem(KEY, k); else sessionStorage.removeItem(KEY);
  listeners.forEach((f) => f({ type: 'key', key: k }));
}

/** Tells the pages about key changes and rejections: f({type: 'key'|'rejected', ...}). */
export function onKeyEvent(f) {
  listeners.add(f);
}

/**
 * A link may carry the key in its fragment (#key=…, as ./emostream prints for the local platform): the fragment
 * never reaches a server; the key moves to session storage and leaves the address bar and history.
 */
export function takeKeyFromFragment() {
  const m = /(?:^#|&)key=([^&]+)/.exec(location.hash);
  if (!m) return;
  sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
  history.replaceState(null, '', location.pathname + location.search);
}

/** Tells the page that the server refused the key (shows the key box and the message). */
export function keyRejected(message) {
  listeners.forEach((f) => f({ type: 'rejected', message }));
}

export class ApiError extends Error {
  constructor(status, problem, message) {
    super(message);
    this.status = status;
    this.problem = problem;
  }
}

/** Plain words for why ingest rejected a recording (its reason codes, shared with the dead-letter topic). */
export const REASONS = {
  AUDIO_EMPTY: 'The file holds no audio: it is empty, or a video without a sound track.',
  AUDIO_UNREADABLE: 'This is not audio EmoStream can read. Use WAV, MP3, FLAC, Ogg/Opus, M4A/AAC or a video with sound.',
  AUDIO_CORRUPT: 'The audio is damaged or cut short: decoding fails part-way through the file.',
  AUDIO_TOO_LARGE: 'The file is larger than ingest accepts.',
  AUDIO_TOO_LONG: 'The recording is longer than ingest accepts.',
  TRANSCRIPT_MALFORMED: 'The transcript is not valid WebVTT, JSON or plain text.',
  TRANSCRIPT_OUT_OF_RANGE: 'The transcript does not fit the audio: a segment lies outside the recording.',
  TRANSCRIPT_WITHOUT_RECORDING: 'A transcript arrived but its recording never did.',
  INVALID_KEY: "The recording id is not valid: use 1–128 letters, digits, '.', '_', '-' or ':'.",
  MALFORMED_EVENT: 'A field of the upload is malformed (e.g. the speakers map).',
  UNSUPPORTED_SCHEMA_VERSION: 'The input uses a newer format than this platform reads.',
  MODEL_FAILURE: 'A model failed on this input.',
};

/** Plain words for an API answer that is not a success. */
export function problemMessage(status, problem, retryAfter) {
  const detail = problem && problem.detail ? problem.detail : null;
  if (status === 0) return 'The EmoStream service is not reachable from this browser. Is it running?';
  if (status === 401) {
    return 'The API key was not accepted' + (detail ? ' (' + detail + ')' : '') + '. Enter a valid key above.';
  }
  if (problem && problem.reason && REASONS[problem.reason]) {
    return REASONS[problem.reason] + (detail ? ' Ingest says: ' + detail + '.' : '') + ' [' + problem.reason + ']';
  }
  if (status === 429) {
    return 'Ingest is busy with other uploads' + (retryAfter ? '; trying again in ' + retryAfter + ' s.' : '; try again shortly.');
  }
  if (status === 413) return 'The file is larger than the service accepts' + (detail ? ' (' + detail + ')' : '') + '.';
  if (problem && (problem.title || detail)) {
    return (problem.title || 'Error') + (detail ? ': ' + detail : '') + ' (HTTP ' + status + ')';
  }
  return 'The request failed with HTTP ' + status + '.';
}

/**
 * Whether an upload's answer is worth sending again (with the same Idempotency-Key) after its Retry-After: ingest
 * busy (429), starting (503), or this very upload still in progress (409 with Retry-After).
 */
export function retryableUpload(answer) {
  return answer.status === 429 || answer.status === 503 || (answer.status === 409 && answer.retryAfter != null);
}

/** The problem details of a response, or null when it has none. */
export function parseProblem(text) {
  try {
    const p = JSON.parse(text);
    return p && typeof p === 'object' ? p : null;
  } catch (e) {
    return null;
  }
}

function headers(accept) {
  const h = { Accept: accept };
  const k = apiKey();
  if (k) h['X-API-Key'] = k;
  return h;
}

async function call(path, accept) {
  if (!apiKey()) {
    throw new ApiError(401, null, 'Enter the API key above to see results.');
  }
  let r;
  try {
    r = await fetch(path, { headers: headers(accept) });
  } catch (e) {
    throw new ApiError(0, null, problemMessage(0, null));
  }
  if (r.ok) return r;
  const problem = parseProblem(await r.text());
  const err = new ApiError(r.status, problem, problemMessage(r.status, problem));
  if (r.status === 401) keyRejected(err.message);
  throw err;
}

export async function getJson(path) {
  return (await call(path, 'application/json')).json();
}

/** Saves what {@code path} answers as a file: a plain link cannot send the key header. */
export async function download(path, filename, accept) {
  const blob = await (await call(path, accept)).blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** A query string from the non-empty entries of {@code params}. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '' && v !== false) q.set(k, String(v));
  }
  const s = q.toString();
  return s ? '?' + s : '';
}
