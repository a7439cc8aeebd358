package app

import (
	"fmt"
	"net/http"

	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/httpx"
)

// Target is one environment a request addresses as /{team}/{name}, with the caller who may
// act on it.
type Target struct {
	Caller auth.Identity
	Team   *config.Team
	Name   string
}

// ResolveTarget does what every /{team}/{name} handler does first: check the method (method,
// or POST, which `func invoke` can send when it cannot send the real one), authenticate, read
// the path and authorize the team. It answers the request itself when any step fails.
func (a *App) ResolveTarget(w http.ResponseWriter, r *http.Request, method string) (Target, bool) {
	if r.Method != method && r.Method != http.MethodPost {
		httpx.WriteError(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed: use %s /{team}/{name}", r.Method, method))
		return Target{}, false
	}
	id, ok := a.Identify(w, r)
	if !ok {
		return Target{}, false
	}
	teamName, name, fe := TeamAndName(r.URL.Path)
	if fe != nil {
		httpx.WriteError(w, r, http.StatusBadRequest, fe)
		return Target{}, false
	}
	team, ok := a.TeamFor(w, r, id, teamName)
	if !ok {
		return Target{}, false
	}
	return Target{Caller: id, Team: team, Name: name}, true
}
