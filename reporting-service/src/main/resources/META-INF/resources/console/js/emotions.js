// Emotion labels, their colours, and the formatting every page shares.

/** The canonical labels, in the order the API uses. */
export const LABELS = ['neutral', 'happy', 'sad', 'angry', 'fear', 'disgust', 'surprise'];

/** One colour per label, told apart also by people with the common colour-vision deficiencies (hue + lightness). */
export const COLORS = {
  neutral: '#8a8f98',
  happy: '#f2b705',
  sad: '#2f6fde',
  angry: '#d7263d',
  fear: '#7b3fb5',
  disgust: '#2f8f4e',
  surprise: '#f26b1d',
};

const UNKNOWN = '#444b55';

export function colorOf(label) {
  return COLORS[label] || UNKNOWN;
}

/**
 * How opaque an utterance's colour is: a sure result (1.0) is solid; the least sure result a 7-way model can give
 * (1/7) is faint but still visible. Linear in between, so equal confidence steps look equal.
 */
export function opacityOf(confidence) {
  const c = Number.isFinite(confidence) ? Math.min(1, Math.max(0, confidence)) : 0;
  return Math.round((0.2 + 0.8 * c) * 1000) / 1000;
}

export function percent(p, digits = 0) {
  return p == null || !Number.isFinite(p) ? '–' : (p * 100).toFixed(digits) + ' %';
}

/** Milliseconds as m:ss (or h:mm:ss), e.g. 75300 → "1:15". */
export function clock(ms) {
  if (ms == null) return '–';
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return (h > 0 ? h + ':' : '') + mm + ':' + String(sec).padStart(2, '0');
}

/** A span in seconds with one decimal, e.g. "4.6–9.4 s". */
export function span(startMs, endMs) {
  return (startMs / 1000).toFixed(1) + '–' + (endMs / 1000).toFixed(1) + ' s';
}

/** An ISO instant in the browser's time zone, e.g. "2026-11-22 10:04:05". */
export function localTime(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  const p = (n) => String(n).padStart(2, '0');
  return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + ' ' + p(d.getHours()) + ':'
    + p(d.getMinutes()) + ':' + p(d.getSeconds());
}

/** A label with its colour swatch, as an element (text content only: labels come from the API). */
export function chip(label, confidence) {
  const el = document.createElement('span');
  el.className = 'chip';
  el.dataset.label = label || '';
  el.style.setProperty('--c', colorOf(label));
  if (confidence != null) el.style.setProperty('--o', opacityOf(confidence));
  el.textContent = label || '–';
  return el;
}

/** The most likely label of a distribution (ties: canonical order), or null. */
export function top(probabilities) {
  if (!probabilities) return null;
  let best = null;
  for (const l of LABELS) {
    if (probabilities[l] != null && (best == null || probabilities[l] > probabilities[best])) best = l;
  }
  return best;
}
