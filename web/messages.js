// Words for people. The API answers with precise machine-readable fields (status, field
// paths, rule messages such as "expected 100m <= 64 <= 8", reasons such as "NoPod"); this
// module is the one place that turns them into what is wrong and what to do, so the API
// can stay exact and the page stays readable. Pure functions, no DOM.

import { formatBytes, formatCPU, parseCPU, parseMemory } from './format.js';

/** The form's labels, in form order: errors are listed and focused in this order. */
export const FIELD_ORDER = [
  'team', 'name', 'image', 'packages', 'cpu', 'memory', 'pool', 'priority', 'lifetime',
  'sshPublicKeys', 'home', 'persistentHome', 'idleStop', 'env',
];

export const FIELD_LABELS = {
  team: 'Team', name: 'Name', image: 'Image', packages: 'Extra packages', cpu: 'CPU',
  memory: 'Memory', pool: 'Node pool', priority: 'Priority', lifetime: 'Lifetime',
  sshPublicKeys: 'SSH public key', home: 'Home', persistentHome: 'Home size', idleStop: 'Stop when idle',
  env: 'Environment variables', action: 'Action',
};

const KEY_TYPES = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com|sk-ecdsa-sha2-nistp256@openssh\.com)\s+\S/;

/** Whether text holds (part of) a private key; the server refuses the same markers. */
export function looksPrivate(text) {
  return /PRIVATE KEY|PuTTY-User-Key-File|b3BlbnNzaC1rZXktdjE/.test(String(text));
}

export const PRIVATE_KEY_MESSAGE = 'This is a private key. It must never leave your computer, so it was not sent. ' +
  'Paste your public key instead: the contents of ~/.ssh/id_ed25519.pub (the file ending in .pub), not ~/.ssh/id_ed25519.';

/**
 * Checks the SSH key field in the browser. Returns a message for the whole field, or
 * per-line problems as {index, message}; empty when it looks fine (the server decides).
 */
export function checkKeys(text) {
  if (looksPrivate(text)) return { field: PRIVATE_KEY_MESSAGE, lines: [] };
  const lines = String(text).split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (!lines.length) return { field: 'Paste your SSH public key: the contents of ~/.ssh/id_ed25519.pub. It lets you log in.', lines: [] };
  const problems = [];
  lines.forEach((line, index) => {
    if (!KEY_TYPES.test(line)) {
      problems.push({
        index,
        message: 'This does not look like an SSH public key. A public key is one line starting with ' +
          'ssh-ed25519, ssh-rsa or ecdsa-sha2-…; copy it from ~/.ssh/id_ed25519.pub.',
      });
    }
  });
  return { field: '', lines: problems };
}

/**
 * Checks what the browser can check before sending: required fields and simple formats.
 * Returns field problems shaped like the API's ({path, message}); the server stays the
 * authority for everything (team limits included).
 */
export function checkSpec(spec, team) {
  const out = [];
  const add = (path, message) => out.push({ path, message, local: true });
  if (!spec.team) add('team', 'Choose a team.');
  if (!spec.name) add('name', 'Give the environment a name, e.g. bugfix-1234.');
  else if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(spec.name)) {
    add('name', 'Use only lowercase letters, digits and dashes, and start and end with a letter or digit.');
  }
  if (!spec.image) add('image', 'Choose an image, e.g. ubuntu:24.04.');
  const cpu = parseCPU(spec.cpu);
  if (!spec.cpu) add('cpu', 'Enter how many CPU cores, e.g. 2.');
  else if (Number.isNaN(cpu)) add('cpu', 'Enter a number of cores such as 2 or 0.5 (or 500m for half a core).');
  else if (team && cpu > parseCPU(team.maxCPU)) add('cpu', `${team.name} may use at most ${formatCPU(parseCPU(team.maxCPU))} CPU per environment. Choose ${formatCPU(parseCPU(team.maxCPU))} or fewer.`);
  const mem = parseMemory(spec.memory);
  if (!spec.memory) add('memory', 'Enter how much memory, e.g. 4Gi.');
  else if (Number.isNaN(mem)) add('memory', 'Enter an amount such as 4Gi or 512Mi.');
  else if (team && mem > parseMemory(team.maxMemory)) add('memory', `${team.name} may use at most ${formatBytes(parseMemory(team.maxMemory))} of memory per environment.`);
  if (!spec.lifetime) add('lifetime', 'Enter how long it should live, e.g. 8h.');
  const keys = checkKeys(spec.sshPublicKeysText);
  if (keys.field) add('sshPublicKeys', keys.field);
  for (const p of keys.lines) add(`sshPublicKeys[${p.index}]`, p.message);
  return sortByForm(out);
}

/** Sorts field problems into form order (then by index within a field). */
export function sortByForm(problems) {
  const rank = (path) => {
    const field = baseField(path);
    const i = FIELD_ORDER.indexOf(field);
    const idx = /\[(\d+)\]/.exec(path || '');
    return (i < 0 ? FIELD_ORDER.length : i) * 1000 + (idx ? Number(idx[1]) : 0);
  };
  return [...problems].sort((a, b) => rank(a.path) - rank(b.path));
}

export function baseField(path) {
  return /^[A-Za-z]+/.exec(String(path || ''))?.[0] || '';
}

/**
 * One API field problem in plain words. Rules are recognised by the API's stable rule
 * text; anything unrecognised still gets the field's name and a sentence.
 */
export function describeField(problem, ctx = {}) {
  const path = problem.path || '';
  const field = baseField(path);
  const msg = String(problem.message || '');
  const details = String(problem.details || '');
  const team = ctx.team;
  const all = `${msg} ${details}`; // knative's FieldError puts the rule in either
  if (/^missing field/i.test(msg)) return `${FIELD_LABELS[field] || 'This field'} is required.`;
  const bounds = /expected (\S+) <= (\S+) <= (\S+)/.exec(all);
  if (bounds) {
    const [, min, , max] = bounds;
    if (field === 'cpu') {
      return max === '∞' ? `Ask for at least ${formatCPU(parseCPU(min))} CPU.`
        : `Choose between ${formatCPU(parseCPU(min))} and ${formatCPU(parseCPU(max))} CPU${team ? ` (the most ${team} allows)` : ''}.`;
    }
    if (field === 'memory') {
      return max === '∞' ? `Ask for at least ${formatBytes(parseMemory(min))}.`
        : `Choose between ${formatBytes(parseMemory(min))} and ${formatBytes(parseMemory(max))} of memory${team ? ` (the most ${team} allows)` : ''}.`;
    }
    if (field === 'lifetime') return `Choose a lifetime between ${min} and ${max}${team ? ` (the most ${team} allows)` : ''}.`;
    if (field === 'sshPublicKeys') return `Paste between ${min} and ${max} keys.`;
    if (field === 'packages') return `List at most ${max} packages.`;
    if (field === 'env') return `Set at most ${max} variables.`;
    return `Choose a value between ${min} and ${max}.`;
  }
  if (/private key/.test(all)) return PRIVATE_KEY_MESSAGE;
  if (field === 'sshPublicKeys') {
    if (/RSA key has \d+ bits/.test(all)) return 'This RSA key is too short to be safe. Make a new key with ssh-keygen -t ed25519 and paste ~/.ssh/id_ed25519.pub.';
    return 'This is not a valid SSH public key. Paste the whole line from ~/.ssh/id_ed25519.pub, starting with ssh-ed25519.';
  }
  if (field === 'packages' && /must match/.test(all)) {
    return 'Package names use lowercase letters, digits and + . _ -, optionally with =version (e.g. git or python3=3.11*).';
  }
  if (field === 'packages' && /duplicate/.test(all)) return 'This package is listed twice; remove one.';
  if (field === 'name') {
    if (/at most/.test(all)) return 'Use at most 40 characters.';
    if (/already exists|exists/.test(all)) return 'An environment with this name already exists in the team. Choose another name.';
    return 'Use only lowercase letters, digits and dashes, and start and end with a letter or digit.';
  }
  const notAllowed = /not allowed for team "?([^";]+)"?; allowed: (.+)$/.exec(msg + (details ? `; ${details}` : ''));
  if (notAllowed) return `${notAllowed[1]} may not use this ${(FIELD_LABELS[field] || 'value').toLowerCase()}. Choose one of: ${notAllowed[2]}.`;
  if (/unknown team/.test(all)) return 'This team does not exist. Choose one of your teams.';
  if (/unknown pool/.test(all)) return 'This node pool does not exist. Choose one from the list.';
  if (/unknown priority/.test(all)) return 'This priority does not exist. Choose one from the list.';
  if (field === 'image') return 'This is not an image name the platform can use. Choose one from the list, e.g. ubuntu:24.04.';
  if (field === 'cpu') return 'Enter a number of cores such as 2 or 0.5 (or 500m for half a core).';
  if (field === 'memory') return 'Enter an amount such as 4Gi or 512Mi.';
  if (field === 'lifetime') return 'Enter a duration such as 8h, 90m or 1h30m.';
  if (field === 'env') return 'Variable names use letters, digits and _, start with a letter or _, and may not start with KUBERNETES_ or DEVENVS_.';
  if (field === 'persistentHome' || field === 'home') return 'Choose a home from the list.';
  // Unknown rule: still a sentence, never a regular expression.
  const clean = msg.replace(/must match \S+/, 'has characters that are not allowed').replace(/^invalid value: .*/, 'This value is not accepted.');
  return sentence(clean);
}

/** A whole failed call in plain words: what happened and what to do. */
export function describeError(err, doing) {
  const status = err && err.status;
  if (!status) {
    if (err && err.timedOut) return `${doing} took too long: the service did not answer. It may be starting up; try again in a moment.`;
    return `${doing} did not happen: the service could not be reached. Check your network connection and try again.`;
  }
  const server = String(err.message || '');
  switch (true) {
    case status === 401: return 'Your sign-in has expired or the token was not accepted. Sign in again.';
    case status === 403:
      if (/quota/i.test(server)) return `${doing} was refused: the team has used up its quota. ${sentence(server)}`;
      if (server && server !== 'Forbidden') return `${doing} was refused: ${sentence(server)} Ask your platform team if you need access.`;
      return `${doing} was refused: you are not a member of this environment's team.`;
    case status === 404: return `${doing} did not happen: the environment no longer exists. Someone may have deleted it.`;
    case status === 409: return `${doing} did not happen: ${sentence(server)}`;
    case status === 422: {
      const f = (err.fields || [])[0];
      return `${doing} was refused: ${f ? describeField(f, { team: err.team }) : sentence(server)}`;
    }
    case status >= 500: return `${doing} failed on the server. Try again; if it keeps failing, give your platform team the request ID.`;
    default: return `${doing} failed: ${sentence(server)}`;
  }
}

/** Plain words for the list's reasons. */
const REASONS = {
  Unschedulable: 'Waiting for room: no node in the pool can take it right now',
  VolumeNotBound: 'Waiting for its home volume to be provisioned',
  Scheduling: 'Waiting for the scheduler',
  NoPod: 'Waiting for the environment to be created',
  ContainerCreating: 'Pulling the image and creating the container',
  PodInitializing: 'Installing packages',
  NotReady: 'Waiting for SSH to accept connections',
  InstallingPackages: 'Installing packages',
  RestoringPackages: 'Restoring the packages saved by its first start',
  ErrImagePull: 'Cannot download the image; retrying',
  ImagePullBackOff: 'Cannot download the image; retrying',
  InvalidImageName: 'The image name is invalid; delete it and create it again with another image',
  CrashLoopBackOff: 'Keeps crashing on start; check its packages or image',
  PackageInstallFailed: 'Its packages could not be installed; check their names, then delete it and create it again',
  PackageIndexFailed: "The image's package sources could not be read; try again later or choose another image",
  NoPackageManager: 'The image has no package manager devenvs knows (apt, apk, dnf); choose another image',
  HomeNotWritable: 'Its home could not be prepared; something in ~/.ssh blocks it',
  ContainerExited: 'Its start stopped with an error',
  CreateContainerConfigError: 'The container configuration is invalid',
  CreateContainerError: 'The container could not be created',
  RunContainerError: 'The container could not be started',
  PodFailed: 'Stopped unexpectedly; start it again',
  LifetimeExceeded: 'Its lifetime ended; extend it to start it again',
  IdleCPU: 'Stopped after being idle; start it to continue',
  EnvIdleCPU: 'Stopped after being idle; start it to continue',
  StoppedByUser: 'Stopped by hand; start it to continue',
  Expired: 'Stopped because its lifetime ended',
};

export function describeReason(reason) {
  if (!reason) return '';
  return REASONS[reason] || reason.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase()).replace(/(?<=\s)[A-Z]/g, (c) => c.toLowerCase());
}

/** Activity entries as sentences: [done, attempt] verbs per action. */
const ACTIONS = {
  create: ['created', 'create'],
  delete: ['deleted', 'delete'],
  stop: ['stopped', 'stop'],
  start: ['started', 'start'],
  extend: ['extended', 'extend'],
  resize: ['resized', 'resize'],
  expire: ['expired', 'expire'],
  'idle-stop': ['stopped idle', 'stop idle'],
  'expiry-warning': ['warned before the end of', 'warn about'],
  'ssh-connect': ['connected over SSH to', 'connect over SSH to'],
  'ssh-disconnect': ['disconnected SSH from', 'disconnect SSH from'],
};

export function describeEvent(ev) {
  if (ev.action === 'alert') {
    const resolved = /resolved/i.test(`${ev.reason || ''} ${ev.outcome || ''}`);
    return resolved ? ['cleared an alert on', 'clear an alert on'] : ['noticed an alert on', 'handle an alert on'];
  }
  return ACTIONS[ev.action] || [ev.action, ev.action];
}

function sentence(s) {
  s = String(s || '').trim();
  if (!s) return '';
  s = s.charAt(0).toUpperCase() + s.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}
