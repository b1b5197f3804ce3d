// One recording as the console shows it (recording page, and the upload page once results land): its summary, the
// timeline, the selected utterance's distributions, each speaker's emotion mix and the utterance table.
import { LABELS, chip, clock, colorOf, localTime, percent, span } from './emotions.js';
import { REASONS, download } from './api.js';
import { el } from './layout.js';
import { Timeline, speakerDistribution } from './timeline.js';

/** True while more is expected: no final state yet, utterances missing, or text results still to be fused in. */
export function stillLanding(detail) {
  const r = detail.recording;
  if (r.state === 'FAILED') return false;
  if (r.state !== 'SEGMENTED') return true;
  if (r.expectedUtterances != null && r.utteranceCount < r.expectedUtterances) return true;
  return !!r.hasTranscript && detail.timeline.some((u) => u.modalities !== 'BOTH');
}

export class RecordingView {
  /** @param host element to fill; options.downloads adds CSV/JSON links; options.onSelect(segment) */
  constructor(host, options = {}) {
    this.options = options;
    this.summary = el('div', { class: 'card', id: 'summary' });
    this.timelineHost = el('div', { id: 'timeline' });
    this.selection = el('div', { id: 'selection', class: 'muted small', text: 'Hover over an utterance to see it; click to select it.' });
    const zoomOut = el('button', { type: 'button', id: 'zoom-out', title: 'zoom out', text: '−' });
    const zoomIn = el('button', { type: 'button', id: 'zoom-in', title: 'zoom in', text: '+' });
    const zoomFit = el('button', { type: 'button', id: 'zoom-fit', text: 'Fit' });
    this.legend = el('div', { class: 'legend', id: 'legend' });
    const timelineCard = el('div', { class: 'card' },
      el('div', { class: 'toolbar' }, el('h2', { text: 'Timeline', style: 'margin:0' }), el('span', { class: 'spacer' }),
        zoomOut, zoomIn, zoomFit),
      this.legend, this.timelineHost, el('h2', { text: 'Selected utterance' }), this.selection);
    this.distribution = el('div', { id: 'distribution' });
    this.table = el('tbody');
    const tableCard = el('div', { class: 'card' }, el('h2', { text: 'Utterances', style: 'margin-top:0' }),
      el('table', { class: 'data', id: 'utterances' }, el('thead', {}, el('tr', {},
        ...['#', 'time', 'speaker', 'transcript', 'speech', 'text', 'fused', 'confidence', ''].map((h, i) =>
          el('th', { class: i === 7 ? 'num' : null, text: h })))), this.table));
    host.replaceChildren(this.summary, timelineCard,
      el('div', { class: 'card' }, el('h2', { text: 'Emotions per speaker', style: 'margin-top:0' }), this.distribution),
      tableCard);
    this.timeline = new Timeline(this.timelineHost, { onSelect: (s) => this.showSelected(s) });
    zoomIn.addEventListener('click', () => this.timeline.setZoom(this.timeline.zoom * 2));
    zoomOut.addEventListener('click', () => this.timeline.setZoom(this.timeline.zoom / 2));
    zoomFit.addEventListener('click', () => this.timeline.setZoom(1));
  }

  update(detail) {
    this.detail = detail;
    const model = this.timeline.update(detail);
    this.renderSummary(detail, model);
    this.renderLegend(model);
    this.renderDistribution(model);
    this.renderTable(model);
    if (this.timeline.selected) this.timeline.select(this.timeline.selected);
    return model;
  }

  renderSummary(d, model) {
    const r = d.recording;
    const item = (value, label, id) => el('div', { id }, el('b', { text: value }), el('span', { text: label }));
    const expected = r.expectedUtterances != null ? ' of ' + r.expectedUtterances : '';
    const parts = [
      el('div', { id: 'state' }, el('b', {}, el('span', { class: 'badge ' + (r.state || ''), text: r.state || 'no status yet' })),
        el('span', { text: 'state' })),
      el('div', { id: 'dominant' }, el('b', {}, r.dominantEmotion ? chip(r.dominantEmotion) : '–'), el('span', { text: 'dominant emotion' })),
      item(r.utteranceCount + expected, 'utterances', 'count'),
      item(r.durationMs != null ? clock(r.durationMs) : '–', 'duration', 'duration'),
      item((r.speakers || []).join(', ') || '–', 'speakers', 'speakers'),
      item(percent(r.meanConfidence), 'mean confidence', 'mean-confidence'),
      item(String(model.lowConfidence), 'under ' + percent(model.threshold) + ' confidence', 'low-count'),
      item(String(model.disagreements), 'speech ≠ text', 'disagree-count'),
      item(localTime(r.startedAt), 'started', 'started'),
    ];
    const children = [el('div', { class: 'summary' }, ...parts)];
    if (r.state === 'FAILED') {
      children.unshift(el('div', { class: 'notice error', id: 'failure' },
        (REASONS[r.failureReason] || 'Ingest rejected this recording.') + (r.failureDetail ? ' (' + r.failureDetail + ')' : '')
        + ' [' + r.failureReason + ']'));
    }
    if (d.timelineTruncated) {
      children.push(el('div', { class: 'notice info' }, 'Only the first ' + d.timeline.length
        + ' utterances are shown; the CSV has them all.'));
    }
    if (this.options.downloads) {
      const id = r.recordingId;
      const enc = encodeURIComponent(id);
      const link = (text, elId, f) => el('button', { type: 'button', id: elId, text, onclick: f });
      children.push(el('div', { class: 'toolbar', style: 'margin-top:12px' },
        el('span', { class: 'muted small', text: 'Download:' }),
        link('CSV (every utterance with both models’ scores)', 'download-csv',
          () => download('/utterances/export.csv?recording=' + enc + '&order=asc', id + '.csv', 'text/csv')),
        link('JSON (this page’s data)', 'download-json',
          () => download('/recordings/' + enc, id + '.json', 'application/json'))));
    }
    this.summary.replaceChildren(...children);
  }

  renderLegend(model) {
    this.legend.replaceChildren(...LABELS.map((l) => chip(l)),
      el('span', { class: 'muted', text: 'paler = less sure' }),
      el('span', {}, svgGlyph('marker-low', 'M1 1 h8 l-4 8 z'), ' confidence under ' + percent(model.threshold)),
      el('span', {}, svgGlyph('marker-disagree', 'M5 1 l4 4 l-4 4 l-4 -4 z'), ' speech and text disagree'));
  }

  renderDistribution(model) {
    const rows = speakerDistribution(model).map((d) => {
      const bar = el('div', { class: 'stack', 'data-speaker': d.speaker ?? '' });
      for (const l of LABELS) {
        if (!d.counts[l]) continue;
        const part = el('span', { title: l + ': ' + d.counts[l] + ' (' + percent(d.counts[l] / d.total) + ')', 'data-label': l,
          'data-count': d.counts[l] });
        part.style.width = (100 * d.counts[l] / d.total) + '%';
        part.style.setProperty('--c', colorOf(l));
        bar.append(part);
      }
      return el('div', { class: 'dist-row' }, el('div', { text: d.title, title: d.title }), bar,
        el('div', { class: 'muted small', text: d.total + ' utt.' }));
    });
    this.distribution.replaceChildren(...(rows.length ? rows : [el('div', { class: 'muted', text: 'No utterances yet.' })]));
  }

  renderTable(model) {
    const rows = this.timeline.segments().sort((a, b) => a.index - b.index).map((s) => {
      const flags = el('td', {});
      if (s.lowConfidence) flags.append(el('span', { class: 'flag low', text: 'low' }));
      if (s.disagreement) flags.append(el('span', { class: 'flag disagree', text: 'speech≠text' }));
      if (s.modalities && s.modalities !== 'BOTH') flags.append(el('span', { class: 'flag', text: s.modalities.toLowerCase().replace('_', ' ') }));
      const tr = el('tr', { class: 'clickable' + (s.utteranceId === this.timeline.selected ? ' selected' : ''),
        'data-utterance-id': s.utteranceId, onclick: () => this.timeline.select(s.utteranceId) },
        el('td', { class: 'num', text: String(s.index) }),
        el('td', { class: 'nowrap', text: span(s.startMs, s.endMs) }),
        el('td', { text: s.speaker || '–' }),
        el('td', { text: s.transcript || '' }),
        el('td', { class: 'nowrap' }, s.speech ? chip(s.speech.label) : '–', s.speech ? ' ' + percent(s.speech.confidence) : ''),
        el('td', { class: 'nowrap' }, s.text ? chip(s.text.label) : '–', s.text ? ' ' + percent(s.text.confidence) : ''),
        el('td', { class: 'fused' }, chip(s.label, s.confidence)),
        el('td', { class: 'num', text: percent(s.confidence) }),
        flags);
      return tr;
    });
    this.table.replaceChildren(...rows);
  }

  showSelected(s) {
    this.table.querySelectorAll('tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.utteranceId === s.utteranceId));
    const probs = (title, score) => {
      const box = el('div', { class: 'prob-box' }, el('div', {},
        el('b', { text: title }), score && score.model ? el('span', { class: 'muted small', text: ' ' + score.model + ' ' + (score.modelVersion || '') }) : null));
      if (!score || !score.probabilities) {
        box.append(el('div', { class: 'muted small', text: title === 'text' ? 'no transcript for this utterance' : 'no score' }));
        return box;
      }
      for (const l of LABELS) {
        const p = score.probabilities[l] ?? 0;
        const bar = el('div', { class: 'bar' });
        bar.style.width = Math.max(1, p * 100) + '%';
        bar.style.setProperty('--c', colorOf(l));
        box.append(el('div', { class: 'prob-row', 'data-label': l }, el('span', { text: l }), el('div', {}, bar),
          el('span', { class: 'num', text: percent(p, 1) })));
      }
      return box;
    };
    const flags = [];
    if (s.lowConfidence) flags.push('confidence under ' + percent(this.timeline.model.threshold));
    if (s.disagreement) flags.push('speech says ' + s.speech.label + ', text says ' + s.text.label);
    this.selection.className = '';
    this.selection.replaceChildren(
      el('div', { id: 'selected-head' }, el('b', { text: '#' + s.index + ' · ' + span(s.startMs, s.endMs) + ' · ' + (s.speaker || '(no speaker)') }),
        ' ', chip(s.label, s.confidence), ' ', percent(s.confidence)),
      el('p', { id: 'selected-transcript', text: s.transcript ? '“' + s.transcript + '”' : '(no transcript: scored from speech alone)' }),
      flags.length ? el('p', { class: 'small', text: flags.join(' · ') }) : null,
      el('div', { class: 'probs' }, probs('fused', { probabilities: s.probabilities, model: null }), probs('speech', s.speech),
        probs('text', s.text)));
    if (this.options.onSelect) this.options.onSelect(s);
  }
}

function svgGlyph(cls, d) {
  const s = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  s.setAttribute('width', '10');
  s.setAttribute('height', '10');
  const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  p.setAttribute('class', cls);
  p.setAttribute('d', d);
  s.append(p);
  return s;
}
