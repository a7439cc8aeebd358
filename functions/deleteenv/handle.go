package deleteenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/devenvs/devenvs/shared/app"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/httpx"
	"github.com/devenvs/devenvs/shared/kube"
)

// actionBudget bounds a delete once it has begun. Like a create, it does not end when the
// caller hangs up: a delete cut off mid-flight may have happened anyway, and the log must not
// say "failure" for an environment that is gone, so it finishes and is logged as it ended.
const actionBudget = 20 * time.Second

func (f *Function) delete(w http.ResponseWriter, r *http.Request, target app.Target) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), actionBudget)
	defer cancel()
	teamName, name := target.Team.Name, target.Name
	ev := eventlog.Event{Actor: target.Caller.User, Action: "delete", Team: teamName, Env: name, RequestID: httpx.RequestID(ctx)}
	err := f.cluster.Delete(ctx, target.Team.Namespace, name)
	switch {
	case errors.Is(err, kube.ErrNotFound):
		f.App.Refuse(ctx, w, r, ev, http.StatusNotFound, fmt.Errorf("environment %s not found in team %s", name, teamName))
	case err != nil:
		f.App.Refuse(ctx, w, r, ev, http.StatusBadGateway, err)
	default:
		f.App.Done(ctx, ev)
		w.WriteHeader(http.StatusNoContent)
	}
}
