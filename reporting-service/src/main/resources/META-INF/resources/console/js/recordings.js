// The recordings list: filters (kept in the address, so a filtered view can be shared), paging, and live updates
// while results land (polling: EventSource cannot send the key header, and every replica sees the same database).
import { REASONS, getJson, query } from './api.js';
import { chip, clock, localTime, percent } from './emotions.js';
import { filterParams } from './forms.js';
import { clearNotice, el, mountPage, poll, showError } from './layout.js';

const PAGE = 50;
const REFRESH_MS = 3000;
const form = document.getElementById('filters');
const body = document.querySelector('#recordings tbody');
const more = document.getElementById('more');
const empty = document.getElementById('empty');
const live = document.getElementById('live');
let items = [];
let next = null;
let poller = null;
let generation = 0;
let latest = 0; // the newest list request: an older answer arriving late must not replace a newer one

function formValues() {
  const f = new FormData(form);
  return {
    search: (f.get('search') || '').trim(), emotion: f.get('emotion'), speaker: (f.get('speaker') || '').trim(),
    state: f.get('state'), from: f.get('from'), to: f.get('to'), lowConfidence: f.get('lowConfidence') === 'true',
  };
}

function restoreForm() {
  const q = new URLSearchParams(location.search);
  for (const name of ['search', 'emotion', 'speaker', 'state', 'from', 'to']) {
    if (q.has(name)) form.elements[name].value = q.get(name);
  }
  form.elements.lowConfidence.checked = q.get('lowConfidence') === 'true';
}

function row(r, fresh) {
  const state = el('span', { class: 'badge ' + (r.state || ''), text: r.state || '–' });
  if (r.state === 'FAILED') state.title = (REASONS[r.failureReason] || r.failureReason) + (r.failureDetail ? ' (' + r.failureDetail + ')' : '');
  const link = el('a', { href: 'recording.html?id=' + encodeURIComponent(r.recordingId), text: r.recordingId });
  const count = r.utteranceCount + (r.expectedUtterances != null && r.expectedUtterances !== r.utteranceCount
    ? ' / ' + r.expectedUtterances : '');
  return el('tr', { 'data-recording-id': r.recordingId, 'data-dominant': r.dominantEmotion || '', 'data-state': r.state || '',
    class: fresh ? 'fresh' : null },
  el('td', {}, link),
  el('td', { text: localTime(r.startedAt) }),
  el('td', { class: 'num', text: r.durationMs != null ? clock(r.durationMs) : '–' }),
  el('td', { text: (r.speakers || []).join(', ') || '–' }),
  el('td', {}, r.dominantEmotion ? chip(r.dominantEmotion) : '–'),
  el('td', { class: 'num', text: count }),
  el('td', { class: 'num', text: percent(r.meanConfidence) }),
  el('td', {}, state, r.state === 'FAILED' ? el('span', { class: 'small muted', text: ' ' + (r.failureReason || '') }) : null));
}

function render(previous) {
  const before = new Map(previous.map((r) => [r.recordingId, r.updatedAt]));
  body.replaceChildren(...items.map((r) => row(r, previous.length > 0 && before.get(r.recordingId) !== r.updatedAt)));
  more.hidden = next == null;
  empty.hidden = items.length > 0;
  const filtered = Object.values(formValues()).some((v) => v);
  empty.replaceChildren(filtered ? 'No recordings match these filters.'
    : el('span', {}, 'No recordings yet. ', el('a', { href: 'upload.html', text: 'Upload one' }), ' or run ./emostream analyze.'));
  document.body.dataset.loaded = String(++generation);
}

/** Loads the first page again (as many rows as are shown, so "load more" survives the refresh). */
async function refresh() {
  const limit = Math.min(500, Math.max(PAGE, items.length));
  const q = query({ ...filterParams(formValues()), limit });
  const mine = ++latest;
  try {
    const page = await getJson('/recordings' + q);
    if (mine !== latest) return true;
    const previous = items;
    items = page.items;
    next = page.nextCursor;
    clearNotice();
    render(previous);
    live.textContent = 'live · updated ' + new Date().toLocaleTimeString();
    return true;
  } catch (e) {
    showError(e.message);
    live.textContent = '';
    if (e.status === 401 && poller) { // wait for a new key instead of asking again every few seconds
      poller.stop();
      poller = null;
    }
    return false;
  }
}

async function loadMore() {
  const mine = ++latest;
  const page = await getJson('/recordings' + query({ ...filterParams(formValues()), limit: PAGE, cursor: next }));
  if (mine !== latest) return;
  items = items.concat(page.items);
  next = page.nextCursor;
  render([]);
}

async function speakers() {
  try {
    const stats = await getJson('/stats/emotions?groupBy=speaker&limit=500');
    document.getElementById('speakers').replaceChildren(...stats.groups.map((g) => el('option', { value: g.key })));
  } catch (e) {
    // the list still works without suggestions
  }
}

function filtersChanged() {
  const v = formValues();
  const q = query({ ...v, lowConfidence: v.lowConfidence ? 'true' : null });
  history.replaceState(null, '', location.pathname + q);
  items = [];
  refresh();
}

restoreForm();
form.addEventListener('change', filtersChanged);
form.addEventListener('submit', (e) => {
  e.preventDefault();
  filtersChanged();
});
form.addEventListener('reset', () => setTimeout(filtersChanged));
more.addEventListener('click', () => loadMore().catch((e) => showError(e.message)));

mountPage('recordings', async () => {
  const ok = await refresh();
  if (ok) speakers();
  if (ok && !poller) poller = poll(refresh, REFRESH_MS);
});
