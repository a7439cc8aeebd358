package reaper

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

type verb int

const (
	expire verb = iota + 1
	warn
)

// step is one thing to do to one environment. stopsAt (warn only) is the earliest the
// expiry may act: the expiry time, or the end of the notice when the warning comes late.
type step struct {
	verb      verb
	name      string
	expiresAt time.Time
	stopsAt   time.Time
	home      string // env.HomeOf: what expiry costs, for the warning
}

// plan decides, from the Deployments alone, which environments of team to expire and which
// to warn about. An environment already stopped for its lifetime needs nothing more; one
// without a readable expires-at is left alone rather than guessed at.
//
// A stop never comes unannounced unless the team configured no warnings: the warning is
// given the team's notice (StopNotice) before expiry, and an expiry that finds no warning
// (the reaper was down, or the lifetime was shorter than the notice) warns then and waits
// the notice out. A stopped environment loses nothing more on expiry, so it is warned only
// when its team deletes on expiry.
func plan(deps []appsv1.Deployment, now time.Time, team *config.Team) []step {
	notice := team.StopNotice()
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
		needsWarning := notice > 0 && (!stopped || team.OnExpiry == config.ExpiryDelete)
		warnedAt, werr := time.Parse(time.RFC3339, d.Annotations[env.ExpiryWarnedAnnotation])
		warned := werr == nil
		switch {
		case !now.Before(exp):
			if stopped && d.Annotations[env.StoppedReasonAnnotation] == env.ReasonLifetimeExceeded {
				continue
			}
			if needsWarning && !warned {
				steps = append(steps, step{warn, d.Name, exp, now.Add(notice), env.HomeOf(d)})
				continue
			}
			if needsWarning && now.Before(warnedAt.Add(notice)) {
				continue // warned late: the notice still runs
			}
			steps = append(steps, step{verb: expire, name: d.Name, expiresAt: exp})
		case needsWarning && !warned && exp.Sub(now) <= notice:
			stops := exp
			if late := now.Add(notice); late.After(stops) {
				stops = late
			}
			steps = append(steps, step{warn, d.Name, exp, stops, env.HomeOf(d)})
		}
	}
	return steps
}
