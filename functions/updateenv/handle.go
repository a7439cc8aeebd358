package updateenv

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"knative.dev/pkg/apis"

	"github.com/devenvs/devenvs/shared/app"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/httpx"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/resources"
)

// actionBudget bounds an update once it has begun. It does not end when the caller hangs
// up, as a create does not: an update cut off mid-flight may have happened anyway, and the
// log must say what happened, not "failure".
const actionBudget = 20 * time.Second

// errExpired refuses to start an environment whose lifetime is over; extend it first.
var errExpired = apis.ErrGeneric("the environment's lifetime is over: extend it before starting it", "action")

func (f *Function) update(w http.ResponseWriter, r *http.Request, target app.Target) {
	teamName, name := target.Team.Name, target.Name
	u, err := env.DecodeUpdate(r.Body)
	if err != nil {
		app.WriteDecodeError(w, r, err)
		return
	}
	u.SetDefaults()
	if fe := validation.ValidateUpdate(u, f.App.Config, teamName); fe != nil {
		httpx.WriteError(w, r, http.StatusUnprocessableEntity, fe)
		return
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), actionBudget)
	defer cancel()
	now := f.App.Now()
	ns := target.Team.Namespace
	change := func(d *appsv1.Deployment) (bool, error) { return apply(u, d, target.Team, now) }
	var d *appsv1.Deployment
	switch u.Action {
	case env.ActionResize:
		d, err = f.cluster.Resize(ctx, ns, name, func(res *corev1.ResourceRequirements) (bool, error) {
			return resources.Resize(res, u.CPU, u.Memory)
		})
	case env.ActionStart:
		d, err = f.cluster.Start(ctx, ns, name, change)
	default:
		d, err = f.cluster.Update(ctx, ns, name, change)
	}
	ev := eventlog.Event{Actor: target.Caller.User, Action: u.Action, Team: teamName, Env: name, RequestID: httpx.RequestID(ctx)}
	var (
		quota *kube.QuotaError
		full  *kube.NodeFullError
		fe    *apis.FieldError
	)
	switch {
	case errors.Is(err, kube.ErrNotFound):
		f.App.Refuse(ctx, w, r, ev, http.StatusNotFound, fmt.Errorf("environment %s not found in team %s", name, teamName))
		return
	case errors.Is(err, errExpired):
		f.App.Refuse(ctx, w, r, ev, http.StatusConflict, errExpired)
		return
	case errors.As(err, &fe):
		f.App.Refuse(ctx, w, r, ev, http.StatusUnprocessableEntity, fe)
		return
	case errors.As(err, &quota):
		f.App.Refuse(ctx, w, r, ev, http.StatusForbidden, quota)
		return
	case errors.As(err, &full):
		f.App.Refuse(ctx, w, r, ev, http.StatusConflict, full)
		return
	case err != nil:
		f.App.Refuse(ctx, w, r, ev, http.StatusBadGateway, err)
		return
	}
	switch u.Action {
	case env.ActionExtend:
		ev.Reason = "expires at " + d.Annotations[env.ExpiresAtAnnotation]
	case env.ActionStop:
		ev.Reason = env.StoppedHome(d)
	}
	f.App.Done(ctx, ev)
	// The answer carries the environment's real phase, as the list would report it: without
	// its pods an extended Running environment would read as Pending. The action is done
	// either way, so a failed pod read still answers 200, with the Deployment's view alone.
	pods, err := f.cluster.Pods(ctx, ns, env.NameSelector(name))
	if err != nil {
		httpx.Logger(ctx).WithError(err).Warn("read the pods for the answer")
	}
	httpx.WriteJSON(w, http.StatusOK, env.FromDeployment(d, pods, f.App.Config, now))
}

// apply maps a validated Update onto the Deployment.
func apply(u *env.Update, d *appsv1.Deployment, team *config.Team, now time.Time) (bool, error) {
	switch u.Action {
	case env.ActionStop:
		return resources.Stop(d, "StoppedByUser"), nil
	case env.ActionStart:
		if exp, err := time.Parse(time.RFC3339, d.Annotations[env.ExpiresAtAnnotation]); err == nil && !now.Before(exp) {
			return false, errExpired
		}
		return resources.Start(d), nil
	case env.ActionExtend:
		lifetime, err := time.ParseDuration(u.Lifetime)
		if err != nil {
			return false, err
		}
		// maxLifetime bounds each extension; the team's total lifetime bounds them all.
		end := d.CreationTimestamp.Add(team.TotalLifetime())
		if now.Add(lifetime).After(end) {
			return false, apis.ErrInvalidValue(u.Lifetime, "lifetime", fmt.Sprintf(
				"would outlive the team's total lifetime of %s from creation (at most until %s)",
				config.Duration(team.TotalLifetime()), end.UTC().Format(time.RFC3339)))
		}
		return resources.Extend(d, now.Add(lifetime)), nil
	case env.ActionIdleStop:
		return resources.Annotate(d, env.IdleStopAnnotation, strconv.FormatBool(*u.IdleStop)), nil
	}
	return false, fmt.Errorf("unknown action %q", u.Action)
}
