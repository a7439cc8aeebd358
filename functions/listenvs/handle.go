package listenvs

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"knative.dev/pkg/apis"

	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/httpx"
	"github.com/devenvs/devenvs/shared/kube"
)

// EventsShown is how many activity log entries a list returns.
const EventsShown = 50

// Response is the body of a successful list.
type Response struct {
	User         string            `json:"user"`
	Teams        []string          `json:"teams"`
	Environments []env.Environment `json:"environments"`
	// Events are the activity log's latest entries, on the first page only.
	Events []eventlog.Event `json:"events"`
	// Continue, when set, is the token that asks for the next page.
	Continue string `json:"continue,omitempty"`
}

func (f *Function) list(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	q := r.URL.Query()
	limit, from, fe := parsePage(q)
	if fe != nil {
		httpx.WriteError(w, r, http.StatusBadRequest, fe)
		return
	}
	teams := id.Teams
	if team := q.Get("team"); team != "" {
		if _, ok := f.App.TeamFor(w, r, id, team); !ok {
			return
		}
		teams = []string{team}
	}
	resp := Response{User: id.User, Teams: []string{}, Environments: []env.Environment{}, Events: []eventlog.Event{}}
	if before := q.Get("eventsBefore"); before != "" {
		f.olderEvents(w, r, resp, q.Get("team"), before)
		return
	}
	// Pages walk the teams in name order, each team's environments in name order (the
	// apiserver's), so the pages of one listing never overlap. A team named twice in a
	// membership is walked once, or its pages would start over.
	var configured []*config.Team
	for _, name := range slices.Compact(slices.Sorted(slices.Values(teams))) {
		if team, ok := f.App.Config.Team(name); ok { // a membership without configuration has nothing to show
			configured = append(configured, team)
			resp.Teams = append(resp.Teams, name)
		}
	}
	start := 0
	if from.Team != "" {
		if start = slices.Index(resp.Teams, from.Team); start < 0 {
			httpx.WriteError(w, r, http.StatusBadRequest, apis.ErrInvalidValue(from.Team, "continue", "the token's team is not one of this list's teams"))
			return
		}
	}
	now := f.App.Now()
	usage := f.startUsage(r.Context(), configured[start:])
	for i, team := range configured[start:] {
		if limit == 0 {
			resp.Continue = cursor{Team: team.Name}.encode()
			break
		}
		page := kube.Page{Limit: limit, Expect: team.MaxEnvironments}
		if i == 0 {
			page.Continue = from.Continue
		}
		snap, err := f.cluster.List(r.Context(), team.Namespace, page)
		switch {
		case apierrors.IsResourceExpired(err) || apierrors.IsGone(err):
			httpx.WriteError(w, r, http.StatusGone, apis.ErrInvalidValue("expired", "continue",
				"the environments changed too much since the first page; list again without continue"))
			return
		case page.Continue != "" && apierrors.IsBadRequest(err):
			// The token decoded, but the apiserver refuses the part of it that is its own.
			httpx.WriteError(w, r, http.StatusBadRequest, apis.ErrInvalidValue(q.Get("continue"), "continue",
				"not a token from an earlier response"))
			return
		case err != nil:
			httpx.WriteError(w, r, http.StatusBadGateway, err)
			return
		}
		steps := startSteps(r.Context(), f.cluster, snap)
		resp.Environments = append(resp.Environments, views(snap, f.App.Config, now, steps)...)
		limit -= int64(len(snap.Deployments))
		if snap.Continue != "" {
			resp.Continue = cursor{Team: team.Name, Continue: snap.Continue}.encode()
			break
		}
	}
	if from.Team == "" {
		resp.Events = f.latestEvents(r, resp.Teams)
	}
	recommend(resp.Environments, usage(), f.App.Config)
	httpx.WriteJSON(w, http.StatusOK, resp)
}

// olderEvents answers ?team=T&eventsBefore=ID: the activity log's page before the event ID
// of team T's log (IDs are per team), and no environments. The UI pages back team by team.
func (f *Function) olderEvents(w http.ResponseWriter, r *http.Request, resp Response, team, before string) {
	if team == "" {
		httpx.WriteError(w, r, http.StatusBadRequest, apis.ErrMissingField("team").Also(
			apis.ErrGeneric("eventsBefore pages one team's activity: name the team", "eventsBefore")))
		return
	}
	events, err := f.App.Log.Before(r.Context(), team, before, EventsShown)
	switch {
	case errors.Is(err, eventlog.ErrBadID):
		httpx.WriteError(w, r, http.StatusBadRequest, apis.ErrInvalidValue(before, "eventsBefore", "not the id of an event from an earlier response"))
		return
	case err != nil:
		httpx.WriteError(w, r, http.StatusBadGateway, fmt.Errorf("read the activity log: %w", err))
		return
	}
	resp.Teams = []string{team}
	resp.Events = events
	httpx.WriteJSON(w, http.StatusOK, resp)
}

// latestEvents merges the newest activity log entries of the teams. The list is still
// useful without its activity panel, so a failed read is logged, not returned.
func (f *Function) latestEvents(r *http.Request, teams []string) []eventlog.Event {
	events := []eventlog.Event{}
	for _, name := range teams {
		latest, err := f.App.Log.Latest(r.Context(), name, EventsShown)
		if err != nil {
			httpx.Logger(r.Context()).WithError(err).Warn("read event log")
			continue
		}
		events = append(events, latest...)
	}
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.After(events[j].Time) })
	if len(events) > EventsShown {
		events = events[:EventsShown]
	}
	return events
}
