package app

import (
	"context"
	"net/http"

	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/httpx"
)

// The outcome policy (ARCHITECTURE.md, "What the activity log holds"): an action that
// happened, or that was attempted and then refused by the team's limits or the
// environment's state (403, 409) or failed (5xx), is activity. A request refused for its
// input (400, 413, 415, 422) or for an environment that is not there (404) is not: nothing
// was attempted, and any caller could fill the log with them. 401 and 403 for who is asking
// are logged by Identify and TeamFor, rate-limited.

// IsActivity reports whether an action refused with status is an activity-log entry.
func IsActivity(status int) bool {
	return status == http.StatusForbidden || status == http.StatusConflict || status >= 500
}

// Refuse answers an action that did not happen with status and err, and logs ev as a
// failure when the policy says it is activity.
func (a *App) Refuse(ctx context.Context, w http.ResponseWriter, r *http.Request, ev eventlog.Event, status int, err error) {
	if IsActivity(status) {
		ev.Outcome, ev.Reason = eventlog.OutcomeFailure, err.Error()
		a.Events.Record(ctx, ev)
	}
	httpx.WriteError(w, r, status, err)
}

// Done logs ev as a success; the handler then writes its answer.
func (a *App) Done(ctx context.Context, ev eventlog.Event) {
	ev.Outcome = eventlog.OutcomeSuccess
	a.Events.Record(ctx, ev)
}
