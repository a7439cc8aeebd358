// devenvs browser UI: sign-in, environments, create form and activity log.
//
// Served as static files next to /config.json (see README.md in this folder). No build step,
// no third-party code, nothing inline: the page runs under a strict Content-Security-Policy.

import { ApiError, adoptTokenFromFragment, client, loadConfig, token } from './api.js';
import { CreateForm } from './form.js';
import { EnvironmentsView, SETTLED, renderActivity } from './views.js';
import { formatClock, formatRemaining, parseDuration, toGoDuration } from './format.js';

const $ = (sel) => document.querySelector(sel);

const FAST_POLL_MS = 2_000; // while an environment is on its way up
const SLOW_POLL_MS = 10_000;
const ACTIVITY_POLL_MS = 10_000;
const TICK_MS = 5_000; // time-left labels

const state = {
  config: null,
  api: null,
  user: '',
  teams: [],
  envs: [],
  events: [],
  loaded: false,
  activityTeam: '',
  signedIn: false,
  listSeq: 0, // sequence number of the newest list request
  minListSeq: 0, // list answers older than this predate an action's result and are dropped
  listInFlight: null,
  timers: { env: 0, activity: 0, tick: 0 },
  phases: new Map(), // key -> last phase seen, to announce transitions
};

let form;
let envView;

// ---------------------------------------------------------------------------------------
// Boot

async function boot() {
  adoptTokenFromFragment();
  wireStaticHandlers();
  try {
    state.config = await loadConfig();
  } catch (err) {
    $('#boot').hidden = true;
    showBanner({ source: 'config', title: 'devenvs could not start.', err, retry: () => location.reload() });
    return;
  }
  state.api = client(state.config.functions);
  envView = new EnvironmentsView($('#env-teams'), {
    teamLimits: (team) => {
      const t = state.config.catalog.teams.find((x) => x.name === team);
      return { maxLifetimeMs: t ? parseDuration(t.maxLifetime) : NaN };
    },
    user: () => state.user,
  });
  form = new CreateForm($('#create-form'), { onSubmit: createEnvironment });
  form.setCatalog(state.config.catalog, null);
  $('#boot').hidden = true;
  if (token.get()) enterApp();
  else showSignIn('');
}

function wireStaticHandlers() {
  $('#signin-form').addEventListener('submit', onSignIn);
  $('#sign-out').addEventListener('click', () => signOut());
  $('#banner-dismiss').addEventListener('click', () => hideBanner());
  $('#refresh').addEventListener('click', () => {
    refreshEnvironments();
    if (state.activityTeam) refreshActivity();
  });
  for (const link of [$('#new-env'), $('#empty-create')]) {
    link.addEventListener('click', (e) => {
      e.preventDefault();
      $('#create').scrollIntoView({ behavior: reducedMotion() ? 'auto' : 'smooth', block: 'start' });
      form.focusName();
    });
  }
  $('#activity-team').addEventListener('change', (e) => {
    state.activityTeam = e.target.value;
    $('#activity').setAttribute('aria-busy', 'true');
    if (state.activityTeam) refreshActivity();
    else refreshEnvironments();
  });
  $('#env-teams').addEventListener('click', onTableClick);
  $('#delete-cancel').addEventListener('click', () => $('#delete-dialog').close('cancel'));
  document.addEventListener('visibilitychange', onVisibility);
  // A scripted #token=... on an already open sign-in page (see adoptTokenFromFragment).
  window.addEventListener('hashchange', () => {
    if (!/(^#|&)token=/.test(location.hash)) return;
    adoptTokenFromFragment();
    if (state.api && !state.signedIn && token.get()) enterApp();
  });
}

const reducedMotion = () => matchMedia('(prefers-reduced-motion: reduce)').matches;

// ---------------------------------------------------------------------------------------
// Sign-in

function showSignIn(message) {
  state.signedIn = false;
  stopTimers();
  $('#app-view').hidden = true;
  $('#session').hidden = true;
  $('#signin-view').hidden = false;
  const error = $('#token-error');
  error.textContent = message;
  error.hidden = !message;
  const input = $('#token');
  input.value = '';
  input.setAttribute('aria-invalid', String(Boolean(message)));
  input.focus();
}

async function onSignIn(e) {
  e.preventDefault();
  const input = $('#token');
  const value = input.value.trim();
  const error = $('#token-error');
  if (!value) {
    error.textContent = 'Enter the access token you were given.';
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  const button = $('#sign-in');
  button.disabled = true;
  button.textContent = 'Signing in…';
  token.set(value);
  try {
    const data = await state.api.list();
    enterApp(data, true);
  } catch (err) {
    if (err.status === 401) {
      token.clear();
      showSignIn('Your token was not accepted. Check it and try again.');
    } else {
      // The token may be fine and the service briefly unavailable: go in and show why.
      enterApp(undefined, true);
    }
  } finally {
    button.disabled = false;
    button.textContent = 'Sign in';
  }
}

function enterApp(firstList, fromSignIn = false) {
  state.signedIn = true;
  $('#signin-view').hidden = true;
  $('#token-error').hidden = true;
  $('#app-view').hidden = false;
  $('#session').hidden = false;
  if (firstList) {
    applyList(firstList, state.listSeq);
    scheduleEnvironments();
  } else {
    refreshEnvironments();
  }
  scheduleActivity();
  startTicker();
  // Coming from the sign-in form, focus would otherwise be left on a now hidden input.
  if (fromSignIn) $('#env-heading').focus();
}

function signOut(message = '') {
  token.clear();
  state.user = '';
  state.teams = [];
  state.envs = [];
  state.events = [];
  state.loaded = false;
  state.phases.clear();
  state.minListSeq = ++state.listSeq; // answers to requests made before now are dropped
  state.listInFlight = null;
  envView.clear();
  $('#activity').replaceChildren();
  $('#activity-loading').hidden = false;
  $('#activity-empty').hidden = true;
  $('#who').hidden = true;
  $('#env-error').hidden = true;
  $('#env-loading').hidden = false;
  $('#env-empty').hidden = true;
  $('#environments').setAttribute('aria-busy', 'true');
  hideBanner();
  showSignIn(message);
  if (!message) toast('Signed out. Your token was removed from this tab.');
}

/** Handles 401 from any call; true when the caller should stop. */
function handledAuth(err) {
  if (err instanceof ApiError && err.status === 401) {
    if (state.signedIn) signOut('Your token was not accepted. Sign in again to continue.');
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
      clearBanner('list');
    } catch (err) {
      if (handledAuth(err)) return;
      showBanner({ source: 'list', title: 'Could not refresh the environments.', err, retry: refreshEnvironments });
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
  state.user = data.user || '';
  state.teams = Array.isArray(data.teams) ? data.teams : [];
  state.envs = Array.isArray(data.environments) ? data.environments : [];
  state.partial = data.partial || '';
  $('#user-name').textContent = state.user;
  $('#who').hidden = !state.user;
  form.setCatalog(state.config.catalog, state.teams);
  updateActivityTeams();
  renderEnvironments();
  if (!state.activityTeam) {
    state.events = Array.isArray(data.events) ? data.events : [];
    renderEvents();
  }
}

function renderEnvironments() {
  const first = !state.loaded;
  state.loaded = true;
  $('#env-loading').hidden = true;
  $('#env-error').hidden = true;
  $('#environments').setAttribute('aria-busy', 'false');
  const empty = state.envs.length === 0;
  $('#env-empty').hidden = !empty;
  const without = envView.render(state.envs, state.teams);
  const other = $('#env-other-teams');
  if (state.partial) {
    // Teams missing from a partial list may have environments on the pages not read.
    other.hidden = false;
    other.textContent = state.partial === 'loading'
      ? `Showing the first ${state.envs.length} environments; loading the rest…`
      : `Showing the first ${state.envs.length} environments: the list is longer than one refresh reads.`;
  } else {
    other.hidden = empty || without.length === 0;
    other.textContent = without.length ? `No environments in ${without.join(', ')} yet.` : '';
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
    if (env.phase === 'Running' && !SETTLED.has(before)) toast(`${key} is ready. Copy its SSH command to connect.`, 'success');
    else if (env.phase === 'Failed') toast(`${key} failed: ${env.reason || 'see its status'}.`, 'error');
  }
  for (const key of state.phases.keys()) if (!seen.has(key)) state.phases.delete(key);
}

const climbing = () => state.envs.some((e) => !SETTLED.has(e.phase));

function scheduleEnvironments() {
  clearTimeout(state.timers.env);
  if (!state.signedIn || document.hidden) return;
  state.timers.env = setTimeout(refreshEnvironments, climbing() ? FAST_POLL_MS : SLOW_POLL_MS);
  updateRefreshNote();
}

function updateRefreshNote() {
  const note = $('#refresh-note');
  note.textContent = climbing()
    ? 'Checking every 2 s'
    : state.loaded ? `Updated ${formatClock(new Date())}` : '';
}

// Row buttons (event delegation: rows are updated in place).
async function onTableClick(e) {
  const button = e.target.closest('button');
  if (!button || button.disabled) return;
  const key = button.dataset.env;
  const env = envView.env(key);
  if (!env) return;
  if (button.dataset.copy) {
    copyText(env[button.dataset.copy], `${button.dataset.copy.toUpperCase()} command copied.`);
    return;
  }
  switch (button.dataset.action) {
    case 'stop':
      return act(env, { action: 'stop' }, `Stopping ${key}…`, (u) => `${key} is stopped. Its home ${u.persistentHome ? 'is kept' : 'was scratch space'}.`);
    case 'start':
      return act(env, { action: 'start' }, `Starting ${key}…`, () => `${key} is starting.`);
    case 'extend':
      return extend(env, button.dataset.by);
    case 'delete':
      return confirmDelete(env, button);
    default:
  }
}

async function act(env, change, pending, done) {
  const key = `${env.team}/${env.name}`;
  envView.setBusy(key, true);
  announce(pending);
  try {
    const updated = await state.api.update(env.team, env.name, change);
    replaceEnv(updated || env);
    toast(done(updated || env), 'success');
  } catch (err) {
    if (handledAuth(err)) return;
    showBanner({ source: 'action', title: `Could not ${change.action} ${key}.`, err });
  } finally {
    envView.setBusy(key, false);
    refreshSoon();
  }
}

/** Extend adds to the time left: the API's lifetime counts from now, so send left + by. */
function extend(env, by) {
  const team = state.config.catalog.teams.find((t) => t.name === env.team);
  const max = team ? parseDuration(team.maxLifetime) : NaN;
  const left = Math.max(0, Date.parse(env.expiresAt) - Date.now());
  let lifetime = left + parseDuration(by);
  let capped = false;
  if (Number.isFinite(max) && lifetime > max) {
    lifetime = max;
    capped = true;
  }
  const key = `${env.team}/${env.name}`;
  return act(env, { action: 'extend', lifetime: toGoDuration(lifetime) }, `Extending ${key}…`, (u) => {
    const left2 = Date.parse(u.expiresAt) - Date.now();
    const when = formatClock(new Date(u.expiresAt));
    return `${key} now has ${formatRemaining(left2)} left (until ${when})` +
      (capped ? `, the most ${env.team} allows.` : '.');
  });
}

function confirmDelete(env, button) {
  const dialog = $('#delete-dialog');
  const key = `${env.team}/${env.name}`;
  $('#delete-title').textContent = `Delete ${env.name}?`;
  $('#delete-text').textContent = env.persistentHome
    ? `${key} and its ${env.persistentHome} home volume will be removed. Anything not pushed elsewhere is lost.`
    : `${key} will be removed. Anything not pushed elsewhere is lost.`;
  const confirm = $('#delete-confirm');
  const onConfirm = () => dialog.close('delete');
  confirm.addEventListener('click', onConfirm, { once: true });
  dialog.addEventListener('close', async () => {
    confirm.removeEventListener('click', onConfirm);
    if (dialog.returnValue !== 'delete') {
      if (button.isConnected) button.focus();
      return;
    }
    dialog.returnValue = '';
    await remove(env, button);
  }, { once: true });
  dialog.returnValue = '';
  dialog.showModal();
}

async function remove(env, button) {
  const key = `${env.team}/${env.name}`;
  envView.setBusy(key, true);
  announce(`Deleting ${key}…`);
  const refocus = envView.focusAfterRemoval(key, $('#env-heading'));
  try {
    await state.api.remove(env.team, env.name);
  } catch (err) {
    if (handledAuth(err)) return;
    if (!(err instanceof ApiError && err.status === 404)) {
      envView.setBusy(key, false);
      showBanner({ source: 'action', title: `Could not delete ${key}.`, err });
      if (button.isConnected) button.focus();
      return;
    }
  }
  state.envs = state.envs.filter((e) => `${e.team}/${e.name}` !== key);
  state.minListSeq = state.listSeq + 1;
  renderEnvironments();
  refocus();
  toast(`${key} was deleted.`, 'success');
  refreshSoon();
}

function replaceEnv(updated) {
  const key = `${updated.team}/${updated.name}`;
  const i = state.envs.findIndex((e) => `${e.team}/${e.name}` === key);
  if (i >= 0) state.envs[i] = updated;
  else state.envs.push(updated);
  state.minListSeq = state.listSeq + 1; // a list that started earlier would undo this
  renderEnvironments();
}

function refreshSoon() {
  clearTimeout(state.timers.env);
  state.timers.env = setTimeout(refreshEnvironments, 600);
}

async function createEnvironment(spec) {
  try {
    const env = await state.api.create(spec);
    clearBanner('create');
    replaceEnv(env);
    toast(`Launching ${env.team}/${env.name}. It will show as Running when SSH is ready.`, 'success');
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
    if (!(err instanceof ApiError) || err.status === 0 || err.status >= 500) {
      showBanner({ source: 'create', title: 'Could not launch the environment.', err });
    }
    throw err;
  }
}

// ---------------------------------------------------------------------------------------
// Activity

function updateActivityTeams() {
  const select = $('#activity-team');
  const want = ['', ...state.teams];
  const have = [...select.options].map((o) => o.value);
  if (want.join() === have.join()) return;
  select.replaceChildren(new Option('All teams', ''), ...state.teams.map((t) => new Option(t, t)));
  if (!state.teams.includes(state.activityTeam)) state.activityTeam = '';
  select.value = state.activityTeam;
}

async function refreshActivity() {
  if (!state.signedIn || !state.activityTeam) return;
  const team = state.activityTeam;
  try {
    const data = await state.api.list(team);
    if (team !== state.activityTeam) return;
    state.events = Array.isArray(data.events) ? data.events : [];
    renderEvents();
    clearBanner('activity');
  } catch (err) {
    if (handledAuth(err)) return;
    showBanner({ source: 'activity', title: `Could not load the activity of ${team}.`, err, retry: refreshActivity });
  } finally {
    scheduleActivity();
  }
}

function scheduleActivity() {
  clearTimeout(state.timers.activity);
  // With "All teams" the environment poll brings the events along; no second request.
  if (!state.signedIn || document.hidden || !state.activityTeam) return;
  state.timers.activity = setTimeout(refreshActivity, ACTIVITY_POLL_MS);
}

function renderEvents() {
  const list = $('#activity');
  const events = state.activityTeam ? state.events.filter((e) => e.team === state.activityTeam) : state.events;
  renderActivity(list, events, { user: state.user });
  list.setAttribute('aria-busy', 'false');
  $('#activity-loading').hidden = true;
  $('#activity-empty').hidden = events.length > 0;
}

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
  refreshEnvironments();
  if (state.activityTeam) refreshActivity();
  else scheduleActivity();
}

// ---------------------------------------------------------------------------------------
// Banner, toasts, clipboard

let bannerSource = '';

function showBanner({ source, title, err, retry }) {
  bannerSource = source;
  $('#banner-title').textContent = title;
  const status = err instanceof ApiError && err.status ? ` (HTTP ${err.status})` : '';
  $('#banner-message').textContent = err ? ` ${capitalize(err.message)}${status}.`.replace(/\.\.$/, '.') : '';
  const rid = err && err.requestId;
  $('#banner-request').hidden = !rid;
  $('#banner-request-id').textContent = rid || '';
  const retryButton = $('#banner-retry');
  retryButton.hidden = !retry;
  retryButton.onclick = retry ? () => { hideBanner(); retry(); } : null;
  $('#banner').hidden = false;
}

function hideBanner() {
  bannerSource = '';
  $('#banner').hidden = true;
}

/** Hides the banner if it reports a problem from source that has since cleared. */
function clearBanner(source) {
  if (bannerSource === source) hideBanner();
}

/** Progress for screen readers; the busy row shows it to everyone else. */
function announce(message) {
  const live = $('#live');
  live.textContent = '';
  setTimeout(() => { live.textContent = message; }, 50);
}

function toast(message, kind = 'info', ms = 5000) {
  const box = $('#toasts');
  const item = document.createElement('div');
  item.className = `toast toast-${kind}`;
  item.textContent = message;
  box.append(item);
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => {
    item.classList.add('is-leaving');
    setTimeout(() => item.remove(), 250);
  }, ms);
}

async function copyText(text, done) {
  let ok = false;
  if (navigator.clipboard && window.isSecureContext) {
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch { /* fall back below */ }
  }
  if (!ok) {
    // Fallback for plain-http origins and older browsers.
    const buffer = $('#copy-buffer');
    const active = document.activeElement;
    buffer.value = text;
    buffer.select();
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    buffer.value = '';
    if (active && active.focus) active.focus();
  }
  toast(ok ? done : 'Copy did not work here; select the command and copy it by hand.', ok ? 'success' : 'error', 3000);
}

function capitalize(s) {
  s = String(s || '');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

boot();
