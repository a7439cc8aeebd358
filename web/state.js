// The page's state, every field declared here with what it means. Modules receive this one
// object; nothing else keeps state about the session, the list or the activity log.

import { PollPlan } from './poll.js';

/** A fresh state for a page that has not loaded its configuration yet. */
export function createState() {
  return {
    config: null, // /config.json as loadConfig() returns it
    api: null, // client() bound to the function URLs
    signedIn: false,
    user: '', // who the last list says is signed in
    teams: [], // the caller's teams, from the last list
    envs: [], // environments of the last list, with actions' answers applied
    partial: '', // '' when the list is whole; 'loading' or 'truncated' (api.js)
    loaded: false, // a list has been rendered since sign-in
    listSeq: 0, // sequence number of the newest list request
    minListSeq: 0, // list answers older than this predate an action's result and are dropped
    listInFlight: null, // the running refresh's promise, shared by callers
    nextPollMs: 0, // the interval chosen for the next list
    plan: new PollPlan(), // when to poll next (poll.js)
    phases: new Map(), // team/name -> last phase seen, to announce transitions
    timers: { env: 0, activity: 0, tick: 0 },
    view: { filter: { text: '', phase: '', owner: '', pool: '' }, sort: 'name' }, // list tools
    activity: {
      team: '', // the team chosen in #activity-team; '' is "All teams"
      events: [], // the newest entries, from the list (all teams) or the chosen team's list
      older: [], // entries of the pages loaded with "Show older activity"
      exhausted: new Set(), // teams whose log has no older entries left
      shown: '', // signature of what #activity shows, to skip rebuilding it
    },
  };
}

/** Forgets everything that belongs to the user who signed out. */
export function resetSession(state) {
  state.signedIn = false;
  state.user = '';
  state.teams = [];
  state.envs = [];
  state.partial = '';
  state.loaded = false;
  state.phases.clear();
  state.minListSeq = ++state.listSeq; // answers to requests made before now are dropped
  state.listInFlight = null;
  resetActivityPages(state);
  state.activity.events = [];
  state.activity.shown = '';
}

/** Forgets the older pages loaded, e.g. when another team is chosen. */
export function resetActivityPages(state) {
  state.activity.older = [];
  state.activity.exhausted = new Set();
}
