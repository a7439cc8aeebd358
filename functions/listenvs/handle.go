package listenvs

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/httpx"
)

// EventsShown is how many activity log entries a list returns.
const EventsShown = 50

// Response is the body of a successful list.
type Response struct {
	User         string            `json:"user"`
	Teams        []string          `json:"teams"`
	Environments []env.Environment `json:"environments"`
	Events       []eventlog.Event  `json:"events"`
}

func (f *Function) list(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		httpx.WriteError(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed: use GET", r.Method))
		return
	}
	id, ok := f.App.Identify(w, r)
	if !ok {
		return
	}
	teams := id.Teams
	if team := r.URL.Query().Get("team"); team != "" {
		if _, ok := f.App.TeamFor(w, r, id, team); !ok {
			return
		}
		teams = []string{team}
	}
	resp := Response{User: id.User, Teams: []string{}, Environments: []env.Environment{}, Events: []eventlog.Event{}}
	now := f.App.Now()
	for _, name := range teams {
		team, ok := f.App.Config.Team(name)
		if !ok {
			continue // a membership without configuration has nothing to show
		}
		resp.Teams = append(resp.Teams, name)
		snap, err := f.App.Kube.List(r.Context(), team.Namespace, env.Selector())
		if err != nil {
			httpx.WriteError(w, r, http.StatusBadGateway, err)
			return
		}
		resp.Environments = append(resp.Environments, views(snap, f.App.Config, now)...)
		events, err := f.App.Log.Latest(r.Context(), name, EventsShown)
		if err != nil {
			// The list is still useful without its activity panel.
			httpx.Logger(r.Context()).WithError(err).Warn("read event log")
			continue
		}
		resp.Events = append(resp.Events, events...)
	}
	sort.SliceStable(resp.Events, func(i, j int) bool { return resp.Events[i].Time.After(resp.Events[j].Time) })
	if len(resp.Events) > EventsShown {
		resp.Events = resp.Events[:EventsShown]
	}
	httpx.WriteJSON(w, http.StatusOK, resp)
}
