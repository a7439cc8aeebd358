// Unit tests of web/format.js with Node's own runner (`node --test hack/webunit/`), importing
// the module exactly as the browser loads it. Table-driven: one row per case.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  describeRemaining, formatAgo, formatBytes, formatCPU, formatNear, formatRemaining, formatWhen,
  joinWords, parseCPU, parseDuration, parseMemory, toGoDuration,
} from '../../web/format.js';

const table = (name, fn, rows) => test(name, async (t) => {
  for (const [input, want] of rows) {
    await t.test(JSON.stringify(input), () => assert.deepEqual(fn(...[].concat(input)), want));
  }
});

table('parseCPU: cores and millicores to millicores', parseCPU, [
  ['500m', 500], ['2', 2000], ['1.5', 1500], [' 250m ', 250], ['0', 0],
  ['', NaN], ['2 cores', NaN], ['-1', NaN], ['1e3', NaN], [null, NaN], [undefined, NaN], ['1.5m', 1.5],
]);

table('parseMemory: binary and decimal units to bytes', parseMemory, [
  ['512Mi', 512 * 2 ** 20], ['4Gi', 4 * 2 ** 30], ['1G', 1e9], ['1073741824', 2 ** 30], ['1.5Gi', 1.5 * 2 ** 30],
  ['64Ki', 65536], ['2Ti', 2 * 2 ** 40], ['3k', 3000],
  ['4GB', NaN], ['4 gi', NaN], ['', NaN], ['Gi', NaN], [null, NaN],
]);

table('formatCPU: millicores to a short number of cores', formatCPU, [
  [1000, '1'], [250, '0.25'], [1500, '1.5'], [12000, '12'], [10400, '10'], [21, '0.02'], [0, '0'],
]);

table('formatBytes: the largest binary unit that fits', formatBytes, [
  [2 * 2 ** 30, '2 GiB'], [300 * 2 ** 20, '300 MiB'], [1.5 * 2 ** 30, '1.5 GiB'], [2 ** 40, '1 TiB'],
  [1023, '1023 B'], [2048, '2 KiB'], [10.4 * 2 ** 30, '10 GiB'],
]);

table('parseDuration: Go durations to milliseconds', parseDuration, [
  ['8h', 8 * 3600e3], ['90m', 90 * 60e3], ['1h30m', 90 * 60e3], ['45s', 45e3], ['1.5h', 1.5 * 3600e3],
  ['250ms', 250], [' 2h ', 2 * 3600e3],
  ['', NaN], ['8', NaN], ['8 h', NaN], ['h', NaN], ['1d', NaN], ['2h-1m', NaN], [null, NaN],
]);

table('toGoDuration: whole minutes, rounded up, at least one', toGoDuration, [
  [2 * 3600e3, '2h'], [(7 * 60 + 12) * 60e3, '7h12m'], [45 * 60e3, '45m'], [1, '1m'], [0, '1m'],
  [61 * 60e3 - 1, '1h1m'], [-5, '1m'],
]);

table('formatRemaining: a compact time-left label', formatRemaining, [
  [(2 * 86400 + 4 * 3600) * 1e3, '2d 4h'], [(5 * 3600 + 12 * 60) * 1e3, '5h 12m'], [(3600 + 5 * 60) * 1e3, '1h 05m'],
  [43 * 60e3, '43m'], [(4 * 60 + 35) * 1e3, '4m 35s'], [(1 * 60 + 5) * 1e3, '1m 05s'], [9e3, '9s'],
  [0, 'expired'], [-1, 'expired'], [NaN, '—'], [Infinity, '—'],
]);

table('describeRemaining: spoken time left', describeRemaining, [
  [(86400 + 3600 + 60) * 1e3, '1 day 1 hour left'], [(2 * 3600 + 2 * 60) * 1e3, '2 hours 2 minutes left'],
  [60e3, '1 minute left'], [30e3, '30 seconds left'], [1e3, '1 second left'], [0, 'expired'], [NaN, 'unknown'],
]);

table('joinWords: a list in words', joinWords, [
  [[[]], ''], [[['a']], 'a'], [[['a', 'b']], 'a and b'], [[['a', 'b', 'c']], 'a, b and c'],
]);

// Dates are formatted in the reader's locale and time zone; the tests compare with the same
// Intl formats, so they check which format is chosen, in any locale.
const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const withDay = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
const withYear = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: 'numeric', minute: '2-digit' });
const weekdayClock = new Intl.DateTimeFormat(undefined, { weekday: 'short', hour: 'numeric', minute: '2-digit' });
const dayMonth = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

test('formatWhen: clock today, the day otherwise, the year in another year', () => {
  const now = new Date(2026, 11, 2, 15, 0).getTime(); // 2 Dec 2026 15:00 local
  const rows = [
    [new Date(2026, 11, 2, 9, 5), clock],
    [new Date(2026, 11, 2, 23, 59), clock],
    [new Date(2026, 11, 1, 23, 59), withDay], // yesterday: the day is shown
    [new Date(2026, 11, 3, 0, 1), withDay], // tomorrow (an expiry)
    [new Date(2026, 0, 1, 0, 0), withDay],
    [new Date(2025, 11, 31, 23, 0), withYear],
    [new Date(2027, 0, 2, 8, 0), withYear],
  ];
  for (const [date, fmt] of rows) assert.equal(formatWhen(date, now), fmt.format(date), date.toString());
  assert.equal(formatWhen(new Date('not a date'), now), '');
  assert.notEqual(formatWhen(new Date(2026, 11, 1, 9, 5), now), formatWhen(new Date(2026, 11, 2, 9, 5), now),
    'the same clock time on another day must read differently');
});

test('formatNear: clock today, weekday within six days, else day and month', () => {
  const now = new Date(2026, 11, 2, 15, 0).getTime();
  const rows = [
    [new Date(2026, 11, 2, 18, 30), clock],
    [new Date(2026, 11, 4, 9, 15), weekdayClock],
    [new Date(2026, 10, 27, 9, 15), weekdayClock],
    [new Date(2026, 11, 20), dayMonth],
  ];
  for (const [date, fmt] of rows) assert.equal(formatNear(date, now), fmt.format(date), date.toString());
  assert.equal(formatNear(new Date(NaN), now), '');
});

test('formatAgo: just now, then minutes, hours and days', () => {
  const now = Date.UTC(2026, 11, 2, 12);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
  const rows = [
    [now - 10e3, 'just now'],
    [now - 44e3, 'just now'],
    [now - 5 * 60e3, rtf.format(-5, 'minute')],
    [now - 3 * 3600e3, rtf.format(-3, 'hour')],
    [now - 86400e3 * 2, rtf.format(-2, 'day')],
  ];
  for (const [t, want] of rows) assert.equal(formatAgo(new Date(t), now), want);
});
