// Trends: the emotion mix over time and per speaker, from GET /stats/emotions, drawn with ECharts (a webjar).
import { getJson, query } from './api.js';
import { COLORS, LABELS, localTime, percent } from './emotions.js';
import { bucketFor } from './forms.js';
import { clearNotice, el, mountPage, showError } from './layout.js';

const form = document.getElementById('controls');
let zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
const charts = {};

/** One series per label: counts, or each bucket's share of its utterances. */
export function series(groups, scale) {
  return LABELS.map((l) => ({
    name: l,
    type: 'bar',
    stack: 'all',
    barMaxWidth: 48,
    itemStyle: { color: COLORS[l] },
    emphasis: { focus: 'series' },
    data: groups.map((g) => (scale === 'share' ? (g.utterances ? g.counts[l] / g.utterances : 0) : g.counts[l])),
  }));
}

function chart(id) {
  if (!charts[id]) {
    charts[id] = echarts.init(document.getElementById(id), null, { renderer: 'svg' });
    window.addEventListener('resize', () => charts[id].resize());
  }
  return charts[id];
}

function table(id, keyTitle, groups) {
  const head = el('tr', {}, el('th', { text: keyTitle }), el('th', { class: 'num', text: 'utterances' }),
    ...LABELS.map((l) => el('th', { class: 'num', text: l })), el('th', { class: 'num', text: 'mean confidence' }));
  const rows = groups.map((g) => el('tr', { 'data-key': g.key }, el('td', { text: g.label }),
    el('td', { class: 'num', text: String(g.utterances) }),
    ...LABELS.map((l) => el('td', { class: 'num', 'data-label': l, text: String(g.counts[l]) })),
    el('td', { class: 'num', text: percent(g.meanConfidence) })));
  document.getElementById(id).replaceChildren(el('thead', {}, head), el('tbody', {}, ...rows));
}

function options(categories, groups, scale, horizontal) {
  const value = { type: 'value', max: scale === 'share' ? 1 : null,
    axisLabel: { formatter: scale === 'share' ? (v) => Math.round(v * 100) + ' %' : null } };
  const category = { type: 'category', data: categories, inverse: !!horizontal };
  return {
    animation: false,
    color: LABELS.map((l) => COLORS[l]),
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' },
      valueFormatter: scale === 'share' ? (v) => percent(v, 1) : null },
    legend: { data: LABELS, top: 0 },
    grid: { left: horizontal ? 140 : 50, right: 20, top: 36, bottom: 30, containLabel: false },
    xAxis: horizontal ? value : category,
    yAxis: horizontal ? category : value,
    series: series(groups, scale),
  };
}

async function load() {
  const f = new FormData(form);
  const range = f.get('range');
  const groupBy = bucketFor(range, f.get('groupBy'));
  const scale = f.get('scale');
  const from = range === 'all' ? null : new Date(Date.now() - Number(range) * 86400000).toISOString();
  const base = { speaker: (f.get('speaker') || '').trim(), from, timeZone: zone };
  document.getElementById('zone').textContent = 'times in ' + zone;
  try {
    const [time, speakers] = await Promise.all([
      getJson('/stats/emotions' + query({ ...base, groupBy, limit: 10000 })),
      getJson('/stats/emotions' + query({ ...base, groupBy: 'speaker', limit: 500 })),
    ]);
    clearNotice();
    const fmt = (k) => (groupBy === 'day' ? localTime(k).slice(0, 10) : localTime(k).slice(0, 16));
    time.groups.forEach((g) => { g.label = fmt(g.key); });
    chart('over-time').setOption(options(time.groups.map((g) => g.label), time.groups, scale, false), true);
    table('over-time-table', groupBy, time.groups);

    const who = (f.get('who') || '').trim().toLowerCase();
    const shown = speakers.groups.filter((g) => !who || (g.key || '').toLowerCase().includes(who)).slice(0, 40);
    shown.forEach((g) => { g.label = g.key || '(no speaker)'; });
    document.getElementById('per-speaker').style.height = Math.max(200, 60 + shown.length * 26) + 'px';
    chart('per-speaker').resize();
    chart('per-speaker').setOption(options(shown.map((g) => g.label), shown, scale, true), true);
    table('per-speaker-table', 'speaker', shown);
    if (!f.get('speaker')) {
      document.getElementById('speakers').replaceChildren(...speakers.groups.map((g) => el('option', { value: g.key || '' })));
    }
    document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
  } catch (e) {
    if (e.status === 400 && e.problem && e.problem.parameter === 'timeZone' && zone !== 'UTC') {
      zone = 'UTC'; // a zone name the server does not know: show UTC buckets rather than nothing
      return load();
    }
    showError(e.message);
  }
}

form.addEventListener('change', load);
form.addEventListener('submit', (e) => {
  e.preventDefault();
  load();
});
mountPage('trends', load);
