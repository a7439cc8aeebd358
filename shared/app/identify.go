package app

import (
	"errors"
	"net/http"

	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/httpx"
)

// Identify authenticates the caller, answering 401 itself when that fails.
// A refusal (not an unreachable issuer) is logged to the activity log, rate-limited; the
// access log names the user who was identified.
func (a *App) Identify(w http.ResponseWriter, r *http.Request) (auth.Identity, bool) {
	id, err := a.Auth.Authenticate(r)
	if err != nil {
		if errors.Is(err, auth.ErrNoCredentials) || errors.Is(err, auth.ErrInvalidCredentials) {
			a.refusals.record(r.Context(), a.Events, eventlog.Event{
				Actor: "unauthenticated", Action: ActionDenied, Outcome: eventlog.OutcomeFailure,
				Reason: "401: " + err.Error(), RequestID: httpx.RequestID(r.Context()),
			})
		}
		auth.WriteError(w, r, err)
		return auth.Identity{}, false
	}
	httpx.SetUser(r.Context(), id.User)
	return id, true
}

// TeamFor authorizes id to act in team and returns the team's configuration. A team the
// caller is not in is a 403 whether or not it exists, so teams cannot be probed; a team the
// caller is in but the configuration lacks is a 404.
func (a *App) TeamFor(w http.ResponseWriter, r *http.Request, id auth.Identity, team string) (*config.Team, bool) {
	if !id.InTeam(team) {
		// Logged in the team's own log, so the team sees who tried to act in it; only for a
		// configured team, so a caller cannot create log streams by naming teams.
		if _, known := a.Config.Team(team); known {
			a.refusals.record(r.Context(), a.Events, eventlog.Event{
				Actor: id.User, Action: ActionDenied, Team: team, Outcome: eventlog.OutcomeFailure,
				Reason: "403: not a member of team " + team, RequestID: httpx.RequestID(r.Context()),
			})
		}
		auth.WriteForbidden(w, r, team)
		return nil, false
	}
	t, ok := a.Config.Team(team)
	if !ok {
		httpx.WriteError(w, r, http.StatusNotFound, &unknownTeamError{team})
		return nil, false
	}
	return t, true
}

type unknownTeamError struct{ team string }

func (e *unknownTeamError) Error() string { return "team " + e.team + " is not configured" }

// WriteDecodeError answers a request body that could not be decoded: 413 when it was over
// the function's body limit, 400 (with the offending field when known) otherwise.
func WriteDecodeError(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusBadRequest
	if errors.Is(err, env.ErrBodyTooLarge) {
		status = http.StatusRequestEntityTooLarge
	}
	httpx.WriteError(w, r, status, err)
}
