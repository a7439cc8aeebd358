// devenvs browser UI: the entry module. It boots, signs in and out, polls the list, and
// wires the parts that live in their own modules: state.js (every state field), session.js
// (tabs and sign-in text), poll.js (when to poll), activity.js (the activity panel),
// actions.js (row actions), notify.js (messages), form.js (the create form), views.js
// (tables), messages.js (words), signin.js and oidc.js (the sign-in page), dom.js (DOM
// helpers).
//
// Served as static files next to /config.json (see README.md in this folder). No build step,
// no third-party code, nothing inline: the page runs under a strict Content-Security-Policy.

import { ApiError, adoptTokenFromFragment, client, loadConfig, token } from './api.js';
import { CreateForm } from './form.js';
import { EnvironmentsView, SETTLED } from './views.js';
import { formatWhen, parseDuration } from './format.js';
import { describeError, describeReason } from './messages.js';
import { Notices } from './notify.js';
import { signatureOf } from './poll.js';
import { Actions } from './actions.js';
import { Activity } from './activity.js';
import { announceSignOut, askOtherTabs, describeSignIn, share } from './session.js';
import { createState, resetSession } from './state.js';
import { $, copyText, setHidden, setText } from './dom.js';
import { SignInPage } from './signin.js';

const TICK_MS = 5_000; // time-left labels

const state = createState();

/** Figures for the browser tests (window.devenvsStats). */
const stats = { lastRenderMs: 0, listsApplied: 0, nextPollMs: 0 };
window.devenvsStats = stats;

let form;
let envView;
let notices;
let actions;
let activity;
let signIn;

// ---------------------------------------------------------------------------------------
// Boot

async function boot() {
  adoptTokenFromFragment();
  notices = new Notices($('#notices'), $('#live'));
  activity = new Activity(state, { notices, handledAuth, refreshList: () => refreshEnvironments() });
  signIn = new SignInPage({ list: () => state.api.list(), enter: (firstList) => enterApp(firstList, true) });
  wireStaticHandlers();
  try {
    state.config = await loadConfig();
  } catch (err) {
    $('#boot').hidden = true;
    notices.fail({ key: 'config', title: 'devenvs could not start.', message: describeError(err, 'Loading the page settings'), retry: () => location.reload() });
    return;
  }
  describeSignIn($('#signin-help'), state.config.signIn);
  signIn.offerOidc(state.config.oidc);
  state.api = client(state.config.functions);
  envView = new EnvironmentsView($('#env-teams'), {
    teamLimits: (team) => {
      const t = state.config.catalog.teams.find((x) => x.name === team);
      return { maxLifetimeMs: t ? parseDuration(t.maxLifetime) : NaN };
    },
    user: () => state.user,
    orphanFailure: (key, f) => notices.fail({ key: `action:${key}:${f.action}`, title: `${key}:`, message: f.message, requestId: f.requestId, retry: f.retry }),
  });
  form = new CreateForm($('#create-form'), { onSubmit: createEnvironment });
  form.setCatalog(state.config.catalog, null);
  actions = new Actions({
    api: () => state.api,
    view: envView,
    notices,
    catalog: () => state.config.catalog,
    replaceEnv,
    removeEnv,
    handledAuth,
    refreshSoon,
  });
  share(() => ({ signedIn: state.signedIn, user: state.user }), () => signOut('', false));
  const signInProblem = await signIn.finishOidc(); // back from the identity provider?
  if (!token.get() && !signInProblem) {
    // Another open tab of this page may be signed in already (see session.js).
    const shared = await askOtherTabs();
    if (shared && !token.get()) token.set(shared);
  }
  $('#boot').hidden = true;
  if (token.get()) enterApp();
  else showSignIn(signInProblem, false);
}

function wireStaticHandlers() {
  $('#sign-out').addEventListener('click', () => signOut());
  $('#refresh').addEventListener('click', () => {
    state.plan.poke();
    refreshEnvironments();
    if (state.activity.team) activity.refresh();
  });
  for (const button of [$('#new-env'), $('#empty-create')]) button.addEventListener('click', () => openCreate(button));
  $('#create-close').addEventListener('click', () => $('#create-dialog').close());
  $('#env-teams').addEventListener('click', onTableClick);
  // Search, filters, sort and compact view.
  $('#env-search').addEventListener('input', (e) => { state.view.filter.text = e.target.value.trim(); renderEnvironments(); });
  for (const [id, field] of [['#filter-phase', 'phase'], ['#filter-owner', 'owner'], ['#filter-pool', 'pool']]) {
    $(id).addEventListener('change', (e) => { state.view.filter[field] = e.target.value; renderEnvironments(); });
  }
  $('#sort').addEventListener('change', (e) => { state.view.sort = e.target.value; renderEnvironments(); });
  $('#compact').addEventListener('change', (e) => {
    $('#environments').classList.toggle('is-compact', e.target.checked);
    try { localStorage.setItem('devenvs.compact', e.target.checked ? '1' : ''); } catch { /* ignore */ }
  });
  try {
    if (localStorage.getItem('devenvs.compact')) {
      $('#compact').checked = true;
      $('#environments').classList.add('is-compact');
    }
  } catch { /* storage disabled */ }
  $('#clear-filters').addEventListener('click', () => {
    state.view.filter = { text: '', phase: '', owner: '', pool: '' };
    for (const id of ['#env-search', '#filter-phase', '#filter-owner', '#filter-pool']) $(id).value = '';
    renderEnvironments();
    $('#env-search').focus();
  });
  document.addEventListener('visibilitychange', onVisibility);
  // A scripted #token=... on an already open sign-in page (see adoptTokenFromFragment).
  window.addEventListener('hashchange', () => {
    if (!/(^#|&)token=/.test(location.hash)) return;
    adoptTokenFromFragment();
    if (state.api && !state.signedIn && token.get()) enterApp();
  });
}

function openCreate(opener) {
  const dialog = $('#create-dialog');
  if (dialog.open) return;
  dialog.addEventListener('close', () => { if (opener.isConnected) opener.focus(); }, { once: true });
  dialog.showModal();
  form.focusName();
}

// ---------------------------------------------------------------------------------------
// Sign-in

/** The sign-in page, with the timers of the signed-in page stopped. */
function showSignIn(message, tokenProblem = true) {
  state.signedIn = false;
  stopTimers();
  signIn.show(message, tokenProblem);
}

function enterApp(firstList, fromSignIn = false) {
  state.signedIn = true;
  state.plan.reset();
  signIn.hide();
  $('#app-view').hidden = false;
  $('#session').hidden = false;
  if (firstList) {
    applyList(firstList, state.listSeq);
    scheduleEnvironments();
  } else {
    refreshEnvironments();
  }
  activity.schedule();
  startTicker();
  // Coming from the sign-in form, focus would otherwise be left on a now hidden input.
  if (fromSignIn) $('#env-heading').focus();
}

/** Signs out this tab; broadcast tells the other tabs of the same user to follow. */
function signOut(message = '', broadcast = true) {
  const user = state.user;
  token.clear();
  resetSession(state);
  envView.clear();
  form.setKeyOwner(''); // the next user must not be offered this user's keys
  if ($('#create-dialog').open) $('#create-dialog').close();
  activity.clear();
  $('#who').hidden = true;
  $('#user-name').textContent = '';
  $('#env-error').hidden = true;
  $('#env-loading').hidden = false;
  $('#env-empty').hidden = true;
  $('#environments').setAttribute('aria-busy', 'true');
  notices.clear();
  if (broadcast) announceSignOut(user);
  showSignIn(message);
  if (!message) notices.info('Signed out. Your token was removed from this tab.', 'info');
}

/** Handles 401 from any call; true when the caller should stop. */
function handledAuth(err) {
  if (err instanceof ApiError && err.status === 401) {
    if (state.signedIn) signOut('Your token was not accepted. Sign in again to continue.', false);
    return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------
// Environments

async function refreshEnvironments() {
  if (!state.signedIn) return;
  if (state.listInFlight) return state.listInFlight;
  clearTimeout(state.timers.env);
  const seq = ++state.listSeq;
  state.listInFlight = (async () => {
    try {
      // The first load shows the first page as soon as it arrives; refreshes swap in the
      // whole list at once, so rows on later pages never blink out.
      const early = state.loaded ? undefined : (page) => applyList(page, seq);
      const data = await state.api.list(undefined, early);
      applyList(data, seq);
      state.plan.answered(signatureOf(state.envs));
      notices.drop('list');
    } catch (err) {
      if (handledAuth(err)) return;
      state.plan.failed();
      notices.fail({ key: 'list', title: 'The list could not be refreshed.', message: describeError(err, 'Refreshing the list'), requestId: err.requestId, retry: () => { state.plan.poke(); refreshEnvironments(); } });
      if (!state.loaded) {
        $('#env-loading').hidden = true;
        $('#env-error').hidden = false;
        $('#activity-loading').hidden = true;
        $('#environments').setAttribute('aria-busy', 'false');
      }
    } finally {
      state.listInFlight = null;
      scheduleEnvironments();
    }
  })();
  return state.listInFlight;
}

function applyList(data, seq) {
  if (!state.signedIn || seq < state.minListSeq) return;
  const t0 = performance.now();
  state.user = data.user || '';
  state.teams = Array.isArray(data.teams) ? data.teams : [];
  state.envs = Array.isArray(data.environments) ? data.environments : [];
  state.partial = data.partial || '';
  setText($('#user-name'), state.user);
  setHidden($('#who'), !state.user);
  form.setKeyOwner(state.user);
  form.setCatalog(state.config.catalog, state.teams);
  activity.updateTeams();
  updateFilterChoices();
  renderEnvironments();
  activity.fromList(data.events);
  // For the browser tests' figures (docs/PERFORMANCE.md): script time of the last list
  // applied, in milliseconds, and how many were applied. A plain object, not attributes:
  // an attribute written on <html> makes the browser restyle the whole page.
  stats.lastRenderMs = performance.now() - t0;
  stats.listsApplied++;
}

/** Owner and pool filters offer the values present in the list. */
function updateFilterChoices() {
  const fill = (select, values, any) => {
    const want = ['', ...values];
    const have = [...select.options].map((o) => o.value);
    if (want.join('\n') === have.join('\n')) return;
    const current = select.value;
    select.replaceChildren(new Option(any, ''), ...values.map((v) => new Option(v === state.user ? `${v} (you)` : v, v)));
    select.value = values.includes(current) ? current : '';
  };
  fill($('#filter-owner'), [...new Set(state.envs.map((e) => e.owner).filter(Boolean))].sort(), 'Anyone');
  fill($('#filter-pool'), [...new Set(state.envs.map((e) => e.pool).filter(Boolean))].sort(), 'Any');
  state.view.filter.owner = $('#filter-owner').value;
  state.view.filter.pool = $('#filter-pool').value;
}

function renderEnvironments() {
  if (!state.signedIn) return;
  const first = !state.loaded;
  state.loaded = true;
  setHidden($('#env-loading'), true);
  setHidden($('#env-error'), true);
  if ($('#environments').getAttribute('aria-busy') !== 'false') $('#environments').setAttribute('aria-busy', 'false');
  const empty = state.envs.length === 0;
  setHidden($('#env-empty'), !empty);
  setHidden($('#list-tools'), state.envs.length < 2);
  const { without, shown } = envView.render(state.envs, state.teams, state.view);
  // A pulsing dot says "on its way"; hundreds of them say nothing and cost the main thread
  // a style pass on every frame, so past a dozen the dots hold still.
  const calm = state.envs.filter((e) => !SETTLED.has(e.phase)).length > 12;
  if ($('#env-teams').classList.contains('is-calm') !== calm) $('#env-teams').classList.toggle('is-calm', calm);
  setHidden($('#env-no-match'), empty || shown > 0);
  setText($('#env-count'), empty ? '' : shown === state.envs.length
    ? `${shown} environment${shown === 1 ? '' : 's'}`
    : `Showing ${shown} of ${state.envs.length}`);
  const other = $('#env-other-teams');
  if (state.partial) {
    // Teams missing from a partial list may have environments on the pages not read.
    setHidden(other, false);
    setText(other, state.partial === 'loading'
      ? `Showing the first ${state.envs.length} environments; loading the rest…`
      : `Showing the first ${state.envs.length} environments: the list is longer than one refresh reads.`);
  } else {
    setHidden(other, empty || without.length === 0);
    setText(other, without.length ? `No environments in ${without.join(', ')} yet.` : '');
  }
  announceTransitions(first);
  updateRefreshNote();
}

/** Tells the user when an environment they are watching becomes ready or fails. */
function announceTransitions(first) {
  const seen = new Set();
  for (const env of state.envs) {
    const key = `${env.team}/${env.name}`;
    seen.add(key);
    const before = state.phases.get(key);
    state.phases.set(key, env.phase);
    if (first || !before || before === env.phase) continue;
    if (env.phase === 'Running' && !SETTLED.has(before)) notices.info(`${key} is ready. Copy its SSH command to connect.`, 'success');
    else if (env.phase === 'Failed') notices.info(`${key} failed: ${describeReason(env.reason) || 'see its status'}.`, 'error', 10000);
  }
  for (const key of state.phases.keys()) if (!seen.has(key)) state.phases.delete(key);
}

const climbing = () => state.envs.some((e) => !SETTLED.has(e.phase));

function scheduleEnvironments(ms) {
  clearTimeout(state.timers.env);
  if (!state.signedIn || document.hidden) return;
  const wait = ms ?? state.plan.next(climbing());
  state.nextPollMs = wait;
  stats.nextPollMs = wait;
  state.timers.env = setTimeout(refreshEnvironments, wait);
  updateRefreshNote();
}

function updateRefreshNote() {
  const note = $('#refresh-note');
  const every = state.nextPollMs ? Math.round(state.nextPollMs / 1000) : 0;
  setText(note, climbing() && every
    ? `Checking every ${every} s`
    : state.loaded ? `Updated ${formatWhen(new Date())}` : '');
}

// Row buttons (event delegation: rows are updated in place).
function onTableClick(e) {
  const button = e.target.closest('button');
  if (!button || button.disabled) return;
  if (button.dataset.copy) {
    const env = envView.env(button.dataset.env);
    const what = { ssh: 'SSH command', sftp: 'SFTP command', sshConfig: 'SSH config entry' }[button.dataset.copy] || 'Text';
    if (env) copyText(env[button.dataset.copy], `${what} copied.`, notices);
    return;
  }
  state.plan.poke();
  actions.click(button);
}

function replaceEnv(updated) {
  const key = `${updated.team}/${updated.name}`;
  const i = state.envs.findIndex((e) => `${e.team}/${e.name}` === key);
  if (i >= 0) state.envs[i] = updated;
  else state.envs.push(updated);
  state.phases.set(key, updated.phase);
  state.minListSeq = state.listSeq + 1; // a list that started earlier would undo this
  renderEnvironments();
}

function removeEnv(key) {
  state.envs = state.envs.filter((e) => `${e.team}/${e.name}` !== key);
  state.minListSeq = state.listSeq + 1;
  renderEnvironments();
}

function refreshSoon() {
  state.plan.poke();
  scheduleEnvironments(600);
}

async function createEnvironment(spec) {
  try {
    const env = await state.api.create(spec);
    $('#create-dialog').close();
    replaceEnv(env);
    notices.info(`Launching ${env.team}/${env.name}. It will show as Running when SSH is ready.`, 'success');
    const row = envView.row(`${env.team}/${env.name}`);
    if (row) {
      row.tr.classList.add('is-new');
      setTimeout(() => row.tr.classList.remove('is-new'), 4000);
      row.tr.scrollIntoView({ behavior: reducedMotion() ? 'auto' : 'smooth', block: 'nearest' });
    }
    refreshSoon();
  } catch (err) {
    if (handledAuth(err)) throw err;
    form.showError(err);
    throw err;
  }
}

const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

// ---------------------------------------------------------------------------------------
// Timers and visibility

function startTicker() {
  clearInterval(state.timers.tick);
  state.timers.tick = setInterval(() => envView.tick(Date.now()), TICK_MS);
}

function stopTimers() {
  clearTimeout(state.timers.env);
  clearTimeout(state.timers.activity);
  clearInterval(state.timers.tick);
}

function onVisibility() {
  if (!state.signedIn) return;
  if (document.hidden) {
    stopTimers(); // no requests from a background tab: the functions can scale to zero
    return;
  }
  envView.tick(Date.now());
  startTicker();
  state.plan.poke();
  refreshEnvironments();
  if (state.activity.team) activity.refresh();
  else activity.schedule();
}

boot();
