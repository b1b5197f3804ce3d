// The frame every console page shares: navigation, the API key box, and a notice area for errors.
import { apiKey, onKeyEvent, setApiKey, takeKeyFromFragment } from './api.js';

const PAGES = [
  ['recordings', 'Recordings', 'index.html'],
  ['upload', 'Upload', 'upload.html'],
  ['trends', 'Trends', 'trends.html'],
];

/**
 * Builds the header and key box, then calls {@code load} now if a key is known and again whenever a key is entered.
 * Pages render their data in {@code load}; an API error reaches the notice area through {@link showError}.
 */
export function mountPage(active, load) {
  takeKeyFromFragment();
  const header = document.createElement('header');
  header.className = 'top';
  const brand = document.createElement('a');
  brand.className = 'brand';
  brand.href = 'index.html';
  brand.textContent = 'EmoStream';
  const nav = document.createElement('nav');
  for (const [id, title, href] of PAGES) {
    const a = document.createElement('a');
    a.href = href;
    a.textContent = title;
    if (id === active) a.className = 'active';
    nav.append(a);
  }
  const key = document.createElement('form');
  key.className = 'key';
  key.id = 'key-form';
  header.append(brand, nav, key);
  document.body.prepend(header);
  renderKey(key, false);

  onKeyEvent((e) => {
    if (e.type === 'rejected') {
      renderKey(key, true);
      showError(e.message);
    } else if (e.type === 'key') {
      renderKey(key, false);
      clearNotice();
      if (e.key) load();
    }
  });
  window.addEventListener('unhandledrejection', (e) => showError(String(e.reason && e.reason.message || e.reason)));
  if (apiKey()) {
    load();
  } else {
    showInfo('Enter your API key (top right) to see results. On a local platform started by ./emostream it is in '
      + '.emostream/api-key.');
  }
}

function renderKey(form, editing) {
  form.replaceChildren();
  const k = apiKey();
  if (k && !editing) {
    const label = document.createElement('span');
    label.id = 'key-status';
    label.textContent = 'API key …' + k.slice(-4);
    const change = document.createElement('button');
    change.type = 'button';
    change.textContent = 'Change';
    change.addEventListener('click', () => renderKey(form, true));
    form.append(label, change);
    form.onsubmit = (e) => e.preventDefault();
    return;
  }
  const input = document.createElement('input');
  input.type = 'password';
  input.id = 'api-key';
  input.name = 'key';
  input.placeholder = 'API key';
  input.autocomplete = 'off';
  input.setAttribute('aria-label', 'API key');
  const use = document.createElement('button');
  use.type = 'submit';
  use.id = 'api-key-use';
  use.textContent = 'Use key';
  form.append(input, use);
  form.onsubmit = (e) => {
    e.preventDefault();
    setApiKey(input.value);
  };
  if (editing) input.focus();
}

function noticeArea() {
  let n = document.getElementById('notice');
  if (!n) {
    n = document.createElement('div');
    n.id = 'notice';
    n.setAttribute('role', 'alert');
    document.querySelector('main').prepend(n);
  }
  return n;
}

export function showError(message) {
  const n = noticeArea();
  n.className = 'notice error';
  n.textContent = message;
}

export function showInfo(message) {
  const n = noticeArea();
  n.className = 'notice info';
  n.textContent = message;
}

export function clearNotice() {
  const n = document.getElementById('notice');
  if (n) {
    n.className = '';
    n.textContent = '';
  }
}

/** document.createElement with text, class and attributes in one call. */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('data-')) e.setAttribute(k, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  e.append(...children.filter((c) => c != null));
  return e;
}

/**
 * Calls {@code f} every {@code ms} while the page is visible (at once when it becomes visible again), until
 * stopped. {@code f} handles its own errors.
 */
export function poll(f, ms) {
  let timer = null;
  let stopped = false;
  const schedule = () => {
    if (!stopped && !document.hidden && timer == null) timer = setTimeout(tick, ms);
  };
  async function tick() {
    timer = null;
    if (stopped || document.hidden) return;
    try {
      await f();
    } finally {
      schedule();
    }
  }
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden && !stopped && timer == null) tick();
  });
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
