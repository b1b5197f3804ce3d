// The recording page: recording.html?id=<recording id>. Follows the recording while results are still landing.
import { ApiError, getJson } from './api.js';
import { clearNotice, mountPage, poll, showError } from './layout.js';
import { RecordingView, stillLanding } from './recording-view.js';

const id = new URLSearchParams(location.search).get('id');
let view = null;
let poller = null;

async function load() {
  if (!id) {
    showError('No recording given: open a recording from the list.');
    return;
  }
  document.getElementById('title').textContent = id;
  document.title = id + ' · EmoStream';
  let detail;
  try {
    detail = await getJson('/recordings/' + encodeURIComponent(id));
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) showError('There is no recording “' + id + '”.');
    else showError(e.message);
    if (e.status === 401 && poller) { // wait for a new key
      poller.stop();
      poller = null;
    }
    return;
  }
  clearNotice();
  if (!view) view = new RecordingView(document.getElementById('view'), { downloads: true });
  view.update(detail);
  if (!performance.getEntriesByName('emostream:timeline').length) {
    performance.mark('emostream:timeline'); // when the first timeline is drawn (bench/console-page.sh reads it)
  }
  const landing = stillLanding(detail);
  document.body.dataset.complete = String(!landing);
  if (landing && !poller) poller = poll(load, 2000);
  if (!landing && poller) {
    poller.stop();
    poller = null;
  }
}

mountPage('recordings', load);
