// Parsing and formatting of Kubernetes quantities, Go durations and times. Pure functions,
// no DOM, so they are easy to reason about (and to test from a console).

const BINARY = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL = { k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

/** CPU quantity ("500m", "2", "1.5") to millicores, or NaN. */
export function parseCPU(value) {
  const m = /^\s*(\d+(?:\.\d+)?)(m?)\s*$/.exec(String(value ?? ''));
  if (!m) return NaN;
  return m[2] ? Number(m[1]) : Number(m[1]) * 1000;
}

/** Memory quantity ("512Mi", "4Gi", "1G", "1073741824") to bytes, or NaN. */
export function parseMemory(value) {
  const m = /^\s*(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|k|M|G|T|P)?\s*$/.exec(String(value ?? ''));
  if (!m) return NaN;
  const unit = m[2] ? (BINARY[m[2]] ?? DECIMAL[m[2]]) : 1;
  return Number(m[1]) * unit;
}

/** Millicores to a short human string: 1000 -> "1", 250 -> "0.25", 1500 -> "1.5". */
export function formatCPU(milli) {
  const cores = milli / 1000;
  if (cores >= 10) return String(Math.round(cores));
  return String(Number(cores.toFixed(cores < 1 ? 2 : 1)));
}

/** Bytes to a short binary-unit string: 2147483648 -> "2 GiB", 314572800 -> "300 MiB". */
export function formatBytes(bytes) {
  const units = [['TiB', BINARY.Ti], ['GiB', BINARY.Gi], ['MiB', BINARY.Mi], ['KiB', BINARY.Ki]];
  for (const [name, size] of units) {
    if (bytes >= size) {
      const n = bytes / size;
      return `${Number(n.toFixed(n < 10 ? 1 : 0))} ${name}`;
    }
  }
  return `${bytes} B`;
}

/** Go duration ("8h", "90m", "1h30m", "45s") to milliseconds, or NaN. */
export function parseDuration(value) {
  const s = String(value ?? '').trim();
  if (!s) return NaN;
  const re = /(\d+(?:\.\d+)?)(h|ms|m|s)/g; // "ms" before "m", or "250ms" reads as 250m + "s"
  const factor = { h: 3600e3, m: 60e3, s: 1e3, ms: 1 };
  let total = 0;
  let consumed = 0;
  for (const m of s.matchAll(re)) {
    if (m.index !== consumed) return NaN;
    total += Number(m[1]) * factor[m[2]];
    consumed += m[0].length;
  }
  return consumed === s.length ? total : NaN;
}

/** Milliseconds to a Go duration string with minute precision: 7h12m, 45m, 2h. */
export function toGoDuration(ms) {
  const minutes = Math.max(1, Math.ceil(ms / 60e3));
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return (h ? `${h}h` : '') + (m || !h ? `${m}m` : '');
}

/** Remaining time as a compact label: "2d 4h", "5h 12m", "43m", "4m 35s", "expired". */
export function formatRemaining(ms) {
  if (!Number.isFinite(ms)) return '—';
  if (ms <= 0) return 'expired';
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d}d ${h}h`;
  if (h) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m >= 5) return `${m}m`;
  return m ? `${m}m ${String(s % 60).padStart(2, '0')}s` : `${s % 60}s`;
}

/** Spoken form of a remaining time for screen readers and titles. */
export function describeRemaining(ms) {
  if (!Number.isFinite(ms)) return 'unknown';
  if (ms <= 0) return 'expired';
  const s = Math.floor(ms / 1000);
  const parts = [];
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  if (d) parts.push(`${d} day${d === 1 ? '' : 's'}`);
  if (h) parts.push(`${h} hour${h === 1 ? '' : 's'}`);
  if (m && !d) parts.push(`${m} minute${m === 1 ? '' : 's'}`);
  if (!parts.length) parts.push(`${s} second${s === 1 ? '' : 's'}`);
  return parts.join(' ') + ' left';
}

const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });

/** A past time relative to now: "now", "3 min. ago", "yesterday". */
export function formatAgo(date, now = Date.now()) {
  const diff = (date.getTime() - now) / 1000;
  const abs = Math.abs(diff);
  if (abs < 45) return 'just now';
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}

const absolute = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });

/** A time as the reader's local date and time. */
export function formatDateTime(date) {
  return Number.isNaN(date.getTime()) ? '' : absolute.format(date);
}

/** A time as the reader's local hour and minute. */
export function formatClock(date) {
  return Number.isNaN(date.getTime()) ? '' : clock.format(date);
}

const weekdayClock = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: 'numeric', minute: '2-digit' });
const dayMonth = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** A nearby time as briefly as is unambiguous: "18:30", "Fri 09:15", "Dec 3". */
export function formatNear(date, now = Date.now()) {
  if (Number.isNaN(date.getTime())) return '';
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return clock.format(date);
  if (Math.abs(date.getTime() - now) < 6 * 86400e3) return weekdayClock.format(date);
  return dayMonth.format(date);
}

/** "a, b and c" */
export function joinWords(words) {
  if (words.length < 2) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

const dayAndClock = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
const dayAndClockYear = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' });

/**
 * The one format for a time shown anywhere on the page (list, notices, activity): the
 * clock alone when it is today, otherwise with the day ("Tue, 3 Dec, 14:05"), and with the
 * year when it is another year.
 */
export function formatWhen(date, now = Date.now()) {
  if (Number.isNaN(date.getTime())) return '';
  const today = new Date(now);
  if (date.toDateString() === today.toDateString()) return clock.format(date);
  if (date.getFullYear() !== today.getFullYear()) return dayAndClockYear.format(date);
  return dayAndClock.format(date);
}
