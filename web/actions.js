// Row actions: stop (asking first when the home is scratch space), start, extend, resize
// and delete. A failure stays in the environment's row until dismissed or retried; the
// answer of a success replaces the row's data (updateenv answers with the real phase).

import { adviceChange } from './advice.js';
import { ApiError } from './api.js';
import { describeError } from './messages.js';
import { formatBytes, formatCPU, formatRemaining, formatWhen, parseCPU, parseDuration, parseMemory, toGoDuration } from './format.js';

const $ = (sel) => document.querySelector(sel);

/** Whether env's home is discarded by a stop (older answers have no "home": a size means kept). */
const scratch = (env) => (env.home ? env.home === 'scratch' : !env.persistentHome);

export class Actions {
  /**
   * @param {{api: () => object, view: object, notices: object, catalog: () => object,
   *          replaceEnv: (env: object) => void, removeEnv: (key: string) => void,
   *          handledAuth: (err: Error) => boolean, refreshSoon: () => void}} deps
   */
  constructor(deps) {
    this.d = deps;
    $('#resize-form').addEventListener('submit', (e) => { e.preventDefault(); this.submitResize(); });
    $('#resize-cancel').addEventListener('click', () => $('#resize-dialog').close('cancel'));
    $('#stop-cancel').addEventListener('click', () => $('#stop-dialog').close('cancel'));
    $('#delete-cancel').addEventListener('click', () => $('#delete-dialog').close('cancel'));
  }

  team(name) {
    return this.d.catalog().teams.find((t) => t.name === name) || null;
  }

  /** Handles a click on a row's button; true when it was an action button. */
  click(button) {
    const view = this.d.view;
    if (button.dataset.failureDismiss) {
      const key = button.dataset.failureDismiss;
      view.setFailure(key, null);
      const row = view.row(key);
      if (row) row.tr.querySelector('button[data-action]:not([hidden])')?.focus();
      return true;
    }
    if (button.dataset.failureRetry) {
      const f = view.failure(button.dataset.failureRetry);
      view.setFailure(button.dataset.failureRetry, null);
      if (f && f.retry) f.retry();
      return true;
    }
    const env = view.env(button.dataset.env);
    if (!env) return false;
    switch (button.dataset.action) {
      case 'stop': this.stop(env, button); return true;
      case 'start': this.start(env); return true;
      case 'extend':
      case 'warning-extend': this.extend(env, button.dataset.by); return true;
      case 'resize': this.openResize(env, button); return true;
      case 'delete': this.confirmDelete(env, button); return true;
      case 'apply-advice': this.applyAdvice(env); return true;
      case 'idle-stop-off': this.update(env, { action: 'idle-stop', idleStop: false }, `Turning idle stop off for ${env.team}/${env.name}`,
        () => `${env.team}/${env.name} will not be stopped for idleness.`); return true;
      default: return false;
    }
  }

  /**
   * Sends change to updateenv. doing names the action for messages ("Stopping x");
   * done(updated) is the success news.
   */
  async update(env, change, doing, done) {
    const key = `${env.team}/${env.name}`;
    const { view, notices } = this.d;
    view.setBusy(key, true);
    view.setFailure(key, null);
    notices.announce(`${doing}…`);
    try {
      const updated = await this.d.api().update(env.team, env.name, change);
      this.d.replaceEnv(updated || env);
      notices.info(done(updated || env), 'success');
      return true;
    } catch (err) {
      if (this.d.handledAuth(err)) return false;
      this.fail(env, change.action, err, doing, () => this.update(env, change, doing, done));
      return false;
    } finally {
      view.setBusy(key, false);
      this.d.refreshSoon();
    }
  }

  fail(env, action, err, doing, retry) {
    const key = `${env.team}/${env.name}`;
    const message = describeError(err, doing);
    const requestId = err instanceof ApiError ? err.requestId : '';
    if (!this.d.view.setFailure(key, { action, message, requestId, retry })) {
      // The row is gone (filtered away or removed): keep the failure visible at the top.
      this.d.notices.fail({ key: `action:${key}:${action}`, title: `${doing} did not work.`, message, requestId, retry });
    }
  }

  stop(env, button) {
    const key = `${env.team}/${env.name}`;
    const go = () => this.update(env, { action: 'stop' }, `Stopping ${key}`, (u) => (scratch(u)
      ? `${key} is stopped. Its scratch home was discarded.`
      : `${key} is stopped. Its home volume is kept; start it to continue.`));
    if (!scratch(env)) return go();
    // A scratch home is lost at stop: ask first, and say so.
    const dialog = $('#stop-dialog');
    $('#stop-title').textContent = `Stop ${env.name}?`;
    $('#stop-text').textContent = `${key} has a scratch home: stopping it discards everything in /home ` +
      '(files, checkouts, shell history). Push or copy anything you need first.';
    this.confirm(dialog, $('#stop-confirm'), 'stop', button, go);
    return undefined;
  }

  start(env) {
    const key = `${env.team}/${env.name}`;
    return this.update(env, { action: 'start' }, `Starting ${key}`, (u) => (u.phase === 'Running'
      ? `${key} is running.`
      : `${key} is starting. It shows as Running when SSH is ready.`));
  }

  /** Extend adds to the time left: the API's lifetime counts from now, so send left + by. */
  extend(env, by) {
    const team = this.team(env.team);
    const max = team ? parseDuration(team.maxLifetime) : NaN;
    const left = Math.max(0, Date.parse(env.expiresAt) - Date.now());
    let lifetime = left + parseDuration(by);
    let capped = false;
    if (Number.isFinite(max) && lifetime > max) {
      lifetime = max;
      capped = true;
    }
    const key = `${env.team}/${env.name}`;
    return this.update(env, { action: 'extend', lifetime: toGoDuration(lifetime) }, `Extending ${key}`, (u) => {
      const left2 = Date.parse(u.expiresAt) - Date.now();
      return `${key} now has ${formatRemaining(left2)} left (until ${formatWhen(new Date(u.expiresAt))})` +
        (capped ? `, the most ${env.team} allows.` : '.');
    });
  }

  /** One click: the in-place resize to the right-sizing advice (advice.js). */
  applyAdvice(env) {
    const change = adviceChange(env);
    if (!change) return undefined;
    const key = `${env.team}/${env.name}`;
    return this.update(env, change, `Resizing ${key}`, (u) =>
      `${key} now has ${formatCPU(u.requested.cpuMilli)} CPU and ${formatBytes(u.requested.memoryBytes)}, as advised.`);
  }

  openResize(env, button) {
    const team = this.team(env.team);
    const dialog = $('#resize-dialog');
    this.resizing = { env, button };
    const cpu = $('#resize-cpu');
    const mem = $('#resize-memory');
    cpu.value = formatCPU(env.requested.cpuMilli);
    mem.value = `${Math.round(env.requested.memoryBytes / 2 ** 20)}Mi`.replace(/^(\d+)Mi$/, (m, n) => (n % 1024 === 0 ? `${n / 1024}Gi` : m));
    $('#resize-title').textContent = `Resize ${env.name}`;
    const used = env.used
      ? ` It is using ${formatCPU(env.used.cpuMilli)} CPU and ${formatBytes(env.used.memoryBytes)} right now.`
      : '';
    $('#resize-text').textContent = `Now ${formatCPU(env.requested.cpuMilli)} CPU and ${formatBytes(env.requested.memoryBytes)}.${used}`;
    $('#resize-cpu-hint').textContent = team ? `At most ${formatCPU(parseCPU(team.maxCPU))} for ${team.name}.` : '';
    $('#resize-memory-hint').textContent = team ? `At most ${formatBytes(parseMemory(team.maxMemory))} for ${team.name}.` : '';
    this.resizeErrors({});
    dialog.addEventListener('close', () => { if (button.isConnected) button.focus(); }, { once: true });
    dialog.showModal();
    cpu.focus();
    cpu.select();
  }

  resizeErrors(errs) {
    for (const f of ['cpu', 'memory']) {
      const input = $(`#resize-${f}`);
      const p = $(`#error-resize-${f}`);
      p.textContent = errs[f] || '';
      p.hidden = !errs[f];
      if (errs[f]) input.setAttribute('aria-invalid', 'true');
      else input.removeAttribute('aria-invalid');
    }
    $('#resize-error').hidden = !errs.form;
    $('#resize-error').textContent = errs.form || '';
    const first = ['cpu', 'memory'].find((f) => errs[f]);
    if (first) $(`#resize-${first}`).focus();
  }

  async submitResize() {
    const { env } = this.resizing || {};
    if (!env) return;
    const team = this.team(env.team);
    const cpuText = $('#resize-cpu').value.trim();
    const memText = $('#resize-memory').value.trim();
    const cpu = parseCPU(cpuText);
    const mem = parseMemory(memText);
    const errs = {};
    if (!cpuText || Number.isNaN(cpu)) errs.cpu = 'Enter a number of cores such as 2 or 0.5.';
    else if (cpu < 100) errs.cpu = 'Ask for at least 0.1 CPU.';
    else if (team && cpu > parseCPU(team.maxCPU)) errs.cpu = `${team.name} allows at most ${formatCPU(parseCPU(team.maxCPU))} CPU.`;
    if (!memText || Number.isNaN(mem)) errs.memory = 'Enter an amount such as 4Gi or 512Mi.';
    else if (mem < 128 * 2 ** 20) errs.memory = 'Ask for at least 128 MiB.';
    else if (team && mem > parseMemory(team.maxMemory)) errs.memory = `${team.name} allows at most ${formatBytes(parseMemory(team.maxMemory))}.`;
    this.resizeErrors(errs);
    if (errs.cpu || errs.memory) return;
    const key = `${env.team}/${env.name}`;
    const submit = $('#resize-submit');
    submit.disabled = true;
    try {
      const updated = await this.d.api().update(env.team, env.name, { action: 'resize', cpu: cpuText, memory: memText });
      $('#resize-dialog').close('done');
      this.d.replaceEnv(updated || env);
      this.d.view.setFailure(key, null);
      this.d.notices.info(`${key} now has ${formatCPU(updated.requested.cpuMilli)} CPU and ${formatBytes(updated.requested.memoryBytes)}.`, 'success');
    } catch (err) {
      if (this.d.handledAuth(err)) { $('#resize-dialog').close('auth'); return; }
      const byField = {};
      for (const f of (err.fields || [])) {
        const field = /^[a-z]+/i.exec(f.path || '')?.[0];
        if (field === 'cpu' || field === 'memory') byField[field] = describeError({ ...err, fields: [f] }, 'The resize').replace(/^The resize was refused: /, '');
      }
      if (!byField.cpu && !byField.memory) byField.form = describeError(err, `Resizing ${key}`);
      this.resizeErrors(byField);
    } finally {
      submit.disabled = false;
      this.d.refreshSoon();
    }
  }

  /** Opens dialog; confirmButton closes it with value and runs go. */
  confirm(dialog, confirmButton, value, button, go) {
    const onConfirm = () => dialog.close(value);
    confirmButton.addEventListener('click', onConfirm, { once: true });
    dialog.addEventListener('close', () => {
      confirmButton.removeEventListener('click', onConfirm);
      const confirmed = dialog.returnValue === value;
      dialog.returnValue = '';
      if (button.isConnected) button.focus();
      if (confirmed) go();
    }, { once: true });
    dialog.returnValue = '';
    dialog.showModal();
  }

  confirmDelete(env, button) {
    const key = `${env.team}/${env.name}`;
    $('#delete-title').textContent = `Delete ${env.name}?`;
    $('#delete-text').textContent = env.persistentHome
      ? `${key} and its ${env.persistentHome} home volume will be removed. Anything not pushed elsewhere is lost.`
      : `${key} will be removed. Anything not pushed elsewhere is lost.`;
    this.confirm($('#delete-dialog'), $('#delete-confirm'), 'delete', button, () => this.remove(env, button));
  }

  async remove(env, button) {
    const key = `${env.team}/${env.name}`;
    const { view, notices } = this.d;
    view.setBusy(key, true);
    view.setFailure(key, null);
    notices.announce(`Deleting ${key}…`);
    const refocus = view.focusAfterRemoval(key, $('#env-heading'));
    try {
      await this.d.api().remove(env.team, env.name);
    } catch (err) {
      if (this.d.handledAuth(err)) return;
      if (!(err instanceof ApiError && err.status === 404)) {
        view.setBusy(key, false);
        this.fail(env, 'delete', err, `Deleting ${key}`, () => this.remove(env, button));
        if (button.isConnected) button.focus();
        return;
      }
    }
    this.d.removeEnv(key);
    refocus();
    notices.info(`${key} was deleted.`, 'success');
    this.d.refreshSoon();
  }
}
