// Talking to the functions: the page's own /config.json says where each one lives; every
// call carries the bearer token, and every failure becomes an ApiError with the server's
// status, message, field problems and request id.

const TOKEN_KEY = 'devenvs.token';
const TIMEOUT_MS = 30_000; // scale-to-zero functions may need a few seconds to wake up

/** An HTTP or network failure of a function call. */
export class ApiError extends Error {
  constructor({ status = 0, message, fields = [], requestId = '', fn = '', timedOut = false }) {
    super(message || (status ? `HTTP ${status}` : 'network error'));
    this.name = 'ApiError';
    this.status = status; // 0 for network errors and timeouts
    this.fields = Array.isArray(fields) ? fields : [];
    this.requestId = requestId || '';
    this.fn = fn;
    this.timedOut = timedOut; // messages.js words it for people
  }
}

export const token = {
  get() {
    try { return sessionStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
  },
  set(value) {
    try { sessionStorage.setItem(TOKEN_KEY, value); } catch { /* storage disabled: token lives in memory only */ }
    memoryToken = value;
  },
  clear() {
    try { sessionStorage.removeItem(TOKEN_KEY); } catch { /* ignore */ }
    memoryToken = '';
  },
};
let memoryToken = '';
const currentToken = () => token.get() || memoryToken;

/**
 * For scripted use only (screenshots, browser tests that cannot type): a URL fragment
 * `#token=<token>` is moved into sessionStorage once and removed from the address bar and
 * history entry, so it is not left in the URL, bookmarks or Referer headers.
 */
export function adoptTokenFromFragment() {
  const hash = location.hash.slice(1);
  if (!hash) return;
  const params = new URLSearchParams(hash);
  const value = params.get('token');
  if (value === null) return;
  if (value) token.set(value);
  params.delete('token');
  const rest = params.toString();
  history.replaceState(history.state, '', location.pathname + location.search + (rest ? `#${rest}` : ''));
}

/** Loads /config.json: function URLs and the catalog of teams, pools and priorities. */
export async function loadConfig() {
  let res;
  try {
    res = await fetch('config.json', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch (err) {
    throw new ApiError({ message: `could not load config.json: ${err.message}` });
  }
  if (!res.ok) throw new ApiError({ status: res.status, message: 'could not load config.json' });
  const cfg = await res.json();
  const functions = {};
  for (const [name, url] of Object.entries(cfg.functions || {})) functions[name] = String(url).replace(/\/+$/, '');
  for (const name of ['createenv', 'listenvs', 'deleteenv', 'updateenv']) {
    if (!functions[name]) throw new ApiError({ message: `config.json names no URL for the ${name} function` });
  }
  const catalog = cfg.catalog || {};
  return {
    functions,
    signIn: cfg.signIn || null,
    oidc: cfg.oidc && cfg.oidc.issuer && cfg.oidc.clientID ? cfg.oidc : null, // OIDC sign-in (oidc.js)
    catalog: {
      defaults: catalog.defaults || {},
      pools: catalog.pools || [],
      priorities: catalog.priorities || [],
      teams: catalog.teams || [],
    },
  };
}

// MAX_PAGES bounds how many list pages one refresh follows (100 pages of 500 environments).
const MAX_PAGES = 100;

/** Creates a client bound to the function URLs in config. */
export function client(functions) {
  async function call(fn, method, path, body) {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
    const headers = { Accept: 'application/json', Authorization: `Bearer ${currentToken()}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(functions[fn] + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: ctrl.signal,
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (err) {
      const timedOut = err.name === 'AbortError';
      throw new ApiError({
        fn,
        timedOut,
        message: timedOut
          ? `the ${fn} function did not answer within ${TIMEOUT_MS / 1000} s`
          : `could not reach the ${fn} function`,
      });
    } finally {
      clearTimeout(timer);
    }
    const requestId = res.headers.get('X-Request-Id') || '';
    let data = null;
    const text = await res.text();
    if (text) {
      try { data = JSON.parse(text); } catch { data = null; }
    }
    if (!res.ok) {
      throw new ApiError({
        fn,
        status: res.status,
        message: (data && data.message) || res.statusText || `HTTP ${res.status}`,
        fields: data && data.fields,
        requestId: (data && data.requestId) || requestId,
      });
    }
    return data;
  }

  const envPath = (team, name) => `/${encodeURIComponent(team)}/${encodeURIComponent(name)}`;

  // The list comes in pages (listenvs returns at most 500 environments per call, with a
  // continue token for the next); the UI shows every environment, so it follows the tokens.
  // The activity log and the team list come with the first page. onFirstPage, when given,
  // sees the first page early if more follow, so a big team's first rows need not wait.
  // A list that is not whole says so in `partial`: 'loading' (the early first page) or
  // 'truncated' (more than MAX_PAGES pages).
  async function listAll(team, onFirstPage) {
    const base = team ? `/?team=${encodeURIComponent(team)}` : '/?';
    const first = await call('listenvs', 'GET', base);
    let next = first && first.continue;
    if (next && onFirstPage) onFirstPage({ ...first, environments: [...first.environments], partial: 'loading' });
    for (let pages = 1; next && pages < MAX_PAGES; pages++) {
      const sep = base.endsWith('?') ? '' : '&';
      const page = await call('listenvs', 'GET', `${base}${sep}continue=${encodeURIComponent(next)}`);
      first.environments.push(...(page.environments || []));
      next = page.continue;
    }
    delete first.continue;
    if (next) first.partial = 'truncated';
    return first;
  }

  return {
    list: listAll,
    /** The activity log's page of team before the event id (ids are per team). */
    olderEvents: async (team, id) => {
      const data = await call('listenvs', 'GET', `/?team=${encodeURIComponent(team)}&eventsBefore=${encodeURIComponent(id)}`);
      return (data && data.events) || [];
    },
    /**
     * A team's newest activity entries, for paging back under "All teams" a team that has
     * none among the newest of all teams: its first list page, cut to one environment.
     */
    latestEvents: async (team) => {
      const data = await call('listenvs', 'GET', `/?team=${encodeURIComponent(team)}&limit=1`);
      return (data && data.events) || [];
    },
    create: (spec) => call('createenv', 'POST', '/', spec),
    remove: (team, name) => call('deleteenv', 'DELETE', envPath(team, name)),
    update: (team, name, change) => call('updateenv', 'PATCH', envPath(team, name), change),
  };
}
