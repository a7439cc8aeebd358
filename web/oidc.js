// OIDC sign-in: the authorization-code flow with PKCE (RFC 7636), in the browser, as a public
// client (no secret). The page sends the user to the provider with a fresh state, nonce and
// code challenge, kept in this tab's sessionStorage; the provider sends the user back to the
// page with a code, which the page exchanges for an ID token at the token endpoint after
// checking the state, and whose nonce, issuer and audience it checks before keeping it as
// it keeps a pasted token (api.js `token`: this tab's sessionStorage, cleared at sign-out).
// The functions verify every ID token's signature (shared/auth); the checks here only keep
// the page from adopting an answer to a sign-in it did not start.

const PENDING_KEY = 'devenvs.oidc.pending';

/** A sign-in answer the page refuses, worded for people. */
export class OidcError extends Error {}

function base64url(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The S256 code challenge of a verifier. */
export async function codeChallenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

/** The claims of a JWT, unverified (the functions verify the signature). */
export function jwtClaims(jwt) {
  const part = String(jwt).split('.')[1];
  if (!part) throw new OidcError('The identity provider answered without a valid ID token.');
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))));
}

/**
 * Checks an ID token's claims against the sign-in this tab started: the nonce it sent, the
 * issuer and client it asked, and not expired. Returns '' or what is wrong.
 */
export function checkClaims(claims, { nonce, issuer, clientID }, now = Date.now()) {
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (claims.nonce !== nonce) return 'The ID token does not answer the sign-in started here (nonce).';
  if (claims.iss !== issuer) return `The ID token comes from ${claims.iss}, not from ${issuer}.`;
  if (!aud.includes(clientID)) return 'The ID token was issued for another application.';
  if (typeof claims.exp === 'number' && claims.exp * 1000 < now) return 'The ID token has expired; sign in again.';
  return '';
}

async function discover(issuer) {
  const url = issuer.replace(/\/+$/, '') + '/.well-known/openid-configuration';
  let res;
  try {
    res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'omit', cache: 'no-store' });
  } catch {
    throw new OidcError('The identity provider could not be reached. Try again in a moment.');
  }
  if (!res.ok) throw new OidcError(`The identity provider's settings could not be read (HTTP ${res.status}).`);
  return res.json();
}

/** The page's own address as the redirect URI: the provider sends the user back here. */
const redirectURI = () => location.origin + location.pathname;

/** Sends the user to the provider's sign-in page; resolves only if that fails (it throws). */
export async function beginSignIn(oidc) {
  const meta = await discover(oidc.issuer);
  const pending = {
    state: randomString(),
    nonce: randomString(),
    verifier: randomString(),
    issuer: meta.issuer,
    clientID: oidc.clientID,
    tokenEndpoint: meta.token_endpoint,
    redirectURI: redirectURI(),
  };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const q = new URLSearchParams({
    response_type: 'code',
    client_id: oidc.clientID,
    redirect_uri: pending.redirectURI,
    scope: oidc.scopes,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await codeChallenge(pending.verifier),
    code_challenge_method: 'S256',
  });
  location.assign(`${meta.authorization_endpoint}?${q}`);
}

/**
 * Finishes a sign-in when the provider sent the user back to the page (?code=&state= or
 * ?error=). Returns the ID token, null when the address is not a sign-in answer, and throws
 * an OidcError when the answer is refused. The answer is removed from the address either way.
 */
export async function finishSignIn() {
  const params = new URLSearchParams(location.search);
  if (!params.has('state') || !(params.has('code') || params.has('error'))) return null;
  let pending = null;
  try { pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || 'null'); } catch { pending = null; }
  sessionStorage.removeItem(PENDING_KEY); // one answer per sign-in started
  history.replaceState(history.state, '', location.pathname + location.hash);
  if (!pending || params.get('state') !== pending.state) {
    throw new OidcError('This sign-in was not started from this tab, or it was already used. Sign in again.');
  }
  if (params.has('error')) {
    throw new OidcError(`The identity provider did not sign you in: ${params.get('error_description') || params.get('error')}.`);
  }
  let res;
  try {
    res = await fetch(pending.tokenEndpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: params.get('code'),
        redirect_uri: pending.redirectURI,
        client_id: pending.clientID,
        code_verifier: pending.verifier,
      }),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    throw new OidcError('The identity provider could not be reached to finish the sign-in. Sign in again.');
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok || !body.id_token) {
    throw new OidcError(`The identity provider did not hand out a token: ${body.error_description || body.error || `HTTP ${res.status}`}.`);
  }
  const problem = checkClaims(jwtClaims(body.id_token), pending);
  if (problem) throw new OidcError(problem);
  return body.id_token;
}
