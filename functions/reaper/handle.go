package reaper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/resources"
)

// PingType is the type of a PingSource's events.
const PingType = "dev.knative.sources.ping"

// HandleEvent runs one sweep over every team. One team's failure does not stop the others;
// it makes the answer a 5xx so the failure is visible, and the next tick tries again. The
// returned error is a *cehttp.Result carrying the HTTP status (eventfn.Handler answers it).
func (f *Function) HandleEvent(ctx context.Context, e event.Event) error {
	if e.Type() != PingType {
		return cehttp.NewResult(http.StatusBadRequest, "event type %q is not a tick: want %s", e.Type(), PingType)
	}
	now := f.App.Now()
	var errs []error
	for i := range f.App.Config.Teams {
		if err := f.sweep(ctx, &f.App.Config.Teams[i], now); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		f.App.Logger.WithError(err).Error("sweep")
		return cehttp.NewResult(http.StatusServiceUnavailable, "%v", err)
	}
	return nil
}

func (f *Function) sweep(ctx context.Context, team *config.Team, now time.Time) error {
	deps, err := f.App.Kube.Deployments(ctx, team.Namespace, env.Selector())
	if err != nil {
		return err
	}
	var errs []error
	for _, s := range plan(deps, now, team) {
		ev := eventlog.Event{Actor: "reaper", Team: team.Name, Env: s.name, Outcome: eventlog.OutcomeSuccess}
		switch s.verb {
		case warn:
			w := env.Warning{Kind: env.WarningExpiry, Since: now, StopsAt: s.stopsAt, WaysOut: env.ExpiryWaysOut(team, s.home)}
			ev.Action, ev.Reason = eventlog.ActionExpiryWarning, "lifetime ends at "+s.expiresAt.UTC().Format(time.RFC3339)+"; "+w.Describe()
			err = f.update(ctx, team.Namespace, s.name, func(d *appsv1.Deployment) bool {
				return resources.Annotate(d, env.ExpiryWarnedAnnotation, now.UTC().Format(time.RFC3339))
			})
		case expire:
			ev.Action = "expire"
			err = f.expire(ctx, team, s.name)
			ev.Reason = fmt.Sprintf("lifetime ended at %s; %s", s.expiresAt.UTC().Format(time.RFC3339), team.OnExpiry)
		}
		if errors.Is(err, kube.ErrNotFound) {
			continue // deleted meanwhile: nothing to do
		}
		if err != nil {
			ev.Outcome, ev.Reason = eventlog.OutcomeFailure, err.Error()
			errs = append(errs, err)
		}
		f.App.Events.Record(ctx, ev)
	}
	return errors.Join(errs...)
}

func (f *Function) expire(ctx context.Context, team *config.Team, name string) error {
	if team.OnExpiry == config.ExpiryDelete {
		return f.App.Kube.Delete(ctx, team.Namespace, name)
	}
	// Also mark an environment the user had already stopped, so later ticks skip it.
	return f.update(ctx, team.Namespace, name, func(d *appsv1.Deployment) bool {
		stopped := resources.Stop(d, env.ReasonLifetimeExceeded)
		return resources.Annotate(d, env.StoppedReasonAnnotation, env.ReasonLifetimeExceeded) || stopped
	})
}

func (f *Function) update(ctx context.Context, ns, name string, change func(*appsv1.Deployment) bool) error {
	_, err := f.App.Kube.Update(ctx, ns, name, func(d *appsv1.Deployment) (bool, error) { return change(d), nil })
	return err
}
