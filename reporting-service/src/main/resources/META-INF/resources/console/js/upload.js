// The upload page: a file (+ transcript) goes to ingest through this service (POST /ingest/recordings, same origin,
// same key); the page follows the recording ACCEPTED → SEGMENTED → results, drawing its timeline as rows land.
import { apiKey, getJson, keyRejected, parseProblem, problemMessage, retryableUpload } from './api.js';
import { recordingId } from './forms.js';
import { clearNotice, el, mountPage, poll, showError } from './layout.js';
import { RecordingView, stillLanding } from './recording-view.js';

const TRANSCRIPT = /\.(vtt|json|txt)$/i;
const HASHED_MAX_BYTES = 100 * 1024 * 1024;
const MAX_RETRIES = 5;
const form = document.getElementById('upload-form');
const drop = document.getElementById('drop');
const audioInput = document.getElementById('audio');
const transcriptInput = document.getElementById('transcript');
const idInput = document.getElementById('recording-id');
const button = document.getElementById('upload');
const statusLine = document.getElementById('status');
const bar = document.getElementById('bar');
const player = document.getElementById('player');
let audio = null;
let transcript = null;
let follower = null;
let stopAt = null;

async function contentHash(file, transcriptFile) {
  // crypto.subtle exists only in secure contexts (https, localhost); elsewhere, and for huge files, a random id
  if (!window.crypto || !crypto.subtle || file.size > HASHED_MAX_BYTES) {
    return Array.from(crypto.getRandomValues(new Uint8Array(5)), (b) => b.toString(16).padStart(2, '0')).join('');
  }
  const parts = [new Uint8Array(await file.arrayBuffer())];
  if (transcriptFile) parts.push(new TextEncoder().encode(await transcriptFile.text()));
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', all));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

async function choose(files) {
  for (const f of files) {
    if (TRANSCRIPT.test(f.name)) transcript = f;
    else audio = f;
  }
  const chosen = document.getElementById('chosen');
  chosen.replaceChildren(audio ? el('div', { id: 'chosen-audio', text: 'Audio: ' + audio.name + ' (' + mb(audio.size) + ')' }) : '',
    transcript ? el('div', { id: 'chosen-transcript', text: 'Transcript: ' + transcript.name }) : '');
  button.disabled = !audio;
  if (audio) idInput.placeholder = recordingId(audio.name, await contentHash(audio, transcript));
}

function mb(bytes) {
  return (bytes / 1048576).toFixed(bytes < 1048576 ? 2 : 1) + ' MB';
}

function step(name, cls) {
  const li = document.querySelector(`#steps li[data-step="${name}"]`);
  li.className = cls;
}

function status(text) {
  statusLine.textContent = text;
}

/** POSTs the form with upload progress (fetch has none); resolves to {status, problem | body, retryAfter}. */
function send(data, idempotencyKey) {
  return new Promise((resolve) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/ingest/recordings');
    xhr.setRequestHeader('X-API-Key', apiKey() || '');
    xhr.setRequestHeader('Idempotency-Key', idempotencyKey);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        bar.value = e.loaded / e.total;
        status(e.loaded < e.total ? 'Uploading… ' + mb(e.loaded) + ' of ' + mb(e.total)
          : 'Uploaded. Ingest is checking the audio and cutting it into utterances…');
      }
    };
    xhr.onload = () => resolve({ status: xhr.status, body: parseProblem(xhr.responseText),
      retryAfter: Number(xhr.getResponseHeader('Retry-After')) || null });
    xhr.onerror = () => resolve({ status: 0, body: null });
    xhr.send(data);
  });
}

async function upload() {
  clearNotice();
  if (follower) follower.stop();
  document.getElementById('view').replaceChildren();
  document.getElementById('links').replaceChildren();
  document.getElementById('progress').hidden = false;
  ['upload', 'accepted', 'segmented', 'results'].forEach((s) => step(s, ''));
  step('upload', 'current');
  button.disabled = true;
  const typedId = idInput.value.trim() !== '';
  const id = typedId ? idInput.value.trim() : idInput.placeholder;
  delete document.body.dataset.complete;
  delete document.body.dataset.uploadFailed;
  const data = new FormData();
  data.append('recordingId', id);
  if (transcript) data.append('transcript', await transcript.text());
  for (const name of ['language', 'speakers']) {
    if (form.elements[name].value.trim()) data.append(name, form.elements[name].value.trim());
  }
  if (form.elements.awaitTranscript.checked) data.append('awaitTranscript', 'true');
  data.append('file', audio, audio.name);
  player.src = URL.createObjectURL(audio);
  player.hidden = false;

  // an id made from the content names this very file (and transcript): if it was uploaded before, its results
  // are already here, and sending the file again would only be refused (409)
  let known;
  try {
    known = !typedId && await findRecording(id);
  } catch (e) {
    failed(e.status, e.message);
    return;
  }
  if (known) {
    button.disabled = false;
    uploadedBefore(id);
    return;
  }

  const idempotencyKey = crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
  let answer;
  for (let attempt = 0; ; attempt++) {
    answer = await send(data, idempotencyKey);
    if (!retryableUpload(answer) || attempt >= MAX_RETRIES) break;
    const wait = answer.retryAfter || 5;
    status(answer.status === 429 ? problemMessage(429, answer.body, wait)
      : 'Ingest is not ready for this upload yet; trying again in ' + wait + ' s.');
    await new Promise((r) => setTimeout(r, wait * 1000));
  }
  button.disabled = false;
  if (answer.status === 409 && !typedId) { // uploaded meanwhile (its results were not here a moment ago)
    uploadedBefore(id);
    return;
  }
  if (answer.status !== 202) {
    failed(answer.status, answer.status === 409
      ? 'The recording id “' + id + '” belongs to another upload; choose another id.'
      : problemMessage(answer.status, answer.body, answer.retryAfter));
    return;
  }
  const accepted = answer.body;
  step('upload', 'done');
  step('accepted', 'done');
  const n = accepted.utteranceIds.length;
  status(accepted.status === 'AWAITING_TRANSCRIPT'
    ? 'Accepted. Waiting for its transcript on emostream.transcripts…'
    : 'Accepted: ' + n + ' utterance' + (n === 1 ? '' : 's') + ' to score.');
  bar.value = 0;
  showLinks(accepted.recordingId);
  follow(accepted);
}

/** Ends an upload that did not go through: which step failed, and why in words. */
function failed(code, message) {
  button.disabled = false;
  const rejected = code !== 0 && code < 500 && code !== 401; // ingest read the upload and refused it
  step('upload', rejected ? 'done' : 'failed');
  if (rejected) step('accepted', 'failed');
  status('');
  showError(message);
  if (code === 401) keyRejected(message);
  document.body.dataset.uploadFailed = String(code);
}

function uploadedBefore(id) {
  step('upload', 'done');
  step('accepted', 'done');
  status('This file was uploaded before as ' + id + '; showing its results.');
  showLinks(id);
  follow({ recordingId: id, utteranceIds: [] });
}

/** The recording with exactly this id, or null (the list finds it by id text). */
async function findRecording(id) {
  const page = await getJson('/recordings?limit=20&search=' + encodeURIComponent(id));
  return page.items.find((x) => x.recordingId === id) || null;
}

function showLinks(id) {
  document.getElementById('links').replaceChildren('Recording page: ',
    el('a', { href: 'recording.html?id=' + encodeURIComponent(id), id: 'recording-link', text: id }));
}

/** Follows the recording in the reporting API until its results are all in (or it failed). */
function follow(accepted) {
  const id = accepted.recordingId;
  let view = null;
  const tick = async () => {
    try {
      const r = await findRecording(id);
      if (!r) return;
      if (r.state === 'FAILED') {
        step('segmented', 'failed');
      } else if (r.state === 'SEGMENTED') {
        step('segmented', 'done');
        step('results', 'current');
      } else {
        step('segmented', 'current');
      }
      if (r.utteranceCount === 0 && r.state !== 'FAILED') return;
      const detail = await getJson('/recordings/' + encodeURIComponent(id));
      if (!view) view = new RecordingView(document.getElementById('view'), { downloads: true, onSelect: play });
      view.update(detail);
      const expected = detail.recording.expectedUtterances ?? accepted.utteranceIds.length;
      const both = detail.timeline.filter((u) => !detail.recording.hasTranscript || u.modalities === 'BOTH').length;
      bar.value = expected ? Math.min(1, both / expected) : 0;
      if (!stillLanding(detail)) {
        follower.stop();
        if (r.state === 'FAILED') {
          status('Ingest could not process this recording.');
        } else {
          step('results', 'done');
          status('Done: ' + detail.timeline.length + ' utterances analysed. Click one to hear it.');
          document.body.dataset.complete = 'true';
        }
      } else {
        status('Results: ' + both + ' of ' + expected + ' utterances scored…');
      }
    } catch (e) {
      showError(e.message);
      if (e.status === 401) follower.stop();
    }
  };
  follower = poll(tick, 1000);
  tick();
}

/** Plays the selected utterance from the local file. */
function play(segment) {
  if (!player.src) return;
  player.currentTime = segment.startMs / 1000;
  stopAt = segment.endMs / 1000;
  player.play().catch(() => { /* the browser may refuse to play without a user gesture; the controls remain */ });
}

player.addEventListener('timeupdate', () => {
  if (stopAt != null && player.currentTime >= stopAt) {
    player.pause();
    stopAt = null;
  }
});
drop.addEventListener('click', () => audioInput.click());
drop.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') audioInput.click();
});
drop.addEventListener('dragover', (e) => {
  e.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  choose(Array.from(e.dataTransfer.files));
});
audioInput.addEventListener('change', () => choose(Array.from(audioInput.files)));
transcriptInput.addEventListener('change', () => {
  transcript = transcriptInput.files[0] || null;
  if (audio) choose([]);
});
form.addEventListener('submit', (e) => {
  e.preventDefault();
  upload().catch((err) => showError(err.message));
});

mountPage('upload', () => {});
