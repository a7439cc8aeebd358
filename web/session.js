// The signed-in session across tabs. The token lives in sessionStorage, which is per tab;
// to spare a second tab of the same browser from asking for it again, a new tab asks the
// page's other open tabs over a BroadcastChannel (same origin only, nothing written to
// disk, no cookie). A signed-in tab answers with its token. When no other tab is signed in,
// the new tab asks the user, as before. Sign-out is broadcast too, and tabs of the same
// user sign out with it. Browsers without BroadcastChannel simply ask again.

import { token } from './api.js';

const CHANNEL = 'devenvs.session';
const ASK_MS = 250; // a signed-in tab answers within a few milliseconds

let channel = null;
let current = () => ({ signedIn: false, user: '' });
let onSignOut = () => {};

/**
 * Starts answering other tabs. status() tells whether this tab is signed in and as whom;
 * signedOut(user) is called when another tab of the same user signs out.
 */
export function share(status, signedOut) {
  current = status;
  onSignOut = signedOut;
  if (typeof BroadcastChannel !== 'function') return;
  channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (e) => {
    const msg = e.data || {};
    const me = current();
    if (msg.type === 'ask' && me.signedIn && token.get()) {
      channel.postMessage({ type: 'token', id: msg.id, token: token.get() });
    } else if (msg.type === 'signout' && me.signedIn && msg.user && msg.user === me.user) {
      onSignOut();
    }
  };
}

/** Asks the other open tabs for a token; resolves to it or '' after a short wait. */
export function askOtherTabs() {
  if (!channel) return Promise.resolve('');
  const id = Math.random().toString(36).slice(2);
  return new Promise((resolve) => {
    const timer = setTimeout(() => { channel.removeEventListener('message', onMsg); resolve(''); }, ASK_MS);
    function onMsg(e) {
      const msg = e.data || {};
      if (msg.type !== 'token' || msg.id !== id || !msg.token) return;
      clearTimeout(timer);
      channel.removeEventListener('message', onMsg);
      resolve(msg.token);
    }
    channel.addEventListener('message', onMsg);
    channel.postMessage({ type: 'ask', id });
  });
}

/** Tells the other tabs that user signed out. */
export function announceSignOut(user) {
  if (channel && user) channel.postMessage({ type: 'signout', user });
}

/**
 * Fills the sign-in page's help from /config.json's optional
 * {"signIn": {"help": "...", "linkText": "...", "linkURL": "https://..."}}.
 */
export function describeSignIn(el, signIn) {
  if (!signIn || (!signIn.help && !signIn.linkURL)) return;
  el.replaceChildren();
  if (signIn.help) el.append(signIn.help);
  if (signIn.linkURL && /^https?:\/\//.test(signIn.linkURL)) {
    const a = document.createElement('a');
    a.href = signIn.linkURL;
    a.rel = 'noopener noreferrer';
    a.id = 'signin-link';
    a.textContent = signIn.linkText || signIn.linkURL;
    el.append(signIn.help ? ' ' : '', a);
  }
}
