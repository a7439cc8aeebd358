// Unit tests of web/form.js's pure parts (node --test hack/webunit/): what the create form
// sends, image suggestions and allowlists, the default home, error ids and labels. The
// DOM-bound CreateForm is covered by the browser tests in hack/e2e.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  defaultHome, errorId, imageAllowed, imageSuggestions, itemLabel, parseEnv, specFrom, splitKeys, splitPackages,
} from '../../web/form.js';

test('errorId: the id of the element that shows a field path\'s error', () => {
  const rows = [
    ['name', 'error-name'],
    ['sshPublicKeys[0]', 'error-sshPublicKeys-0'],
    ['env.FOO', 'error-env-FOO'],
    ['env[FOO]', 'error-env-FOO'],
    ['packages[12]', 'error-packages-12'],
  ];
  for (const [path, want] of rows) assert.equal(errorId(path), want, path);
});

test('splitPackages: commas and any white space separate', () => {
  assert.deepEqual(splitPackages('git, vim  tmux\n\tcurl,,'), ['git', 'vim', 'tmux', 'curl']);
  assert.deepEqual(splitPackages(''), []);
  assert.deepEqual(splitPackages('  ,  '), []);
});

test('splitKeys: one key per line, comments and blank lines dropped', () => {
  assert.deepEqual(splitKeys('ssh-ed25519 AAAA a@b\r\n\n# old key\n  ssh-rsa BBBB c@d  \n'), ['ssh-ed25519 AAAA a@b', 'ssh-rsa BBBB c@d']);
  assert.deepEqual(splitKeys(''), []);
});

test('parseEnv: KEY=value lines', () => {
  assert.deepEqual(parseEnv('A=1\nB=two=2\n# comment\n\n  C = spaced\nFLAG\r\nEMPTY='),
    { A: '1', B: 'two=2', C: ' spaced', FLAG: '', EMPTY: '' });
  assert.deepEqual(parseEnv(''), {});
});

test('imageSuggestions: concrete images for allowlist globs', () => {
  const rows = [
    [['ubuntu:*'], ['ubuntu:24.04', 'ubuntu:22.04', 'ubuntu:20.04']],
    [['docker.io/library/debian:*'], ['docker.io/library/debian:12', 'docker.io/library/debian:12-slim', 'docker.io/library/debian:11']],
    [['ubuntu:2*'], ['ubuntu:24.04', 'ubuntu:22.04', 'ubuntu:20.04']],
    [['ubuntu:22*'], ['ubuntu:22.04']],
    [['debian:bookworm', 'debian:bookworm'], ['debian:bookworm']], // exact names once
    [['ghcr.io/org/tool:*'], ['ghcr.io/org/tool:latest']], // unknown repository: latest
    [['ghcr.io/org/*'], []], // no tag part: nothing concrete to offer
    [[], []],
    [undefined, []],
  ];
  for (const [patterns, want] of rows) assert.deepEqual(imageSuggestions(patterns), want, JSON.stringify(patterns));
});

test('imageAllowed: * and ? wildcards, everything else literal', () => {
  const rows = [
    ['ubuntu:24.04', ['ubuntu:*'], true],
    ['ubuntu:24.04', ['debian:*'], false],
    ['ubuntu:24.04', ['ubuntu:2?.04'], true],
    ['ubuntuX24.04', ['ubuntu.24.04'], false], // a dot is a dot
    ['ghcr.io/org/a:1', ['ghcr.io/org/*'], true],
    ['evil/ghcr.io/org/a', ['ghcr.io/org/*'], false], // anchored at the start
    ['ubuntu:24.04', [], false],
    ['ubuntu:24.04', undefined, false],
  ];
  for (const [image, patterns, want] of rows) assert.equal(imageAllowed(image, patterns), want, `${image} ${patterns}`);
});

test('defaultHome: the pool, then the team, decide; persistent otherwise', () => {
  const catalog = {
    pools: [{ name: 'cpu-small' }, { name: 'gpu-a100', scratchHomes: true }],
    teams: [{ name: 'alpha' }, { name: 'beta', home: 'scratch' }],
  };
  const rows = [
    ['alpha', 'cpu-small', 'persistent'],
    ['alpha', 'gpu-a100', 'scratch'],
    ['beta', 'cpu-small', 'scratch'],
    ['nobody', 'unknown', 'persistent'],
  ];
  for (const [team, pool, want] of rows) assert.equal(defaultHome(catalog, team, pool), want, `${team} ${pool}`);
  assert.equal(defaultHome({}, 'alpha', 'cpu-small'), 'persistent');
});

test('specFrom: the create request body from the inputs', () => {
  const base = {
    team: 'alpha', name: '  demo-1 ', image: ' ubuntu:24.04 ', packages: 'git, vim', cpu: ' 2 ', memory: '4Gi ',
    pool: 'cpu-small', priority: 'normal', lifetime: ' 8h', sshKeys: 'ssh-ed25519 AAAA a@b\n# x\n', home: '',
    env: 'A=1', idleStop: true,
  };
  const want = {
    team: 'alpha', name: 'demo-1', image: 'ubuntu:24.04', packages: ['git', 'vim'], cpu: '2', memory: '4Gi',
    pool: 'cpu-small', priority: 'normal', lifetime: '8h', sshPublicKeys: ['ssh-ed25519 AAAA a@b'],
    env: { A: '1' }, idleStop: true,
  };
  const rows = [
    ['home left to the default', {}, {}],
    ['scratch home', { home: 'scratch' }, { home: 'scratch' }],
    ['persistent home of a size', { home: '20Gi' }, { home: 'persistent', persistentHome: '20Gi' }],
    ['idle stop off, nothing extra', { idleStop: false, packages: '', env: '' }, { idleStop: false, packages: [], env: {} }],
  ];
  for (const [name, change, extra] of rows) {
    assert.deepEqual(specFrom({ ...base, ...change }), { ...want, ...extra }, name);
  }
  // The key of a default home is absent, not empty: the server then picks the team's default.
  assert.equal('home' in specFrom(base), false);
});

test('itemLabel: which item of a list field a path names', () => {
  const rows = [
    ['sshPublicKeys[1]', '', 'Key 2'],
    ['packages[1]', 'git vim', '“vim”'],
    ['packages[3]', 'git vim', 'Package 4'],
    ['env.FOO', '', 'FOO'],
    ['env[BAR]', '', 'BAR'],
    ['other[0]', '', 'Item 1'],
    ['name', '', ''],
    ['', '', ''],
  ];
  for (const [path, packages, want] of rows) assert.equal(itemLabel(path, packages), want, path);
});
