// Unit tests of web/advice.js's pure parts with Node's own runner: the resize the advice asks
// for, and what a team could give back (only shrink advice counts).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adviceChange, reclaimable, reclaimText } from '../../web/advice.js';

const Gi = 2 ** 30;
const Mi = 2 ** 20;
const env = (state, cpu, memory) => ({ recommendation: { state, cpu, memory } });
const shrinkBoth = env('resize',
  { action: 'shrink', requested: 4000, recommended: 100, quantity: '100m' },
  { action: 'shrink', requested: 8 * Gi, recommended: 256 * Mi, quantity: '256Mi' });
const grow = env('resize',
  { action: 'grow', requested: 1000, recommended: 1300, quantity: '1300m' },
  { action: 'keep', requested: 2 * Gi, recommended: 2 * Gi, quantity: '2Gi' });
const shrinkMemory = env('resize',
  { action: 'keep', requested: 2000, recommended: 2000, quantity: '2' },
  { action: 'shrink', requested: 4 * Gi, recommended: 1920 * Mi, quantity: '1920Mi' });
const fits = env('fits',
  { action: 'keep', requested: 1000, recommended: 1000, quantity: '1' },
  { action: 'keep', requested: Gi, recommended: Gi, quantity: '1Gi' });
const short = { recommendation: { state: 'historyTooShort', message: 'history too short: 20m of usage, advice after 1h' } };
const none = {};

test('adviceChange: the resize updateenv takes, only for state resize', () => {
  const rows = [
    [shrinkBoth, { action: 'resize', cpu: '100m', memory: '256Mi' }],
    [grow, { action: 'resize', cpu: '1300m', memory: '2Gi' }],
    [fits, null], [short, null], [none, null],
  ];
  for (const [input, want] of rows) assert.deepEqual(adviceChange(input), want);
});

test('reclaimable: shrink advice summed, growth not offset against it', () => {
  const rows = [
    [[shrinkBoth], { cpuMilli: 3900, memoryBytes: 8 * Gi - 256 * Mi }],
    [[shrinkBoth, grow, shrinkMemory, fits, short, none], { cpuMilli: 3900, memoryBytes: 8 * Gi - 256 * Mi + 4 * Gi - 1920 * Mi }],
    [[grow, fits, short, none], { cpuMilli: 0, memoryBytes: 0 }],
    [[], { cpuMilli: 0, memoryBytes: 0 }],
  ];
  for (const [input, want] of rows) assert.deepEqual(reclaimable(input), want);
});

test('reclaimText: the team caption', () => {
  const rows = [
    [[shrinkBoth], '3.9 CPU and 7.8 GiB could be given back'],
    [[shrinkMemory], '2.1 GiB could be given back'],
    [[grow, fits], ''],
  ];
  for (const [input, want] of rows) assert.equal(reclaimText(input), want);
});
