// What the pages' forms turn into API requests: no DOM, so it is tested on its own.

/** A day (yyyy-mm-dd, in the browser's zone) as the instant it starts; {@code plusDays} shifts it. */
export function dayStart(day, plusDays = 0) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays).toISOString();
}

/** The recordings list query for the filter form: days become instants in the browser's zone, "to" includes its day. */
export function filterParams(values) {
  return {
    search: values.search,
    emotion: values.emotion,
    speaker: values.speaker,
    state: values.state,
    from: values.from ? dayStart(values.from) : null,
    to: values.to ? dayStart(values.to, 1) : null,
    lowConfidence: values.lowConfidence ? 'true' : null,
  };
}

/** Trends buckets: hours for ranges up to three days, days beyond, unless chosen. */
export function bucketFor(rangeDays, choice) {
  if (choice === 'hour' || choice === 'day') return choice;
  return rangeDays !== 'all' && Number(rangeDays) <= 3 ? 'hour' : 'day';
}

/** The recording id ./emostream analyze gives the same file: its name made safe, then 10 hex of a content hash. */
export function recordingId(fileName, hashHex) {
  let name = fileName.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9._:-]/g, '_');
  if (!name || !/^[A-Za-z0-9]/.test(name)) name = 'rec' + name;
  return name.slice(0, 100) + '-' + hashHex.slice(0, 10);
}
