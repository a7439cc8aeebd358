// Rendering of the environment tables and the activity list. Rows are keyed by
// "<team>/<name>" and updated in place, so polling never steals focus from a button, resets
// an open <details>, or shifts the layout more than the data itself changed.

import { adviceBlock, reclaimText } from './advice.js';
import { warningBlock } from './warning.js';
import {
  formatCPU, formatBytes, formatRemaining, describeRemaining, formatDateTime, formatWhen, formatAgo,
} from './format.js';
import { describeEvent, describeReason } from './messages.js';

/** Natural order: bulk-2 before bulk-11. */
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });
export const naturalCompare = (a, b) => collator.compare(a, b);

/** Sort orders of the list, by the toolbar's value. */
const SORTS = {
  name: (a, b) => naturalCompare(a.name, b.name),
  newest: (a, b) => (b.createdAt || '').localeCompare(a.createdAt || '') || naturalCompare(a.name, b.name),
  expires: (a, b) => (a.expiresAt || '').localeCompare(b.expiresAt || '') || naturalCompare(a.name, b.name),
  status: (a, b) => (PHASE_RANK[a.phase] ?? 9) - (PHASE_RANK[b.phase] ?? 9) || naturalCompare(a.name, b.name),
};
const PHASE_RANK = { Failed: 0, Pending: 1, Starting: 2, Running: 3, Stopped: 4, Expired: 5 };

/** Whether env passes the toolbar's filter {text, phase, owner, pool}. */
export function matches(env, f) {
  if (!f) return true;
  if (f.phase && env.phase !== f.phase) return false;
  if (f.owner && env.owner !== f.owner) return false;
  if (f.pool && env.pool !== f.pool) return false;
  if (f.text) {
    const hay = `${env.team}/${env.name} ${env.image} ${env.owner} ${env.pool}`.toLowerCase();
    if (!f.text.toLowerCase().split(/\s+/).filter(Boolean).every((w) => hay.includes(w))) return false;
  }
  return true;
}

/** Small element builder: h('td', {class: 'x', dataset: {a: 1}}, child, 'text'). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

/** Text for screen readers only. */
const sr = (text) => h('span', { class: 'visually-hidden', text });

// Phases in which an environment is on its way up; the list is polled fast while any is.
export const SETTLED = new Set(['Running', 'Stopped', 'Failed', 'Expired']);

const STEPS = ['waiting for a node', 'preparing', 'packages', 'starting SSH', 'ready'];

// listenvs' progress.step (observed: pod conditions, container state, the start script's
// announced step) to an index into STEPS.
const PROGRESS_STEP = {
  scheduling: 0,
  preparing: 1,
  'installing-packages': 2,
  'restoring-packages': 2,
  'starting-ssh': 3,
};
const PROGRESS_WORDS = {
  'installing-packages': 'installing packages',
  'restoring-packages': 'restoring saved packages',
};

/**
 * The step's words with the time so far and, when recent starts like it are known, how long
 * they took: "installing packages · 14 s, usually about 22 s". No estimate is made up.
 */
function progressText(env, fallback) {
  const p = env.progress;
  if (!p) return fallback;
  let text = PROGRESS_WORDS[p.step] || fallback;
  const since = Date.parse(p.since);
  if (!Number.isNaN(since)) text += ` · ${Math.max(0, Math.round((Date.now() - since) / 1000))} s`;
  if (p.estimateSeconds) {
    const starts = p.estimateFrom === 1 ? 'the last start like it' : `${p.estimateFrom} recent starts like it`;
    text += `, usually about ${p.estimateSeconds} s (${starts})`;
  }
  return text;
}

/** Where an environment is on its way to Running (index into STEPS), or -1. */
export function stepOf(env) {
  if (env.progress && env.progress.step in PROGRESS_STEP) return PROGRESS_STEP[env.progress.step];
  switch (env.phase) {
    case 'Pending':
      return /ImagePull|ErrImage/.test(env.reason || '') ? 2 : 0;
    case 'Starting':
      return env.reason === 'NotReady' ? 3 : 2;
    case 'Running':
      return 4;
    default:
      return -1;
  }
}

// Reasons worth a warning colour even while the phase is only Pending.
const TROUBLE = new Set(['Unschedulable', 'VolumeNotBound', 'ErrImagePull', 'ImagePullBackOff']);

const keyOf = (env) => `${env.team}/${env.name}`;

export class EnvironmentsView {
  /**
   * @param {HTMLElement} root container for the per-team tables
   * @param {{teamLimits: (team: string) => {maxLifetimeMs: number}, user: () => string}} deps
   */
  constructor(root, deps) {
    this.root = root;
    this.deps = deps;
    this.blocks = new Map(); // team -> {section, tbody, count}
    this.rows = new Map(); // key -> {tr, refs, env}
  }

  /**
   * Renders envs grouped by team (in the order of teams), filtered and sorted as view says
   * ({filter, sort}); returns the teams without any environment and how many rows show.
   */
  render(envs, teams, view = {}) {
    const byTeam = new Map();
    this.total = envs.length;
    let shownCount = 0;
    for (const env of envs) {
      if (!matches(env, view.filter)) continue;
      shownCount++;
      if (!byTeam.has(env.team)) byTeam.set(env.team, []);
      byTeam.get(env.team).push(env);
    }
    const present = new Set(envs.map((e) => e.team));
    const order = [...teams, ...[...byTeam.keys()].filter((t) => !teams.includes(t))];
    const shown = order.filter((t) => byTeam.has(t));

    // Team blocks, in order.
    for (const [team, block] of this.blocks) {
      if (!shown.includes(team)) {
        block.section.remove();
        this.blocks.delete(team);
      }
    }
    shown.forEach((team, i) => {
      let block = this.blocks.get(team);
      if (!block) {
        block = this.teamBlock(team);
        this.blocks.set(team, block);
      }
      if (this.root.children[i] !== block.section) this.root.insertBefore(block.section, this.root.children[i] || null);
    });

    // Rows.
    const seen = new Set();
    for (const team of shown) {
      const block = this.blocks.get(team);
      const list = byTeam.get(team).slice().sort(SORTS[view.sort] || SORTS.name);
      setText(block.count, `${list.length} environment${list.length === 1 ? '' : 's'}`);
      setText(block.reclaim, reclaimText(list));
      list.forEach((env, i) => {
        const key = keyOf(env);
        seen.add(key);
        let row = this.rows.get(key);
        if (!row) {
          row = this.makeRow(env);
          this.rows.set(key, row);
        }
        this.updateRow(row, env);
        if (block.tbody.children[i] !== row.tr) block.tbody.insertBefore(row.tr, block.tbody.children[i] || null);
      });
    }
    for (const [key, row] of this.rows) {
      if (!seen.has(key)) {
        row.tr.remove();
        this.rows.delete(key);
        // A failure must outlive its row (the environment left the list, or a filter hid
        // it): it moves to the notices above the list.
        if (row.failure && this.deps.orphanFailure) this.deps.orphanFailure(key, row.failure);
      }
    }
    this.tick(Date.now());
    return { without: teams.filter((t) => !present.has(t)), shown: shownCount };
  }

  teamBlock(team) {
    const count = h('span', { class: 'caption-count' });
    const reclaim = h('span', { class: 'caption-reclaim' });
    const tbody = h('tbody');
    const th = (text, cls) => h('th', { scope: 'col', class: cls, text });
    const table = h('table', { class: 'env-table' },
      h('caption', {}, h('span', { class: 'caption-team' }, sr('Team '), team), ' ', count, reclaim),
      h('thead', {}, h('tr', {},
        th('Environment', 'col-env'), th('Status', 'col-status'), th('CPU', 'col-usage'), th('Memory', 'col-usage'),
        th('Time left', 'col-time'), th('Access', 'col-access'), th('Actions', 'col-actions'))),
      tbody);
    // The scroll box is focusable so keyboard users can scroll a table wider than the screen.
    const section = h('div', { class: 'team-block', dataset: { team } },
      h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `Environments of ${team}` }, table));
    return { section, tbody, count, reclaim };
  }

  makeRow(env) {
    const key = keyOf(env);
    const r = {};
    r.name = h('span', { class: 'env-name' });
    r.image = h('span', { class: 'env-image' });
    r.meta = h('span', { class: 'env-meta' });
    r.badge = h('span', { class: 'badge' });
    r.reason = h('p', { class: 'status-reason' });
    r.messageShort = h('p', { class: 'status-message' });
    r.messageLong = h('details', { class: 'status-details' }, h('summary', { text: 'Details' }), h('p', { class: 'status-message' }));
    r.steps = h('div', { class: 'steps' },
      h('ol', { class: 'steps-dots' }, ...STEPS.map((s) => h('li', {}, sr(s)))),
      h('span', { class: 'steps-label' }));
    r.cpu = usageCell();
    r.mem = usageCell();
    r.time = h('time', { class: 'time-left' });
    r.until = h('span', { class: 'time-until' });
    r.ssh = accessLine('SSH', 'ssh', key);
    r.sftp = accessLine('SFTP', 'sftp', key);
    // With an SSH gateway: a ~/.ssh/config entry for editors (hidden when absent).
    r.sshConfig = accessLine('Config', 'sshConfig', key);
    const btn = (action, text, cls, extra = {}) =>
      h('button', { type: 'button', class: `btn btn-small ${cls}`, dataset: { action, env: key, ...extra } }, ...text);
    r.stop = btn('stop', ['Stop', sr(` ${env.name}`)], '');
    r.start = btn('start', ['Start', sr(` ${env.name}`)], 'btn-primary');
    r.extend2 = btn('extend', [sr(`Extend ${env.name} `), '+2h'], 'btn-extend', { by: '2h' });
    r.extend8 = btn('extend', [sr(`Extend ${env.name} `), '+8h'], 'btn-extend', { by: '8h' });
    r.remove = btn('delete', ['Delete', sr(` ${env.name}`)], 'btn-danger-quiet');
    r.resize = btn('resize', ['Resize', sr(` ${env.name}`)], '');
    r.failure = h('div', { class: 'row-failure', hidden: true, dataset: { rowError: key } });
    r.advice = adviceBlock(key, env.name);
    r.warning = warningBlock(key, env.name);

    const tr = h('tr', { dataset: { env: key } },
      h('th', { scope: 'row', class: 'cell-env' }, r.name, r.image, r.meta),
      h('td', { class: 'cell-status', dataset: { label: 'Status' } },
        h('div', { class: 'status-line' }, r.badge, r.steps), r.reason, r.messageShort, r.messageLong, r.warning.root, r.failure),
      h('td', { class: 'cell-usage', dataset: { label: 'CPU' } }, r.cpu.root, r.advice.cpu),
      h('td', { class: 'cell-usage', dataset: { label: 'Memory' } }, r.mem.root, r.advice.mem),
      h('td', { class: 'cell-time', dataset: { label: 'Time left' } }, r.time, r.until),
      h('td', { class: 'cell-access', dataset: { label: 'Access' } }, r.ssh.root, r.sftp.root, r.sshConfig.root),
      h('td', { class: 'cell-actions', dataset: { label: 'Actions' } },
        h('div', { class: 'actions' },
          h('div', { class: 'actions-main' }, r.stop, r.start, r.resize, r.remove),
          h('div', { class: 'extend-group', role: 'group', 'aria-label': `Extend ${env.name}` },
            h('span', { class: 'extend-label', 'aria-hidden': 'true', text: 'Extend' }), r.extend2, r.extend8))));
    return { tr, refs: r, env: null, busy: false };
  }

  updateRow(row, env) {
    const prev = row.env;
    row.env = env;
    // A refresh mostly brings the same data: touching nothing then keeps a list of hundreds
    // of rows free of style and layout work (docs/PERFORMANCE.md, "The UI at 500").
    const sig = `${this.deps.user()}|${JSON.stringify(env)}`;
    if (row.sig === sig) return;
    row.sig = sig;
    const r = row.refs;
    setText(r.name, env.name);
    setText(r.image, env.image);
    r.image.title = env.packages && env.packages.length ? `Packages: ${env.packages.join(' ')}` : '';
    const meta = [env.pool, env.priority];
    if (env.owner && env.owner !== this.deps.user()) meta.push(`by ${env.owner}`);
    if (env.home === 'scratch' || (!env.home && !env.persistentHome)) meta.push('scratch home');
    else meta.push(`${env.persistentHome || 'persistent'} home`);
    setText(r.meta, meta.filter(Boolean).join(' · '));

    // Status
    if (!prev || prev.phase !== env.phase) {
      r.badge.dataset.phase = env.phase;
      setText(r.badge, env.phase);
    }
    r.badge.classList.toggle('badge-trouble', TROUBLE.has(env.reason) && env.phase === 'Pending');
    const step = stepOf(env);
    const climbing = step >= 0 && step < 4;
    r.steps.hidden = !climbing;
    if (climbing) {
      [...r.steps.firstChild.children].forEach((li, i) => {
        li.className = i < step ? 'done' : i === step ? 'current' : '';
        if (i === step) li.setAttribute('aria-current', 'step');
        else li.removeAttribute('aria-current');
      });
      setText(r.steps.lastChild, `${step + 1}/${STEPS.length} · ${progressText(env, STEPS[step])}`);
      r.steps.title = `Progress: ${STEPS.join(' → ')}`;
    }
    const showReason = env.phase !== 'Running' && env.reason;
    r.reason.hidden = !showReason;
    if (showReason) {
      setText(r.reason, `${describeReason(env.reason)}.`);
      r.reason.title = `Reason code: ${env.reason}`; // for the platform team, not in the way
    }
    // The time column already says when an expired environment ended.
    const msg = env.phase !== 'Running' && env.reason !== 'LifetimeExceeded' ? env.message || '' : '';
    const long = msg.length > 80;
    r.messageShort.hidden = !msg || long;
    r.messageLong.hidden = !long;
    setText(r.messageShort, long ? '' : msg);
    setText(r.messageLong.lastChild, long ? msg : '');

    // Usage
    r.cpu.update(env.requested && env.requested.cpuMilli, env.used && env.used.cpuMilli, (v) => formatCPU(v), 'CPU');
    r.mem.update(env.requested && env.requested.memoryBytes, env.used && env.used.memoryBytes, formatBytes, '');
    r.advice.update(env);
    r.warning.update(env);

    // Access
    r.ssh.set(env.ssh);
    r.sftp.set(env.sftp);
    r.sshConfig.set(env.sshConfig);
    const live = env.phase === 'Running';
    for (const line of [r.ssh, r.sftp, r.sshConfig]) line.offline(!live);
    row.tr.classList.toggle('is-offline', !live);

    // Actions
    const stopped = env.phase === 'Stopped' || env.replicas === 0;
    r.stop.hidden = stopped;
    r.start.hidden = !stopped;
    this.updateButtons(row);
  }

  /** Enables the row's buttons unless an action is running or the limit is reached. */
  updateButtons(row, now = Date.now()) {
    const r = row.refs;
    const env = row.env;
    for (const b of [r.stop, r.start, r.remove, r.resize]) if (b.disabled !== row.busy) b.disabled = row.busy;
    const { maxLifetimeMs } = this.deps.teamLimits(env.team);
    const left = Math.max(0, Date.parse(env.expiresAt) - now);
    for (const b of [r.extend2, r.extend8]) {
      const atMax = Number.isFinite(maxLifetimeMs) && left >= maxLifetimeMs - 60e3;
      if (b.disabled !== (row.busy || atMax)) b.disabled = row.busy || atMax;
      setTitle(b, atMax ? `Already at the team's maximum lifetime` : `Add ${b.dataset.by} to the time left`);
    }
    setAttr(row.tr, 'aria-busy', String(row.busy));
  }

  setBusy(key, busy) {
    const row = this.rows.get(key);
    if (!row) return;
    row.busy = busy;
    row.tr.classList.toggle('is-busy', busy);
    this.updateButtons(row);
  }

  /** Updates the time-left cells; called every few seconds. */
  tick(now) {
    for (const row of this.rows.values()) {
      const env = row.env;
      const exp = new Date(env.expiresAt);
      const left = exp.getTime() - now;
      const r = row.refs;
      setText(r.time, formatRemaining(left));
      setAttr(r.time, 'datetime', env.expiresAt);
      setAttr(r.time, 'aria-label', describeRemaining(left));
      r.time.classList.toggle('is-soon', left > 0 && left < 30 * 60e3);
      r.time.classList.toggle('is-over', left <= 0);
      // Keep "Sat 7:11 PM" on one line; only the word before it may wrap.
      // Stopped environments expire too (the reaper ends them at expires-at), so the time
      // keeps counting down while stopped; the row says so.
      const stopped = env.phase === 'Stopped';
      setText(r.until, `${left > 0 ? (stopped ? 'stopped; ends' : 'until') : 'ended'} ${formatWhen(exp, now).replace(/\s/g, '\u00a0')}`);
      setTitle(r.time, `Expires ${formatDateTime(exp)}${stopped ? ', also while stopped' : ''}`);
      if (!row.busy) this.updateButtons(row, now);
    }
  }

  /**
   * Shows a failed action in its row until dismissed, retried or replaced by the next
   * action's outcome: {action, message, requestId}. The row's buttons carry data-failure-*.
   */
  setFailure(key, failure) {
    const row = this.rows.get(key);
    if (!row) return false;
    row.failure = failure;
    const box = row.refs.failure;
    if (!failure) {
      box.hidden = true;
      box.replaceChildren();
      return true;
    }
    box.replaceChildren(...[
      h('p', { class: 'row-failure-text', role: 'alert', text: failure.message }),
      failure.requestId ? h('p', { class: 'row-failure-meta' }, 'Request ID ', h('code', { text: failure.requestId })) : null,
      h('div', { class: 'row-failure-actions' },
        failure.retry ? h('button', { type: 'button', class: 'btn btn-small', dataset: { failureRetry: key } }, 'Try again', sr(` to ${failure.action} ${row.env.name}`)) : null,
        h('button', { type: 'button', class: 'btn btn-small btn-quiet', dataset: { failureDismiss: key } }, 'Dismiss', sr(` the failure of ${row.env.name}`))),
    ].filter(Boolean));
    box.hidden = false;
    return true;
  }

  failure(key) {
    const row = this.rows.get(key);
    return row ? row.failure || null : null;
  }

  row(key) {
    return this.rows.get(key);
  }

  env(key) {
    const row = this.rows.get(key);
    return row ? row.env : null;
  }

  /** After a row disappears, a sensible place for keyboard focus. */
  focusAfterRemoval(key, fallback) {
    const row = this.rows.get(key);
    const next = row && (row.tr.nextElementSibling || row.tr.previousElementSibling);
    return () => {
      const target = next && next.isConnected ? next.querySelector('button[data-action]:not([hidden]):not(:disabled)') : null;
      (target || fallback).focus();
    };
  }

  clear() {
    this.root.replaceChildren();
    this.blocks.clear();
    this.rows.clear();
  }
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/** Sets an attribute only when it changes: even a same-value write invalidates style. */
function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}

function setTitle(el, title) {
  if (el.title !== title) el.title = title;
}

function usageCell() {
  const fill = h('span', { class: 'bar-fill' });
  const bar = h('span', { class: 'bar', 'aria-hidden': 'true' }, fill);
  const used = h('span', { class: 'usage-used' });
  const req = h('span', { class: 'usage-req' });
  const spoken = h('span', { class: 'visually-hidden' });
  const visible = h('span', { class: 'usage', 'aria-hidden': 'true' }, used, bar, req);
  const root = h('div', {}, spoken, visible);
  return {
    root,
    update(requested, value, fmt, unit) {
      const u = unit ? ` ${unit}` : '';
      const asked = requested ? fmt(requested) + u : '—';
      setText(spoken, value === null || value === undefined
        ? `${asked} requested, usage not available`
        : `${fmt(value)}${u} used of ${asked} requested`);
      if (value === null || value === undefined) {
        used.replaceChildren(h('span', { class: 'muted', text: 'used: n/a' }));
        setText(req, `of ${asked}`);
        bar.classList.add('is-na');
        bar.classList.remove('is-high', 'is-over');
        fill.style.width = '0%';
        root.title = 'No usage metrics for this environment right now';
        return;
      }
      const ratio = requested ? value / requested : 0;
      // The unit is on the second line for CPU ("0.32 used / of 1 CPU") to fit narrow columns.
      used.replaceChildren(h('strong', { text: fmt(value) }), h('span', { class: 'muted', text: ' used' }));
      setText(req, `of ${asked}`);
      bar.classList.remove('is-na');
      bar.classList.toggle('is-high', ratio >= 0.9 && ratio <= 1);
      bar.classList.toggle('is-over', ratio > 1);
      // CSSOM writes are allowed under style-src 'self' (only markup style="" is blocked).
      fill.style.width = `${Math.min(100, Math.max(ratio > 0 ? 2 : 0, ratio * 100)).toFixed(1)}%`;
      root.title = `${Math.round(ratio * 100)}% of the request in use`;
    },
  };
}

function accessLine(label, kind, key) {
  const code = h('code', { class: 'cmd' });
  const copy = h('button', { type: 'button', class: 'btn btn-small btn-copy', dataset: { copy: kind, env: key } },
    'Copy', sr(` ${label} command for ${key}`));
  const root = h('div', { class: 'access-line' }, h('span', { class: 'access-label', text: label }), code, copy);
  return {
    root,
    set(cmd) {
      root.hidden = !cmd;
      setText(code, cmd || '');
      code.title = cmd || '';
    },
    offline(off) {
      root.classList.toggle('is-offline', off);
      if (off) code.title = `${code.textContent}\n(works once the environment is running)`;
    },
  };
}

// Activity

export function renderActivity(list, events, { user, now = Date.now() }) {
  const items = events.map((ev) => {
    const [done, attempt] = describeEvent(ev);
    const who = ev.actor && ev.actor === user ? 'You'
      : /^alert:/.test(ev.actor || '') ? `Alert ${ev.actor.slice(6)}` : ev.actor || 'Someone';
    const target = h('span', { class: 'event-env', text: ev.env ? `${ev.team}/${ev.env}` : ev.team });
    const line = h('p', { class: 'event-line' },
      h('span', { class: 'event-actor', text: who }), ' ',
      ev.outcome === 'failure' ? `could not ${attempt} ` : `${done} `, target);
    if (ev.outcome && ev.outcome !== 'success') {
      line.append(' ', h('span', { class: `chip chip-${ev.outcome}`, text: ev.outcome === 'ignored' ? 'nothing to do' : ev.outcome === 'failure' ? 'failed' : ev.outcome }));
    }
    const when = new Date(ev.time);
    const body = h('div', { class: 'event-body' }, line);
    if (ev.reason) body.append(h('p', { class: 'event-reason', text: ev.reason }));
    return h('li', { class: `event event-${ev.outcome || 'success'}`, dataset: { eventId: ev.id, action: ev.action } },
      h('span', { class: 'event-dot', 'aria-hidden': 'true' }),
      body,
      h('time', {
        class: 'event-time', datetime: ev.time, title: formatAgo(when, now) + (ev.requestId ? ` · request ${ev.requestId}` : ''),
        text: formatWhen(when, now),
      }));
  });
  list.replaceChildren(...items);
}

