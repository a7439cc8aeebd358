package deleteenv

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/devenvs/devenvs/shared/app"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/httpx"
	"github.com/devenvs/devenvs/shared/kube"
)

func (f *Function) delete(w http.ResponseWriter, r *http.Request) {
	// POST is accepted as well because `func invoke` can send only GET and POST.
	if r.Method != http.MethodDelete && r.Method != http.MethodPost {
		httpx.WriteError(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed: use DELETE /{team}/{name}", r.Method))
		return
	}
	id, ok := f.App.Identify(w, r)
	if !ok {
		return
	}
	teamName, name, fe := app.TeamAndName(r.URL.Path)
	if fe != nil {
		httpx.WriteError(w, r, http.StatusBadRequest, fe)
		return
	}
	team, ok := f.App.TeamFor(w, r, id, teamName)
	if !ok {
		return
	}
	ev := eventlog.Event{Actor: id.User, Action: "delete", Team: teamName, Env: name, RequestID: httpx.RequestID(r.Context())}
	err := f.App.Kube.Delete(r.Context(), team.Namespace, name)
	switch {
	case errors.Is(err, kube.ErrNotFound):
		httpx.WriteError(w, r, http.StatusNotFound, fmt.Errorf("environment %s not found in team %s", name, teamName))
	case err != nil:
		ev.Outcome, ev.Reason = eventlog.OutcomeFailure, err.Error()
		f.App.Events.Record(r.Context(), ev)
		httpx.WriteError(w, r, http.StatusBadGateway, err)
	default:
		ev.Outcome = eventlog.OutcomeSuccess
		f.App.Events.Record(r.Context(), ev)
		w.WriteHeader(http.StatusNoContent)
	}
}
