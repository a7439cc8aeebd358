// Notifications. Failures are kept until the user dismisses them or retries (a later
// success of the same kind replaces them); several can be visible at once, each keyed by
// what failed, so a list refresh's problem never replaces an action's. Short successes
// ("x is stopped") fade after a few seconds. Everything sits in the page's flow above the
// list, never over it, and is announced through the polite live region.

import { h } from './views.js';
import { formatWhen } from './format.js';

export class Notices {
  /** @param {HTMLElement} root the in-flow container, e.g. #notices */
  constructor(root, live) {
    this.root = root;
    this.live = live;
    this.items = new Map(); // key -> element
  }

  /**
   * Shows a lasting failure: {key, title, message, requestId, retry}. A failure with the same
   * key is replaced (the same thing failing again), others stay.
   */
  fail({ key, title, message, requestId = '', retry = null }) {
    this.drop(key);
    const retryButton = retry ? h('button', { type: 'button', class: 'btn btn-small', dataset: { noticeRetry: key } }, 'Try again') : null;
    const dismiss = h('button', { type: 'button', class: 'btn btn-small btn-quiet', dataset: { noticeDismiss: key } },
      'Dismiss', h('span', { class: 'visually-hidden', text: `: ${title}` }));
    const item = h('div', { class: 'notice notice-error', role: 'alert', dataset: { notice: key } },
      h('div', { class: 'notice-text' },
        h('strong', { class: 'notice-title', text: title }), ' ',
        h('span', { class: 'notice-message', text: message }),
        h('span', { class: 'notice-meta' },
          `${formatWhen(new Date())}`, requestId ? ' · Request ID ' : '', requestId ? h('code', { text: requestId }) : null)),
      h('div', { class: 'notice-actions' }, retryButton, dismiss));
    if (retryButton) retryButton.addEventListener('click', () => { this.drop(key); retry(); });
    dismiss.addEventListener('click', () => this.drop(key, true));
    this.items.set(key, item);
    this.root.prepend(item);
    return item;
  }

  /** Removes the failure with key (it was dismissed, retried, or has since cleared). */
  drop(key, focusNext = false) {
    const item = this.items.get(key);
    if (!item) return;
    const next = focusNext ? (item.nextElementSibling || item.previousElementSibling) : null;
    item.remove();
    this.items.delete(key);
    if (focusNext) {
      const target = next && next.querySelector('button');
      (target || document.querySelector('#env-heading') || document.body).focus();
    }
  }

  /** Drops every failure whose key starts with prefix (e.g. all of one environment's). */
  dropPrefix(prefix) {
    for (const key of [...this.items.keys()]) if (key.startsWith(prefix)) this.drop(key);
  }

  has(key) {
    return this.items.has(key);
  }

  /** A short success or piece of news; it fades after ms. */
  info(message, kind = 'success', ms = 6000) {
    const item = h('div', { class: `notice notice-${kind} notice-brief`, dataset: { brief: '' } },
      h('p', { class: 'notice-text', text: message }));
    this.root.append(item);
    const briefs = this.root.querySelectorAll('[data-brief]');
    if (briefs.length > 3) briefs[0].remove();
    this.announce(message);
    setTimeout(() => item.remove(), ms);
    return item;
  }

  /** Progress and news for screen readers. */
  announce(message) {
    this.live.textContent = '';
    setTimeout(() => { this.live.textContent = message; }, 50);
  }

  clear() {
    for (const key of [...this.items.keys()]) this.drop(key);
    this.root.replaceChildren();
  }
}
