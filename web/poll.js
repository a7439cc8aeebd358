// When to fetch the list next. Fast (2 s) while an environment is on its way up, but the
// interval grows while nothing changes (a stuck Pending environment must not be polled
// every 2 s for ever), and after failures it grows too, up to a minute. Any change in what
// the list shows, or any user action, brings the fast pace back. Pure logic, no timers.

export const FAST_MS = 2_000;
export const SLOW_MS = 10_000;
export const MAX_STUCK_MS = 30_000;
export const MAX_FAILING_MS = 60_000;

export class PollPlan {
  constructor() {
    this.reset();
  }

  reset() {
    this.unchanged = 0; // answers in a row that changed nothing while climbing
    this.failures = 0;
    this.signature = '';
  }

  /** Records an answer: signature says what the list shows (phases and reasons). */
  answered(signature) {
    this.failures = 0;
    if (signature === this.signature) this.unchanged++;
    else this.unchanged = 0;
    this.signature = signature;
  }

  failed() {
    this.failures++;
  }

  /** A user action happened: look closely again. */
  poke() {
    this.unchanged = 0;
  }

  /** Milliseconds until the next list, given whether something is on its way up. */
  next(climbing) {
    if (this.failures) return Math.min(MAX_FAILING_MS, FAST_MS * 2 ** Math.min(this.failures, 5));
    if (!climbing) return SLOW_MS;
    // 2 s for the first 10 unchanged answers (20 s), then 1.5x per answer up to 30 s.
    if (this.unchanged < 10) return FAST_MS;
    return Math.min(MAX_STUCK_MS, Math.round(FAST_MS * 1.5 ** (this.unchanged - 9)));
  }
}

/** What the user can see change in a list, for PollPlan.answered. */
export function signatureOf(envs) {
  let s = '';
  for (const e of envs) s += `${e.team}/${e.name}:${e.phase}:${e.reason || ''};`;
  return s;
}
