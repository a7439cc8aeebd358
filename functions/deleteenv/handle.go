package deleteenv

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/httpx"
	"github.com/devenvs/devenvs/shared/kube"
)

func (f *Function) delete(w http.ResponseWriter, r *http.Request) {
	target, ok := f.App.ResolveTarget(w, r, http.MethodDelete)
	if !ok {
		return
	}
	teamName, name := target.Team.Name, target.Name
	ev := eventlog.Event{Actor: target.Caller.User, Action: "delete", Team: teamName, Env: name, RequestID: httpx.RequestID(r.Context())}
	err := f.App.Kube.Delete(r.Context(), target.Team.Namespace, name)
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
