// A recording's timeline: one lane per speaker, each utterance a segment coloured by its fused emotion, opacity by
// confidence, with markers for low confidence and for speech/text disagreement. timelineModel() is the logic (no
// DOM, tested on its own); Timeline draws it as SVG and shows each utterance on hover, focus or selection.
import { LABELS, clock, colorOf, opacityOf, percent, span } from './emotions.js';

const SVG = 'http://www.w3.org/2000/svg';
const AXIS = 24;
const STRIP = 11;
const BAR = 30;
const GAP = 10;
const LANE = STRIP + BAR + GAP;
const MIN_WIDTH = 2;

/** True when both models scored the utterance and named different emotions. */
export function disagrees(u) {
  return !!(u.speech && u.text && u.speech.label && u.text.label && u.speech.label !== u.text.label);
}

/**
 * The timeline of a recording (GET /recordings/{id}) as lanes of segments: lanes in order of each speaker's first
 * utterance; a missing speaker is one lane of its own.
 */
export function timelineModel(detail) {
  const threshold = detail.lowConfidenceThreshold ?? 0.5;
  const lanes = [];
  const byName = new Map();
  let durationMs = (detail.recording && detail.recording.durationMs) || 0;
  let low = 0;
  let disagreeing = 0;
  for (const u of detail.timeline || []) {
    const key = u.speaker ?? '';
    let lane = byName.get(key);
    if (!lane) {
      lane = { speaker: u.speaker ?? null, title: u.speaker || '(no speaker)', segments: [] };
      byName.set(key, lane);
      lanes.push(lane);
    }
    const s = {
      ...u,
      color: colorOf(u.label),
      opacity: opacityOf(u.confidence),
      lowConfidence: u.confidence < threshold,
      disagreement: disagrees(u),
    };
    if (s.lowConfidence) low++;
    if (s.disagreement) disagreeing++;
    lane.segments.push(s);
    durationMs = Math.max(durationMs, u.endMs);
  }
  return { lanes, durationMs, threshold, lowConfidence: low, disagreements: disagreeing };
}

/** Utterances per fused label for each speaker, in lane order: [{speaker, title, total, counts}]. */
export function speakerDistribution(model) {
  return model.lanes.map((lane) => {
    const counts = Object.fromEntries(LABELS.map((l) => [l, 0]));
    for (const s of lane.segments) counts[s.label] = (counts[s.label] || 0) + 1;
    return { speaker: lane.speaker, title: lane.title, total: lane.segments.length, counts };
  });
}

/** The step between axis ticks (ms) so that ticks stand at least {@code minPx} apart. */
export function tickStep(durationMs, widthPx, minPx = 70) {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600].map((s) => s * 1000);
  const msPerPx = durationMs / Math.max(1, widthPx);
  return steps.find((s) => s / msPerPx >= minPx) || steps[steps.length - 1];
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

function text(tag, cls, t) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  e.textContent = t;
  return e;
}

/** The hover/selection card of one utterance: span, speaker, transcript, and each model's label. */
export function describe(s) {
  const box = document.createElement('div');
  box.append(text('b', null, '#' + s.index + ' · ' + span(s.startMs, s.endMs) + ' · ' + (s.speaker || '(no speaker)')));
  if (s.transcript) box.append(text('div', 't', '“' + s.transcript + '”'));
  const t = document.createElement('table');
  const row = (name, score) => {
    const tr = document.createElement('tr');
    tr.append(text('td', null, name));
    tr.append(text('td', null, score ? score.label : '–'));
    tr.append(text('td', null, score ? percent(score.confidence) : ''));
    t.append(tr);
  };
  row('fused', { label: s.label, confidence: s.confidence });
  row('speech', s.speech);
  row('text', s.text);
  box.append(t);
  const flags = [];
  if (s.lowConfidence) flags.push('low confidence');
  if (s.disagreement) flags.push('speech and text disagree');
  if (s.modalities && s.modalities !== 'BOTH') flags.push(s.modalities.toLowerCase().replace('_', ' '));
  if (flags.length) box.append(text('div', 'small', flags.join(' · ')));
  return box;
}

export class Timeline {
  /** @param host element to draw into; onSelect(segment) is called when an utterance is selected */
  constructor(host, { onSelect } = {}) {
    this.host = host;
    this.onSelect = onSelect || (() => {});
    this.zoom = 1;
    this.selected = null;
    this.model = null;
    this.labels = document.createElement('div');
    this.labels.className = 'lane-labels';
    this.labels.style.cssText = 'flex: 0 0 150px; position: relative;';
    this.scroll = document.createElement('div');
    this.scroll.className = 'timeline-wrap';
    this.scroll.style.flex = '1';
    const row = document.createElement('div');
    row.style.cssText = 'display: flex; gap: 6px; align-items: flex-start;';
    row.append(this.labels, this.scroll);
    host.replaceChildren(row);
    this.tooltip = document.createElement('div');
    this.tooltip.className = 'tooltip';
    this.tooltip.hidden = true;
    document.body.append(this.tooltip);
    let width = 0;
    new ResizeObserver(() => {
      if (this.model && Math.abs(this.scroll.clientWidth - width) > 4) {
        width = this.scroll.clientWidth;
        this.draw();
      }
    }).observe(this.scroll);
  }

  update(detail) {
    this.model = timelineModel(detail);
    this.draw();
    return this.model;
  }

  setZoom(z) {
    this.zoom = Math.min(64, Math.max(1, z));
    this.draw();
  }

  segments() {
    return this.model ? this.model.lanes.flatMap((l) => l.segments) : [];
  }

  select(id) {
    this.selected = id;
    this.scroll.querySelectorAll('.segment').forEach((r) => r.classList.toggle('selected', r.dataset.utteranceId === id));
    const s = this.segments().find((x) => x.utteranceId === id);
    if (s) this.onSelect(s);
  }

  draw() {
    const m = this.model;
    const fit = Math.max(300, this.scroll.clientWidth - 2);
    const width = Math.round(fit * this.zoom);
    const height = AXIS + m.lanes.length * LANE + 4;
    const dur = Math.max(1000, m.durationMs);
    const x = (ms) => (ms / dur) * (width - 10) + 4;
    const root = svg('svg', { class: 'timeline', width, height, role: 'group',
      'aria-label': 'utterance timeline, ' + m.lanes.length + ' speakers' });

    const step = tickStep(dur, width - 10);
    for (let t = 0; t <= dur; t += step) {
      root.append(svg('line', { class: 'tick', x1: x(t), x2: x(t), y1: AXIS - 4, y2: height }));
      if (x(t) + 40 > width) continue; // no room for a label at the very end
      const label = svg('text', { class: 'tick-label', x: x(t) + 3, y: AXIS - 8 });
      label.textContent = clock(t);
      root.append(label);
    }

    this.labels.replaceChildren();
    this.labels.style.height = height + 'px';
    m.lanes.forEach((lane, i) => {
      const top = AXIS + i * LANE;
      root.append(svg('rect', { class: 'lane-bg', x: 0, y: top + STRIP, width, height: BAR }));
      const name = text('div', 'lane-label', lane.title);
      name.style.cssText = 'position:absolute; right:4px; top:' + (top + STRIP + 7) + 'px; font-weight:600; '
        + 'max-width:146px; overflow:hidden; text-overflow:ellipsis; white-space:nowrap;';
      name.title = lane.title;
      this.labels.append(name);
      for (const s of lane.segments) {
        const x0 = x(s.startMs);
        const w = Math.max(MIN_WIDTH, x(s.endMs) - x0);
        const r = svg('rect', {
          class: 'segment' + (s.lowConfidence ? ' low' : '') + (s.disagreement ? ' disagree' : '')
            + (s.utteranceId === this.selected ? ' selected' : ''),
          x: x0.toFixed(2), y: top + STRIP, width: w.toFixed(2), height: BAR, rx: 2,
          fill: s.color, 'fill-opacity': s.opacity, tabindex: 0,
          'data-utterance-id': s.utteranceId, 'data-index': s.index, 'data-label': s.label,
          'data-confidence': s.confidence,
          'aria-label': '#' + s.index + ' ' + span(s.startMs, s.endMs) + ' ' + lane.title + ': ' + s.label + ' '
            + percent(s.confidence),
        });
        r.addEventListener('mouseenter', (e) => this.show(s, e.clientX, e.clientY));
        r.addEventListener('mousemove', (e) => this.place(e.clientX, e.clientY));
        r.addEventListener('mouseleave', () => this.hide());
        r.addEventListener('focus', () => {
          const b = r.getBoundingClientRect();
          this.show(s, b.left + b.width / 2, b.bottom);
        });
        r.addEventListener('blur', () => this.hide());
        r.addEventListener('click', () => this.select(s.utteranceId));
        r.addEventListener('keydown', (e) => this.key(e, s));
        root.append(r);
        const mid = x0 + w / 2;
        if (s.lowConfidence) {
          root.append(svg('path', { class: 'marker-low', 'data-utterance-id': s.utteranceId,
            d: `M${mid - 7} ${top + 1} h8 l-4 8 z` }));
        }
        if (s.disagreement) {
          root.append(svg('path', { class: 'marker-disagree', 'data-utterance-id': s.utteranceId,
            d: `M${mid + 3} ${top + 1} l4 4 l-4 4 l-4 -4 z` }));
        }
      }
    });
    this.scroll.replaceChildren(root);
  }

  key(e, s) {
    const all = this.segments().sort((a, b) => a.startMs - b.startMs || a.index - b.index);
    const i = all.findIndex((x) => x.utteranceId === s.utteranceId);
    let next = null;
    if (e.key === 'ArrowRight') next = all[i + 1];
    else if (e.key === 'ArrowLeft') next = all[i - 1];
    else if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      this.select(s.utteranceId);
      return;
    }
    if (next) {
      e.preventDefault();
      const r = this.scroll.querySelector(`.segment[data-utterance-id="${CSS.escape(next.utteranceId)}"]`);
      if (r) r.focus();
    }
  }

  show(s, cx, cy) {
    this.tooltip.replaceChildren(describe(s));
    this.tooltip.hidden = false;
    this.place(cx, cy);
  }

  place(cx, cy) {
    const t = this.tooltip;
    const w = t.offsetWidth || 300;
    t.style.left = Math.min(window.innerWidth - w - 8, cx + 14) + 'px';
    t.style.top = (cy + 16) + 'px';
  }

  hide() {
    this.tooltip.hidden = true;
  }
}
