// The create form: fills its choices from the catalog for the selected team, turns the
// inputs into a create request, and puts the server's field errors next to their inputs.

import { parseCPU, parseMemory, parseDuration, formatBytes, formatCPU } from './format.js';
import { FIELD_LABELS, baseField, checkSpec, describeField, describeError, sortByForm } from './messages.js';

const $ = (sel, root = document) => root.querySelector(sel);

// Request field (the first segment of an error path) -> input id.
const FIELD_INPUT = {
  team: 'team',
  name: 'name',
  image: 'image',
  packages: 'packages',
  cpu: 'cpu',
  memory: 'memory',
  pool: 'pool',
  priority: 'priority',
  lifetime: 'lifetime',
  sshPublicKeys: 'ssh-key',
  persistentHome: 'persistent-home',
  home: 'persistent-home',
  env: 'env',
  idleStop: 'idle-stop',
};

// Concrete tags offered for image globs; the user may type any other value.
const COMMON_TAGS = {
  ubuntu: ['24.04', '22.04', '20.04'],
  debian: ['12', '12-slim', '11'],
  fedora: ['41', '40'],
  alpine: ['3.20', '3.19'],
  rockylinux: ['9'],
  almalinux: ['9'],
  archlinux: ['latest'],
  'opensuse/leap': ['15.6'],
  python: ['3.12', '3.13'],
  golang: ['1.23', '1.22'],
  node: ['22', '20'],
};

/** The DOM id of the error element for a field path: sshPublicKeys[0] -> error-sshPublicKeys-0. */
export function errorId(path) {
  return 'error-' + String(path).replace(/[[\].]+/g, '-').replace(/^-+|-+$/g, '');
}

/** Concrete image suggestions for a team's allowlist globs. */
export function imageSuggestions(patterns) {
  const out = [];
  for (const p of patterns || []) {
    if (!p.includes('*') && !p.includes('?')) {
      out.push(p);
      continue;
    }
    const m = /^([^:*?]+):\*$/.exec(p); // "repo:*"
    if (m) {
      const repo = m[1];
      const short = repo.replace(/^(docker\.io\/)?(library\/)?/, '');
      for (const tag of COMMON_TAGS[short] || ['latest']) out.push(`${repo}:${tag}`);
      continue;
    }
    const prefix = /^([^*?]+?):?([^:*?]*)\*$/.exec(p); // "ubuntu:2*", "ghcr.io/org/*"
    if (prefix && prefix[0].includes(':')) {
      const repo = p.slice(0, p.indexOf(':'));
      const short = repo.replace(/^(docker\.io\/)?(library\/)?/, '');
      const tagPrefix = p.slice(p.indexOf(':') + 1, -1);
      for (const tag of COMMON_TAGS[short] || []) if (tag.startsWith(tagPrefix)) out.push(`${repo}:${tag}`);
    }
  }
  return [...new Set(out)];
}

/** Whether image matches one of the allowlist globs (* and ? wildcards). */
export function imageAllowed(image, patterns) {
  return (patterns || []).some((p) => {
    const re = new RegExp('^' + p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
    return re.test(image);
  });
}

/** Splits "git, vim  tmux" into ["git", "vim", "tmux"]. */
export function splitPackages(text) {
  return String(text).split(/[\s,]+/).filter(Boolean);
}

/** One SSH key per non-empty line; comment lines (#) are dropped. */
export function splitKeys(text) {
  return String(text).split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

/** "A=1\nB=two" -> {A: "1", B: "two"}; lines without "=" keep an empty value. */
export function parseEnv(text) {
  const env = {};
  for (const raw of String(text).split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf('=');
    if (i < 0) env[line] = '';
    else env[line.slice(0, i).trim()] = line.slice(i + 1);
  }
  return env;
}

/**
 * The home a team and pool get when the request does not say (config.DefaultHome): scratch
 * on a pool with scratch homes or for a team whose default is scratch, else persistent.
 */
export function defaultHome(catalog, teamName, poolName) {
  const pool = (catalog.pools || []).find((p) => p.name === poolName);
  if (pool && pool.scratchHomes) return 'scratch';
  const team = (catalog.teams || []).find((t) => t.name === teamName);
  return team && team.home === 'scratch' ? 'scratch' : 'persistent';
}

/**
 * The create request body from the form's raw values (strings as typed, idleStop a
 * boolean). home is the home select's value: '' leaves the home to the team's default on
 * the pool, 'scratch' asks for scratch, a size asks for a persistent home of that size.
 */
export function specFrom(v) {
  return {
    team: v.team,
    name: String(v.name).trim(),
    image: String(v.image).trim(),
    packages: splitPackages(v.packages),
    cpu: String(v.cpu).trim(),
    memory: String(v.memory).trim(),
    pool: v.pool,
    priority: v.priority,
    lifetime: String(v.lifetime).trim(),
    sshPublicKeys: splitKeys(v.sshKeys),
    ...(v.home === 'scratch' ? { home: 'scratch' }
      : v.home ? { home: 'persistent', persistentHome: v.home } : {}),
    env: parseEnv(v.env),
    idleStop: Boolean(v.idleStop),
  };
}

// Public keys are remembered per user: one browser may be shared, and a key offered to the
// next user would let its owner into the environments that user launches. The old shared
// entry (one key for everyone) is removed.
const SSH_KEY_STORE = 'devenvs.sshPublicKeys.';
const LEGACY_KEY_STORE = 'devenvs.sshPublicKeys';
try { localStorage.removeItem(LEGACY_KEY_STORE); } catch { /* storage disabled */ }

export class CreateForm {
  /**
   * @param {HTMLFormElement} form
   * @param {{onSubmit: (spec: object) => Promise<void>}} handlers
   */
  constructor(form, { onSubmit }) {
    this.form = form;
    this.catalog = { defaults: {}, pools: [], priorities: [], teams: [] };
    this.teams = []; // the caller's teams (names)
    this.busy = false;
    this.onSubmit = onSubmit;
    this.el = {
      team: $('#team'), name: $('#name'), image: $('#image'), packages: $('#packages'),
      cpu: $('#cpu'), memory: $('#memory'), pool: $('#pool'), priority: $('#priority'),
      lifetime: $('#lifetime'), sshKey: $('#ssh-key'), persistentHome: $('#persistent-home'),
      idleStop: $('#idle-stop'), env: $('#env'), submit: $('#create-submit'),
      imageOptions: $('#image-options'), teamHint: $('#team-hint'), imageHint: $('#image-hint'),
      poolInfo: $('#pool-info'), priorityInfo: $('#priority-info'), cpuHint: $('#cpu-hint'),
      memoryHint: $('#memory-hint'), lifetimeHint: $('#lifetime-hint'),
      formErrors: $('#form-errors'), formErrorsTitle: $('#form-errors-title'), formErrorsList: $('#form-errors-list'),
      envDetails: $('#env-details'),
    };
    // Remember each input's own hints so error ids can be added and removed later.
    for (const id of Object.values(FIELD_INPUT)) {
      const input = document.getElementById(id);
      const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter((x) => x && !x.startsWith('error-'));
      input.dataset.hints = ids.join(' ');
      input.setAttribute('aria-describedby', ids.join(' '));
    }
    this.keyOwner = '';
    this.el.persistentHome.addEventListener('change', () => this.describeIdleStop());
    this.describeIdleStop();

    this.el.team.addEventListener('change', () => this.applyTeam());
    this.el.pool.addEventListener('change', () => this.describePool());
    this.el.priority.addEventListener('change', () => this.describePriority());
    form.addEventListener('change', (e) => {
      if (e.target.name === 'size') this.pickSize(e.target);
      if (e.target.name === 'lifetime-preset') this.pickLifetime(e.target);
    });
    this.el.cpu.addEventListener('input', () => this.syncSize());
    this.el.memory.addEventListener('input', () => this.syncSize());
    this.el.lifetime.addEventListener('input', () => this.syncLifetime());
    // Editing a field clears its (now stale) server error.
    form.addEventListener('input', (e) => {
      const field = Object.keys(FIELD_INPUT).find((k) => FIELD_INPUT[k] === e.target.id);
      if (field) this.clearFieldErrors(field);
    });
    this.el.name.addEventListener('input', () => {
      const v = this.el.name.value;
      const lower = v.toLowerCase().replace(/[\s_]+/g, '-');
      if (lower !== v) {
        const pos = this.el.name.selectionStart;
        this.el.name.value = lower;
        this.el.name.setSelectionRange(pos, pos);
      }
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
  }

  /**
   * Fills the key field with user's remembered keys (or empties it) when the signed-in
   * user changes; '' at sign-out empties it.
   */
  setKeyOwner(user) {
    if (user === this.keyOwner) return;
    this.keyOwner = user;
    let keys = '';
    if (user) {
      try { keys = localStorage.getItem(SSH_KEY_STORE + user) || ''; } catch { /* storage disabled */ }
    }
    this.el.sshKey.value = keys;
    this.clearFieldErrors('sshPublicKeys');
  }

  /** The home the chosen team and pool get when the request does not say (config.DefaultHome). */
  defaultHome() {
    return defaultHome(this.catalog, this.el.team.value, this.el.pool.value);
  }

  /** The home the form asks for: 'persistent' or 'scratch'. */
  home() {
    const v = this.el.persistentHome.value;
    if (!v) return this.defaultHome();
    return v === 'scratch' ? 'scratch' : 'persistent';
  }

  /** Says what a stop means for the home, for the home chosen; names the default. */
  describeIdleStop() {
    const def = this.defaultHome();
    const first = this.el.persistentHome.options[0];
    const label = `Default here: ${def === 'scratch' ? 'scratch, discarded at every stop' : 'persistent, kept across stops'}`;
    if (first && first.textContent !== label) first.textContent = label;
    const persistent = this.home() === 'persistent';
    document.getElementById('idle-stop-hint').textContent = persistent
      ? 'Stops it after a while without CPU activity. Your home volume is kept; start it again from the list to continue.'
      : 'Stops it after a while without CPU activity. With a scratch home a stop discards everything in /home; choose a persistent home to keep your files.';
  }

  /** Sets the catalog (from config.json) and, once known, the caller's teams. */
  setCatalog(catalog, teams) {
    this.catalog = catalog;
    const known = catalog.teams.map((t) => t.name);
    // Teams the caller belongs to, in catalog order; before the first list, every team.
    const names = teams && teams.length ? known.filter((n) => teams.includes(n)) : known;
    for (const n of teams || []) if (!names.includes(n)) names.push(n);
    if (names.join() === this.teams.join() && this.el.team.options.length) return;
    this.teams = names;
    const first = this.el.team.options.length === 0;
    const current = this.el.team.value;
    this.el.team.replaceChildren(...names.map((n) => new Option(n, n)));
    if (names.includes(current)) this.el.team.value = current;
    this.el.team.disabled = names.length < 2;
    const none = names.length === 0;
    this.el.submit.disabled = none;
    this.el.teamHint.textContent = none
      ? 'You are not a member of any team yet; ask your platform team to add you.'
      : '';
    this.applyTeam(first);
  }

  team() {
    return this.catalog.teams.find((t) => t.name === this.el.team.value) || null;
  }

  /** Fills images, pools, priorities and limits for the selected team. */
  applyTeam(initial = false) {
    const team = this.team();
    const d = this.catalog.defaults || {};
    const { el } = this;
    this.clearErrors();

    // Images
    const patterns = team ? team.images || [] : [];
    const suggestions = imageSuggestions(patterns);
    el.imageOptions.replaceChildren(...suggestions.map((s) => new Option(s, s)));
    el.imageHint.textContent = patterns.length ? `Allowed for ${team.name}: ${patterns.join(', ')}` : '';
    if (!el.image.value || (patterns.length && !imageAllowed(el.image.value, patterns))) {
      el.image.value = d.image && (!patterns.length || imageAllowed(d.image, patterns)) ? d.image : suggestions[0] || '';
    }

    // Pools, only those the team may use
    const allowedPools = team && team.pools ? team.pools : this.catalog.pools.map((p) => p.name);
    const pools = allowedPools.map((n) => this.catalog.pools.find((p) => p.name === n) || { name: n });
    const prevPool = el.pool.value;
    el.pool.replaceChildren(...pools.map((p) => new Option(p.gpu ? `${p.name} (GPU)` : p.name, p.name)));
    el.pool.value = [prevPool, d.pool, pools[0] && pools[0].name].find((n) => n && allowedPools.includes(n)) || '';
    this.describePool();

    // Priorities
    const allowedPrios = team && team.priorities ? team.priorities : this.catalog.priorities.map((p) => p.name);
    const prevPrio = el.priority.value;
    el.priority.replaceChildren(...allowedPrios.map((n) => new Option(n, n)));
    el.priority.value = [prevPrio, d.priority, allowedPrios[0]].find((n) => n && allowedPrios.includes(n)) || '';
    this.describePriority();

    // Sizes and lifetimes beyond the team's limits are not offered.
    const maxCPU = team ? parseCPU(team.maxCPU) : NaN;
    const maxMem = team ? parseMemory(team.maxMemory) : NaN;
    const maxLife = team ? parseDuration(team.maxLifetime) : NaN;
    for (const radio of this.form.querySelectorAll('input[name="size"][data-cpu]')) {
      const tooBig = parseCPU(radio.dataset.cpu) > maxCPU || parseMemory(radio.dataset.memory) > maxMem;
      radio.disabled = tooBig;
      radio.nextElementSibling.title = tooBig ? `More than ${team.name} may use` : '';
    }
    for (const radio of this.form.querySelectorAll('input[name="lifetime-preset"]:not([value="custom"])')) {
      const tooLong = parseDuration(radio.value) > maxLife;
      radio.disabled = tooLong;
      radio.nextElementSibling.title = tooLong ? `Longer than ${team.name} allows` : '';
    }
    el.cpuHint.textContent = Number.isFinite(maxCPU)
      ? `Cores, e.g. 2 or 500m; at most ${formatCPU(maxCPU)} for ${team.name}.`
      : 'Cores, e.g. 2 or 500m.';
    el.memoryHint.textContent = Number.isFinite(maxMem)
      ? `e.g. 4Gi or 512Mi; at most ${formatBytes(maxMem)} for ${team.name}.`
      : 'e.g. 4Gi or 512Mi.';
    el.lifetimeHint.textContent = Number.isFinite(maxLife)
      ? `A duration such as 8h or 90m; at most ${team.maxLifetime} for ${team.name}. You can extend it later.`
      : 'A duration such as 8h or 90m; you can extend it later.';

    if (initial || !el.cpu.value) el.cpu.value = d.cpu || '1';
    if (initial || !el.memory.value) el.memory.value = d.memory || '2Gi';
    if (parseCPU(el.cpu.value) > maxCPU) el.cpu.value = team.maxCPU;
    if (parseMemory(el.memory.value) > maxMem) el.memory.value = team.maxMemory;
    this.syncSize();
    if (initial || !el.lifetime.value) el.lifetime.value = d.lifetime || '8h';
    if (parseDuration(el.lifetime.value) > maxLife) el.lifetime.value = team.maxLifetime;
    this.syncLifetime();
  }

  describePool() {
    this.describeIdleStop();
    const p = this.catalog.pools.find((x) => x.name === this.el.pool.value);
    const info = this.el.poolInfo;
    info.replaceChildren();
    if (!p) return;
    const badge = document.createElement('span');
    badge.className = `chip ${p.gpu ? 'chip-gpu' : 'chip-cpu'}`;
    badge.textContent = p.gpu ? 'GPU' : 'CPU';
    info.append(badge, ' ', p.description || '');
  }

  describePriority() {
    const p = this.catalog.priorities.find((x) => x.name === this.el.priority.value);
    this.el.priorityInfo.textContent = p ? p.description || '' : '';
  }

  pickSize(radio) {
    if (radio.value === 'custom') {
      this.el.cpu.focus();
      return;
    }
    this.el.cpu.value = radio.dataset.cpu;
    this.el.memory.value = radio.dataset.memory;
    this.clearFieldErrors('cpu');
    this.clearFieldErrors('memory');
  }

  /** Checks the preset that matches the CPU and memory inputs, or Custom. */
  syncSize() {
    const cpu = parseCPU(this.el.cpu.value);
    const mem = parseMemory(this.el.memory.value);
    const match = [...this.form.querySelectorAll('input[name="size"][data-cpu]')]
      .find((r) => parseCPU(r.dataset.cpu) === cpu && parseMemory(r.dataset.memory) === mem);
    (match || $('#size-custom')).checked = true;
  }

  pickLifetime(radio) {
    if (radio.value === 'custom') {
      this.el.lifetime.focus();
      return;
    }
    this.el.lifetime.value = radio.value;
    this.clearFieldErrors('lifetime');
  }

  syncLifetime() {
    const ms = parseDuration(this.el.lifetime.value);
    const match = [...this.form.querySelectorAll('input[name="lifetime-preset"]:not([value="custom"])')]
      .find((r) => parseDuration(r.value) === ms);
    (match || $('#lifetime-custom')).checked = true;
  }

  /** The create request body from the inputs. */
  spec() {
    const { el } = this;
    return specFrom({
      team: el.team.value, name: el.name.value, image: el.image.value, packages: el.packages.value,
      cpu: el.cpu.value, memory: el.memory.value, pool: el.pool.value, priority: el.priority.value,
      lifetime: el.lifetime.value, sshKeys: el.sshKey.value, home: el.persistentHome.value,
      env: el.env.value, idleStop: el.idleStop.checked,
    });
  }

  /** Problems the browser can see before sending, in form order. */
  localProblems(spec) {
    return checkSpec({ ...spec, sshPublicKeysText: this.el.sshKey.value }, this.team());
  }

  async submit() {
    if (this.busy) return;
    this.clearErrors();
    const spec = this.spec();
    const local = this.localProblems(spec);
    if (local.length) {
      // Nothing is sent (a private key above all): the server would refuse it anyway.
      this.showProblems(local, 'Not launched yet. Please fix these:');
      return;
    }
    this.setBusy(true);
    try {
      await this.onSubmit(spec);
      if (this.keyOwner) {
        try { localStorage.setItem(SSH_KEY_STORE + this.keyOwner, this.el.sshKey.value.trim()); } catch { /* ignore */ }
      }
      this.el.name.value = '';
    } catch {
      // onSubmit has already shown the error (next to the fields, or by signing out).
    } finally {
      this.setBusy(false);
    }
  }

  setBusy(busy) {
    this.busy = busy;
    this.el.submit.setAttribute('aria-busy', String(busy));
    this.el.submit.classList.toggle('is-busy', busy);
    this.el.submit.querySelector('.label').textContent = busy ? 'Launching…' : 'Launch environment';
  }

  /** Clears every field and form-level error. */
  clearErrors() {
    for (const field of Object.keys(FIELD_INPUT)) this.clearFieldErrors(field);
    this.el.formErrors.hidden = true;
    this.el.formErrorsList.replaceChildren();
    this.el.formErrorsTitle.textContent = '';
  }

  clearFieldErrors(field) {
    const input = document.getElementById(FIELD_INPUT[field]);
    const box = document.getElementById(`errors-${field}`);
    if (!input || !box) return;
    for (const p of [...box.children]) {
      if (p.id === `error-${field}`) {
        p.hidden = true;
        p.textContent = '';
      } else {
        p.remove();
      }
    }
    input.removeAttribute('aria-invalid');
    input.setAttribute('aria-describedby', input.dataset.hints || '');
  }

  /**
   * Shows an ApiError from createenv in plain words: each field problem next to its input
   * and in the list above the submit button, in form order; focus goes to the first.
   */
  showError(err) {
    const team = this.el.team.value;
    let fields = (Array.isArray(err.fields) ? err.fields : []).map((f) => ({ path: f.path, message: describeField(f, { team }) }));
    if (!fields.length && err.status === 409) fields = [{ path: 'name', message: 'An environment with this name already exists in the team. Choose another name.' }];
    if (!fields.length && err.status === 403) fields = [{ path: 'team', message: describeError(err, 'Launching') }];
    if (fields.length) {
      this.showProblems(sortByForm(fields), 'Not launched. Please fix these:', err.requestId);
      return;
    }
    this.showProblems([], describeError(err, 'Launching'), err.requestId);
  }

  /**
   * Lists problems ({path, message}) above the submit button, each linking to its input,
   * puts each next to its input, and focuses the list's first input (or the list).
   */
  showProblems(problems, title, requestId = '') {
    this.clearErrors();
    let first = null;
    const items = problems.map((p) => {
      const placed = this.showFieldError(p.path, p.message);
      const input = placed ? document.getElementById(FIELD_INPUT[baseField(p.path)]) : null;
      first = first || input;
      const label = FIELD_LABELS[baseField(p.path)];
      const li = document.createElement('li');
      if (input) {
        const a = document.createElement('a');
        a.href = `#${input.id}`;
        const item = itemLabel(p.path, this.el.packages.value);
        a.textContent = `${label}${item ? ` (${item})` : ''}: ${p.message}`;
        a.addEventListener('click', (e) => { e.preventDefault(); input.focus(); });
        li.append(a);
      } else {
        li.textContent = label ? `${label}: ${p.message}` : p.message;
      }
      return li;
    });
    this.el.formErrorsTitle.textContent = requestId ? `${title} (request ID ${requestId})` : title;
    this.el.formErrorsList.replaceChildren(...items);
    this.el.formErrors.hidden = false;
    (first || this.el.formErrors).focus();
  }

  /** Puts text next to the input for path; false when no input matches. */
  showFieldError(path, text) {
    const field = baseField(path);
    const input = document.getElementById(FIELD_INPUT[field] || '');
    const box = document.getElementById(`errors-${field}`);
    if (!input || !box) return false;
    const id = errorId(path);
    let p = document.getElementById(id);
    if (!p) {
      p = document.createElement('p');
      p.className = 'field-error';
      p.id = id;
      box.append(p);
    }
    const label = itemLabel(path, this.el.packages.value);
    p.textContent = label ? `${label}: ${text}` : text;
    p.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    const ids = new Set((input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
    ids.add(id);
    input.setAttribute('aria-describedby', [...ids].join(' '));
    if (input.closest('details')) input.closest('details').open = true;
    return true;
  }

  focusName() {
    this.el.name.focus();
  }
}


/**
 * "Key 2" for sshPublicKeys[1], "“vim”" (or "Package 4") for packages[3] given the packages
 * field's text, "FOO" for env.FOO or env[FOO]; '' for a plain field.
 */
export function itemLabel(path, packagesText = '') {
  const m = /^([A-Za-z]+)(?:\[(\d+)\]|\.(.+)|\[([^\]]+)\])/.exec(path);
  if (!m) return '';
  const [, field, index, dotKey, bracketKey] = m;
  if (index !== undefined) {
    const i = Number(index);
    if (field === 'sshPublicKeys') return `Key ${i + 1}`;
    if (field === 'packages') {
      const name = splitPackages(packagesText)[i];
      return name ? `“${name}”` : `Package ${i + 1}`;
    }
    return `Item ${i + 1}`;
  }
  return dotKey || bracketKey || '';
}
