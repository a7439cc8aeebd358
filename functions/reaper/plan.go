package reaper

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/devenvs/devenvs/shared/env"
)

// WarnBefore is how long before expiry the activity log says an environment will expire.
const WarnBefore = 15 * time.Minute

type verb int

const (
	expire verb = iota + 1
	warn
)

// step is one thing to do to one environment.
type step struct {
	verb      verb
	name      string
	expiresAt time.Time
}

// plan decides, from the Deployments alone, which environments to expire and which to warn
// about. An environment already stopped for its lifetime needs nothing more; one without a
// readable expires-at is left alone rather than guessed at.
func plan(deps []appsv1.Deployment, now time.Time) []step {
	var steps []step
	for i := range deps {
		d := &deps[i]
		if d.DeletionTimestamp != nil {
			continue
		}
		exp, err := time.Parse(time.RFC3339, d.Annotations[env.ExpiresAtAnnotation])
		if err != nil {
			continue
		}
		stopped := d.Spec.Replicas != nil && *d.Spec.Replicas == 0
		switch {
		case !now.Before(exp):
			if stopped && d.Annotations[env.StoppedReasonAnnotation] == env.ReasonLifetimeExceeded {
				continue
			}
			steps = append(steps, step{expire, d.Name, exp})
		case exp.Sub(now) <= WarnBefore && !stopped && d.Annotations[env.ExpiryWarnedAnnotation] == "":
			steps = append(steps, step{warn, d.Name, exp})
		}
	}
	return steps
}
