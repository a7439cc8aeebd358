// listenvs' `warning`: a coming idle or expiry stop the platform announced, shown in the
// row's status cell with when it comes, the ways out in plain words (from the warning's
// fields and the environment's home, not the API's text, which names API calls) and a
// button for the one-click ones: extend, or turn the idle stop off where the team allows it.

import { h } from './views.js';
import { formatWhen } from './format.js';

export function warningBlock(key, name) {
  const title = h('p', { class: 'stop-warning-title' });
  const ways = h('p', { class: 'stop-warning-ways' });
  const extend = h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'warning-extend', env: key, by: '2h' } },
    'Extend +2h', h('span', { class: 'visually-hidden', text: ` ${name}` }));
  const keep = h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'idle-stop-off', env: key } },
    'Turn idle stop off', h('span', { class: 'visually-hidden', text: ` for ${name}` }));
  const root = h('div', { class: 'stop-warning', role: 'status', hidden: true }, title, ways, h('div', { class: 'stop-warning-actions' }, keep, extend));
  return {
    root,
    update(env, now = Date.now()) {
      const w = env.warning;
      root.hidden = !w;
      if (!w) return;
      root.dataset.kind = w.kind;
      const at = formatWhen(new Date(w.stopsAt), now);
      title.textContent = w.kind === 'expiry'
        ? `Expires ${at}.`
        : `Idle: will be stopped ${at} at the earliest.`;
      ways.textContent = waysOut(w, env.home);
      extend.hidden = w.kind !== 'expiry';
      keep.hidden = !(w.kind === 'idle' && w.idleStopOffAllowed);
    },
  };
}

// waysOut says how to keep the environment and what the stop would cost.
export function waysOut(w, home) {
  const scratch = home === 'scratch';
  if (w.kind === 'expiry') {
    if (w.onExpiry === 'delete') return 'To keep it: extend it. On expiry it is deleted, home included: copy out what you need.';
    return scratch
      ? 'To keep it: extend it. On expiry it is stopped and its scratch home discarded: copy out what you need.'
      : 'To keep it: extend it. On expiry it is stopped; the home is kept.';
  }
  const off = w.idleStopOffAllowed ? ', or turn its idle stop off' : '';
  return `To keep it: use it (CPU above 10% of its request ends the idle period)${off}. ` +
    (scratch ? 'A stop discards its scratch home: copy out what you need.' : 'A stop keeps the home; Start brings it back.');
}
