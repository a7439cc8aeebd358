// Unit tests of web/oidc.js's pure parts (node --test hack/webunit/): the PKCE challenge and
// the checks an ID token must pass before the page keeps it. The whole flow against a real
// provider is hack/e2e's TestOIDCSignIn.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { checkClaims, codeChallenge, jwtClaims } from '../../web/oidc.js';

// Browsers and Node >= 19 have crypto globally; Debian bookworm's Node 18 needs it set.
globalThis.crypto ??= webcrypto;

test('codeChallenge: S256 of the verifier, base64url without padding (RFC 7636, appendix B)', async () => {
  assert.equal(await codeChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});

test('jwtClaims: the payload of a JWT, base64url and UTF-8', () => {
  const payload = Buffer.from(JSON.stringify({ sub: 'dana', name: 'Dána ✓', aud: 'x' })).toString('base64url');
  assert.deepEqual(jwtClaims(`e30.${payload}.sig`), { sub: 'dana', name: 'Dána ✓', aud: 'x' });
  assert.throws(() => jwtClaims('opaque-token'), /valid ID token/);
});

test('checkClaims: nonce, issuer, audience and expiry of the sign-in this tab started', () => {
  const now = Date.UTC(2026, 11, 2, 12);
  const want = { nonce: 'n1', issuer: 'https://login.example.com/', clientID: 'devenvs' };
  const good = { nonce: 'n1', iss: 'https://login.example.com/', aud: 'devenvs', exp: now / 1000 + 3600 };
  const rows = [
    ['a good token', {}, ''],
    ['audience as a list', { aud: ['other', 'devenvs'] }, ''],
    ['another nonce (a replayed or injected token)', { nonce: 'n2' }, /nonce/],
    ['no nonce', { nonce: undefined }, /nonce/],
    ['another issuer', { iss: 'https://evil.example.com/' }, /evil\.example\.com/],
    ['another client', { aud: 'other' }, /another application/],
    ['expired', { exp: now / 1000 - 1 }, /expired/],
  ];
  for (const [name, change, wantProblem] of rows) {
    const got = checkClaims({ ...good, ...change }, want, now);
    if (wantProblem === '') assert.equal(got, '', name);
    else assert.match(got, wantProblem, name);
  }
});
