// listenvs' `warning`: a coming idle or expiry stop the platform announced, shown in the
// row's status cell with when it comes and the ways out (the API's words, plus a button for
// the one-click ones: extend, or turn the idle stop off where the team allows it).

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
      ways.textContent = `To keep it: ${w.waysOut}.`;
      extend.hidden = w.kind !== 'expiry';
      // The API names the idle-stop switch among the ways out only where the team allows it.
      keep.hidden = !(w.kind === 'idle' && w.waysOut.includes('"idleStop":false'));
    },
  };
}
