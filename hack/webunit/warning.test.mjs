// The stop warning's ways out in plain words (web/warning.js), from the warning's fields and
// the environment's home.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { waysOut } from '../../web/warning.js';

test('waysOut', () => {
  const cases = [
    [{ kind: 'idle', idleStopOffAllowed: true }, 'persistent',
      'To keep it: use it (CPU above 10% of its request ends the idle period), or turn its idle stop off. A stop keeps the home; Start brings it back.'],
    [{ kind: 'idle' }, 'persistent',
      'To keep it: use it (CPU above 10% of its request ends the idle period). A stop keeps the home; Start brings it back.'],
    [{ kind: 'idle', idleStopOffAllowed: true }, 'scratch',
      'To keep it: use it (CPU above 10% of its request ends the idle period), or turn its idle stop off. A stop discards its scratch home: copy out what you need.'],
    [{ kind: 'expiry', onExpiry: 'stop' }, 'persistent', 'To keep it: extend it. On expiry it is stopped; the home is kept.'],
    [{ kind: 'expiry', onExpiry: 'stop' }, 'scratch', 'To keep it: extend it. On expiry it is stopped and its scratch home discarded: copy out what you need.'],
    [{ kind: 'expiry', onExpiry: 'delete' }, 'persistent', 'To keep it: extend it. On expiry it is deleted, home included: copy out what you need.'],
  ];
  for (const [w, home, want] of cases) {
    assert.equal(waysOut(w, home), want, JSON.stringify([w, home]));
  }
  for (const [w] of cases) {
    assert.doesNotMatch(waysOut(w, 'persistent'), /PATCH|\{/, 'no API calls in the UI text');
  }
});
