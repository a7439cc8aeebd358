// The activity log panel: the newest entries (from the list for "All teams", from the chosen
// team's own list otherwise), refreshed every 10 s for a chosen team, and paged back 50
// entries at a time. Event ids are per team, so each team pages back from its own cursor:
// the oldest of its entries shown, or, for a team with no entry among the newest of "All
// teams", its own newest entries.

import { describeError } from './messages.js';
import { formatWhen } from './format.js';
import { renderActivity } from './views.js';
import { resetActivityPages } from './state.js';
import { $, setHidden } from './dom.js';

const ACTIVITY_POLL_MS = 10_000;
export const EVENTS_PAGE = 50; // listenvs' EventsShown

export class Activity {
  /**
   * @param {object} state the page's state (state.js)
   * @param {{notices: object, handledAuth: (err: Error) => boolean, refreshList: () => void}} deps
   */
  constructor(state, { notices, handledAuth, refreshList }) {
    this.state = state;
    this.notices = notices;
    this.handledAuth = handledAuth;
    this.refreshList = refreshList;
    $('#activity-more').addEventListener('click', () => this.loadOlder());
    $('#activity-team').addEventListener('change', (e) => {
      state.activity.team = e.target.value;
      resetActivityPages(state);
      $('#activity').setAttribute('aria-busy', 'true');
      if (state.activity.team) this.refresh();
      else this.refreshList();
    });
  }

  /** The team filter offers the caller's teams. */
  updateTeams() {
    const { state } = this;
    const select = $('#activity-team');
    const want = ['', ...state.teams];
    const have = [...select.options].map((o) => o.value);
    if (want.join() === have.join()) return;
    select.replaceChildren(new Option('All teams', ''), ...state.teams.map((t) => new Option(t, t)));
    if (!state.teams.includes(state.activity.team)) state.activity.team = '';
    select.value = state.activity.team;
  }

  /** The newest entries of all teams, as the list brought them; ignored while a team is chosen. */
  fromList(events) {
    if (this.state.activity.team) return;
    this.state.activity.events = Array.isArray(events) ? events : [];
    this.render();
  }

  async refresh() {
    const { state } = this;
    if (!state.signedIn || !state.activity.team) return;
    const team = state.activity.team;
    try {
      const data = await state.api.list(team);
      if (team !== state.activity.team) return;
      state.activity.events = Array.isArray(data.events) ? data.events : [];
      this.render();
      this.notices.drop('activity');
    } catch (err) {
      if (this.handledAuth(err)) return;
      this.notices.fail({ key: 'activity', title: `The activity of ${team} could not be loaded.`, message: describeError(err, 'Loading the activity'), requestId: err.requestId, retry: () => this.refresh() });
    } finally {
      this.schedule();
    }
  }

  schedule() {
    const { state } = this;
    clearTimeout(state.timers.activity);
    // With "All teams" the environment poll brings the events along; no second request.
    if (!state.signedIn || document.hidden || !state.activity.team) return;
    state.timers.activity = setTimeout(() => this.refresh(), ACTIVITY_POLL_MS);
  }

  /** The newest entries and the older pages loaded, newest first, each once. */
  shown() {
    const { activity } = this.state;
    const seen = new Set();
    const all = [];
    for (const ev of [...activity.events, ...activity.older]) {
      const k = `${ev.team}|${ev.id}`;
      if (seen.has(k)) continue;
      seen.add(k);
      all.push(ev);
    }
    all.sort((a, b) => Date.parse(b.time) - Date.parse(a.time));
    return activity.team ? all.filter((e) => e.team === activity.team) : all;
  }

  render() {
    const { state } = this;
    const list = $('#activity');
    const events = this.shown();
    // Rebuilt only when something changed: most refreshes bring the same entries.
    const sig = `${state.user}|${formatWhen(new Date())}|${events.map((e) => `${e.team}/${e.id}`).join()}`;
    if (sig !== state.activity.shown) {
      state.activity.shown = sig;
      renderActivity(list, events, { user: state.user });
    }
    if (list.getAttribute('aria-busy') !== 'false') list.setAttribute('aria-busy', 'false');
    setHidden($('#activity-loading'), true);
    setHidden($('#activity-empty'), events.length > 0);
    setHidden($('#activity-more'), this.pagedTeams().length === 0 || events.length < EVENTS_PAGE);
  }

  /** The teams shown whose logs may hold older entries. */
  pagedTeams() {
    const { state } = this;
    const teams = state.activity.team ? [state.activity.team] : state.teams;
    return teams.filter((t) => !state.activity.exhausted.has(t));
  }

  /**
   * Loads the next page back of each team shown: before the oldest entry shown of that
   * team, or the team's newest page when none of its entries is shown yet (under "All
   * teams" a quiet team may have none among the newest 50 of all teams).
   */
  async loadOlder() {
    const { state } = this;
    const button = $('#activity-more');
    const events = this.shown();
    button.disabled = true;
    try {
      let more = 0;
      for (const team of this.pagedTeams()) {
        const own = events.filter((e) => e.team === team);
        const older = own.length
          ? await state.api.olderEvents(team, own[own.length - 1].id)
          : await state.api.latestEvents(team);
        if (older.length < EVENTS_PAGE) state.activity.exhausted.add(team);
        more += older.length;
        state.activity.older.push(...older);
      }
      this.notices.drop('activity-older');
      this.render();
      this.notices.announce(more ? `${more} older entries shown.` : 'There is no older activity.');
    } catch (err) {
      if (this.handledAuth(err)) return;
      this.notices.fail({ key: 'activity-older', title: 'Older activity could not be loaded.', message: describeError(err, 'Loading older activity'), requestId: err.requestId, retry: () => this.loadOlder() });
    } finally {
      button.disabled = false;
    }
  }

  /** Empties the panel at sign-out. */
  clear() {
    $('#activity').replaceChildren();
    $('#activity-loading').hidden = false;
    $('#activity-empty').hidden = true;
  }
}
