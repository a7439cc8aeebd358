package app

import (
	"net/http"

	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/httpx"
)

// The request prologue: App.Handler has checked the method; these authenticate the caller
// and, for /{team}/{name}, resolve and authorize the target, answering the request
// themselves when a step fails. A handler receives only a request that passed.

// Authenticated serves h to identified callers; h authorizes the team it reads (TeamFor).
func (a *App) Authenticated(h func(http.ResponseWriter, *http.Request, auth.Identity)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id, ok := a.Identify(w, r); ok {
			h(w, r, id)
		}
	})
}

// Target is one environment a request addresses as /{team}/{name}, with the caller who may
// act on it.
type Target struct {
	Caller auth.Identity
	Team   *config.Team
	Name   string
}

// Targeted serves h requests for /{team}/{name} by a caller of that team.
func (a *App) Targeted(h func(http.ResponseWriter, *http.Request, Target)) http.Handler {
	return a.Authenticated(func(w http.ResponseWriter, r *http.Request, id auth.Identity) {
		teamName, name, fe := TeamAndName(r.URL.Path)
		if fe != nil {
			httpx.WriteError(w, r, http.StatusBadRequest, fe)
			return
		}
		if team, ok := a.TeamFor(w, r, id, teamName); ok {
			h(w, r, Target{Caller: id, Team: team, Name: name})
		}
	})
}
