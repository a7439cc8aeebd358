package createenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/devenvs/devenvs/shared/app"
	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/httpx"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/resources"
	"knative.dev/pkg/apis"
)

// createBudget bounds a create once it has begun, and it does not end when the caller hangs
// up: a create cut off between its round trips would be undone or, if the cut-off hid an
// answer, left half-made, while the user who closed the tab expects the environment. So it
// finishes and is logged. Well under the Service's timeout and func-go's 30 s write timeout.
const createBudget = 20 * time.Second

func (f *Function) create(w http.ResponseWriter, r *http.Request, id auth.Identity) {
	spec, err := env.DecodeSpec(r.Body)
	if err != nil {
		app.WriteDecodeError(w, r, err)
		return
	}
	cfg := f.App.Config
	spec.SetDefaults(cfg)
	if spec.Team == "" {
		httpx.WriteError(w, r, http.StatusUnprocessableEntity, apis.ErrMissingField("team"))
		return
	}
	team, ok := f.App.TeamFor(w, r, id, spec.Team)
	if !ok {
		return
	}
	if fe := validation.ValidateSpec(spec, cfg); fe != nil {
		httpx.WriteError(w, r, http.StatusUnprocessableEntity, fe)
		return
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), createBudget)
	defer cancel()
	ev := eventlog.Event{Actor: id.User, Action: "create", Team: spec.Team, Env: spec.Name, RequestID: httpx.RequestID(ctx)}
	fail := func(status int, err error) { f.App.Refuse(ctx, w, r, ev, status, err) }
	now := f.App.Now()
	objs := kube.Objects{
		Deployment: resources.MakeDeployment(spec, team, cfg, id.User, now),
		Secret:     resources.MakeSecret(spec, team, id.User),
		Service:    resources.MakeService(spec, team, cfg, id.User),
		PVC:        resources.MakePVC(spec, team, cfg, id.User),
	}
	d, err := f.cluster.Create(ctx, objs, team.MaxEnvironments)
	var (
		quota *kube.QuotaError
		limit *kube.LimitError
	)
	switch {
	case errors.As(err, &limit):
		fail(http.StatusForbidden, fmt.Errorf("team %s is at its limit of %d environments: delete one first", spec.Team, limit.Max))
		return
	case errors.Is(err, kube.ErrExists):
		fail(http.StatusConflict, apis.ErrGeneric(fmt.Sprintf("an environment named %s already exists in team %s", spec.Name, spec.Team), "name"))
		return
	case errors.As(err, &quota):
		fail(http.StatusForbidden, fmt.Errorf("team %s's ResourceQuota refuses this environment: %s", spec.Team, quota.Message))
		return
	case err != nil:
		fail(http.StatusBadGateway, err)
		return
	}
	f.App.Done(ctx, ev)
	httpx.WriteJSON(w, http.StatusCreated, env.FromDeployment(d, nil, cfg, now))
}
