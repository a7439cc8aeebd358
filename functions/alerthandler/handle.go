package alerthandler

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/dedup"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/resources"
)

// dedupTTL outlives any Broker retry schedule, so a redelivery of a handled event is always
// recognised as a duplicate.
const dedupTTL = 24 * time.Hour

// handleBudget bounds the work on one event once it has started. The work does not stop when
// the sender hangs up: a delivery cut off while acting would leave the outcome to chance, so
// it finishes and marks the event done (or forgets it on failure) for the Broker's retry to
// find. Well under the Service's 60 s timeout and func-go's 30 s write timeout.
const handleBudget = 20 * time.Second

// claimTTL is how long a delivery's claim on an event holds while it acts; retries that
// arrive meanwhile are answered 503 and come back. It is a little longer than handleBudget so
// that a live first delivery still holds the claim when it marks the event done or forgets
// it, and shorter than the Broker's retry schedule (retry 5, exponential from PT1S in the
// chart: ~31 s in all) so that when the process dies mid-event its claim expires while the
// Broker still has a retry left to claim it.
const claimTTL = handleBudget + 5*time.Second

// HandleEvent acts on one alert event. The returned error is a *cehttp.Result carrying the
// HTTP status the Broker sees (eventfn.Handler answers it); nil is 200.
func (f *Function) HandleEvent(ctx context.Context, e event.Event) error {
	logger := f.App.Logger.WithFields(map[string]any{"event_id": e.ID(), "event_source": e.Source(), "event_type": e.Type()})
	a, err := parseAlert(e)
	if err != nil {
		logger.WithError(err).Warn("refusing poison event")
		return cehttp.NewResult(http.StatusBadRequest, "%s", err.Error())
	}
	team, ok := f.App.Config.Team(a.team)
	if !ok {
		logger.Warnf("refusing alert for unknown team %q", a.team)
		return cehttp.NewResult(http.StatusBadRequest, "unknown team %q", a.team)
	}

	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), handleBudget)
	defer cancel()
	key := e.Source() + "|" + e.ID()
	claim, err := f.App.Dedup.Claim(ctx, key, claimTTL)
	if err != nil {
		// Unknown whether it was handled: let the Broker retry rather than risk dropping it.
		logger.WithError(err).Error("dedup store unavailable")
		return cehttp.NewResult(http.StatusServiceUnavailable, "dedup store: %v", err)
	}
	switch claim {
	case dedup.ClaimNew:
		// This delivery holds the claim: act below.
	case dedup.ClaimDone:
		logger.Debug("duplicate delivery ignored")
		return nil
	case dedup.ClaimPending:
		// Not a duplicate yet: the delivery holding the claim may still fail. Answering 200
		// here would acknowledge an event nobody may act on, so the Broker must come back.
		logger.Info("event is being handled by another delivery; asking for a retry")
		return cehttp.NewResult(http.StatusServiceUnavailable, "event %s is being handled by another delivery; retry later", e.ID())
	default:
		// A Deduper bug; acting without a claim could act twice, so refuse (and be retried).
		return cehttp.NewResult(http.StatusInternalServerError, "dedup store: unexpected claim result %v", claim)
	}

	ev := eventlog.Event{Actor: "alert:" + a.name, Action: "alert", Team: a.team, Env: a.env, RequestID: e.ID()}
	outcome, reason, err := f.act(ctx, team, a)
	if err != nil {
		// Release the claim so the Broker's retry is acted on instead of waiting it out. If
		// this fails too, the claim still expires after claimTTL, in time for a later retry.
		if ferr := f.App.Dedup.Forget(context.WithoutCancel(ctx), key); ferr != nil {
			logger.WithError(ferr).Error("forget failed event in dedup store")
		}
		logger.WithError(err).Error("act on alert")
		return cehttp.NewResult(http.StatusServiceUnavailable, "act on %s for %s/%s: %v", a.name, a.team, a.env, err)
	}
	ev.Action, ev.Outcome, ev.Reason = outcome.action, outcome.result, reason
	// Recorded before the event is marked done, so whoever is told "duplicate" finds it logged.
	f.App.Events.Record(ctx, ev)
	if outcome.again {
		// The stop waits for its notice: forget the event so that Alertmanager's next
		// repeat of the still-firing alert (same id) is acted on rather than dropped.
		if ferr := f.App.Dedup.Forget(context.WithoutCancel(ctx), key); ferr != nil {
			logger.WithError(ferr).Error("forget postponed event in dedup store")
		}
		logger.WithFields(map[string]any{"alert": a.name, "team": a.team, "env": a.env, "outcome": outcome.result}).Info(reason)
		return nil
	}
	// Detached from the budget: the action happened, so marking it done must not be cut short.
	if derr := f.App.Dedup.Done(context.WithoutCancel(ctx), key, dedupTTL); derr != nil {
		// The claim then expires as pending and a later redelivery may act again; the
		// actions are idempotent (stop and annotate change nothing the second time), so
		// that costs a second log entry at worst. Still a success for this delivery.
		logger.WithError(derr).Error("mark event done in dedup store")
	}
	logger.WithFields(map[string]any{"alert": a.name, "team": a.team, "env": a.env, "outcome": outcome.result}).Info(reason)
	return nil
}

// outcome is what the event log records. again asks for the event to be acted on again
// when it is redelivered (a postponed stop), instead of being dropped as a duplicate.
type outcome struct {
	action, result string
	again          bool
}

// act does what the alert asks and says what happened, for the event log.
func (f *Function) act(ctx context.Context, team *config.Team, a alert) (outcome, string, error) {
	ns := team.Namespace
	what := a.name + " resolved"
	if a.firing {
		what = a.name + " firing"
	}
	if a.summary != "" {
		what += ": " + a.summary
	}
	if !a.firing {
		if a.name == AlertIdleCPUWarning {
			return f.withdrawIdleWarning(ctx, ns, a, what)
		}
		return outcome{action: "alert", result: eventlog.OutcomeSuccess}, what, nil
	}
	switch a.name {
	case AlertIdleCPU:
		return f.stopIdle(ctx, team, a, what)
	case AlertIdleCPUWarning:
		return f.warnIdle(ctx, team, a, what)
	case AlertHighMemVsRequest:
		stamp := f.App.Now().UTC().Format(time.RFC3339)
		_, err := f.update(ctx, ns, a.env, func(d *appsv1.Deployment) (bool, error) {
			if _, warned := d.Annotations[env.MemoryWarningAnnotation]; warned {
				return false, nil
			}
			return resources.Annotate(d, env.MemoryWarningAnnotation, stamp), nil
		})
		if errors.Is(err, kube.ErrNotFound) {
			return outcome{action: "alert", result: eventlog.OutcomeIgnored}, what + " (environment is gone)", nil
		}
		return outcome{action: "alert", result: eventlog.OutcomeSuccess}, what + " (annotated)", err
	default:
		return outcome{action: "alert", result: eventlog.OutcomeSuccess}, what, nil
	}
}

// typing is the idle actions' prologue: SSH input within the team's window declines them
// (an ignored outcome of action, tried again), so no one who is typing is warned or stopped.
// The answer is set when input.recent.
func (f *Function) typing(ctx context.Context, team *config.Team, a alert, now time.Time, action, declined string) (sshInputState, outcome, string, error) {
	input, err := f.sshInput(ctx, team, a.env, now)
	if err != nil || !input.recent {
		return input, outcome{}, "", err
	}
	return input, outcome{action: action, result: eventlog.OutcomeIgnored, again: true}, declined + input.words + ")", nil
}

// stopIdle scales an idle environment to 0, but only once the team's notice has passed
// since the user was warned in this idle period (warnIdle). Without such a warning it warns
// now and postpones the stop; a stop never comes unannounced unless the team configured no
// warnings (stopWarning: 0s). A postponed stop is acted on at Alertmanager's next repeat of
// the still-firing alert.
func (f *Function) stopIdle(ctx context.Context, team *config.Team, a alert, what string) (outcome, string, error) {
	notice := team.StopNotice()
	now := f.App.Now().UTC()
	input, o, reason, err := f.typing(ctx, team, a, now, "idle-stop", what+" (not stopped: ")
	if input.recent || err != nil {
		return o, reason, err
	}
	optedOut, warnedNow, home, homeKind := false, false, "", ""
	var warnedAt time.Time
	changed, err := f.update(ctx, team.Namespace, a.env, func(d *appsv1.Deployment) (bool, error) {
		optedOut, warnedNow, warnedAt = false, false, time.Time{}
		home, homeKind = env.StoppedHome(d), env.HomeOf(d)
		if d.Annotations[env.IdleStopAnnotation] == "false" {
			optedOut = true
			return false, nil
		}
		if d.Spec.Replicas != nil && *d.Spec.Replicas == 0 {
			return false, nil // already stopped
		}
		if notice > 0 {
			w, err := time.Parse(time.RFC3339, d.Annotations[env.IdleWarnedAnnotation])
			if err != nil || w.Before(idlePeriodFloor(a)) {
				warnedNow, warnedAt = true, now
				return resources.Annotate(d, env.IdleWarnedAnnotation, now.Format(time.RFC3339)), nil
			}
			if now.Sub(w) < notice {
				warnedAt = w
				return false, nil
			}
		}
		return resources.Stop(d, "IdleCPU"), nil
	})
	stopAt := warnedAt.Add(notice).Format(time.RFC3339)
	switch {
	case errors.Is(err, kube.ErrNotFound):
		return outcome{action: "idle-stop", result: eventlog.OutcomeIgnored}, what + " (environment is gone)", nil
	case err != nil:
		return outcome{}, "", err
	case optedOut:
		return outcome{action: "idle-stop", result: eventlog.OutcomeIgnored}, what + " (idle stop is turned off for this environment)", nil
	case warnedNow:
		w := &env.Warning{Kind: env.WarningIdle, Since: warnedAt, StopsAt: warnedAt.Add(notice), WaysOut: env.IdleWaysOut(team, homeKind)}
		return outcome{action: eventlog.ActionIdleWarning, result: eventlog.OutcomeSuccess, again: true},
			what + " (not stopped: no warning had been given in this idle period) " + withNumbers(a) + w.Describe(), nil
	case !warnedAt.IsZero():
		return outcome{action: "idle-stop", result: eventlog.OutcomeIgnored, again: true},
			fmt.Sprintf("%s (postponed: warned at %s, team %s's notice of %s runs until %s)", what, warnedAt.Format(time.RFC3339), team.Name, notice, stopAt), nil
	case !changed:
		return outcome{action: "idle-stop", result: eventlog.OutcomeIgnored}, what + " (already stopped)", nil
	}
	return outcome{action: "idle-stop", result: eventlog.OutcomeSuccess}, what + " (stopped: " + numbers(a) + input.words + "; " + home + ")", nil
}

// warnIdle records the coming idle stop: the Deployment's idle-warned annotation (which the
// UI shows and stopIdle waits on) and an activity-log entry with the rule's numbers and the
// ways out. Nothing to warn about when idle stop is off or the team wants no warnings.
func (f *Function) warnIdle(ctx context.Context, team *config.Team, a alert, what string) (outcome, string, error) {
	notice := team.StopNotice()
	now := f.App.Now().UTC()
	if input, o, reason, err := f.typing(ctx, team, a, now, eventlog.ActionIdleWarning, what+" (not warned: "); input.recent || err != nil {
		return o, reason, err
	}
	optedOut, stopped, homeKind := false, false, ""
	warnedAt := now
	_, err := f.update(ctx, team.Namespace, a.env, func(d *appsv1.Deployment) (bool, error) {
		optedOut, stopped, warnedAt, homeKind = false, false, now, env.HomeOf(d)
		switch {
		case d.Annotations[env.IdleStopAnnotation] == "false":
			optedOut = true
			return false, nil
		case d.Spec.Replicas != nil && *d.Spec.Replicas == 0:
			stopped = true
			return false, nil
		case notice == 0:
			return false, nil
		}
		if w, err := time.Parse(time.RFC3339, d.Annotations[env.IdleWarnedAnnotation]); err == nil && !w.Before(idlePeriodFloor(a)) {
			warnedAt = w // already warned in this idle period (e.g. by stopIdle)
			return false, nil
		}
		return resources.Annotate(d, env.IdleWarnedAnnotation, now.Format(time.RFC3339)), nil
	})
	ignored := outcome{action: eventlog.ActionIdleWarning, result: eventlog.OutcomeIgnored}
	switch {
	case errors.Is(err, kube.ErrNotFound):
		return ignored, what + " (environment is gone)", nil
	case err != nil:
		return outcome{}, "", err
	case optedOut:
		return ignored, what + " (idle stop is turned off for this environment)", nil
	case stopped:
		return ignored, what + " (already stopped)", nil
	case notice == 0:
		return ignored, what + " (team " + team.Name + " configured no warnings)", nil
	}
	w := &env.Warning{Kind: env.WarningIdle, Since: warnedAt, StopsAt: warnedAt.Add(notice), WaysOut: env.IdleWaysOut(team, homeKind)}
	return outcome{action: eventlog.ActionIdleWarning, result: eventlog.OutcomeSuccess}, what + " " + withNumbers(a) + w.Describe(), nil
}

// withdrawIdleWarning removes the idle warning once its alert resolves: the environment was
// used (or stopped), so no idle stop is coming from this idle period.
func (f *Function) withdrawIdleWarning(ctx context.Context, ns string, a alert, what string) (outcome, string, error) {
	changed, err := f.update(ctx, ns, a.env, func(d *appsv1.Deployment) (bool, error) {
		if _, ok := d.Annotations[env.IdleWarnedAnnotation]; !ok {
			return false, nil
		}
		delete(d.Annotations, env.IdleWarnedAnnotation)
		return true, nil
	})
	switch {
	case errors.Is(err, kube.ErrNotFound):
		return outcome{action: "alert", result: eventlog.OutcomeIgnored}, what + " (environment is gone)", nil
	case err != nil:
		return outcome{}, "", err
	case changed:
		return outcome{action: "alert", result: eventlog.OutcomeSuccess}, what + " (idle warning withdrawn)", nil
	}
	return outcome{action: "alert", result: eventlog.OutcomeSuccess}, what, nil
}

// withNumbers is the rule's description (used vs requested, for how long) as a sentence
// prefix for the log, or nothing when the alert came without one.
func withNumbers(a alert) string {
	if a.description == "" {
		return ""
	}
	return "— " + strings.TrimSuffix(a.description, ".") + ". It "
}

// numbers is the rule's description as a clause of the stop's log entry ("2% of 1 CPU for
// 30 min, "), or nothing when the alert came without one.
func numbers(a alert) string {
	if a.description == "" {
		return ""
	}
	return strings.TrimSuffix(a.description, ".") + ", "
}

// update applies change and reports whether it wrote anything.
func (f *Function) update(ctx context.Context, ns, name string, change func(*appsv1.Deployment) (bool, error)) (bool, error) {
	changed := false
	_, err := f.App.Kube.Update(ctx, ns, name, func(d *appsv1.Deployment) (bool, error) {
		c, err := change(d)
		changed = c
		return c, err
	})
	if err != nil && !errors.Is(err, kube.ErrNotFound) {
		return false, fmt.Errorf("update %s/%s: %w", ns, name, err)
	}
	return changed, err
}

// staleWarning bounds how long before an alert's startsAt a warning still belongs to the
// same idle period. Prometheus sends startsAt as the time the alert began *firing* (after
// its `for:`), so the warning, which fires earlier in the same idle period, always precedes
// it — by the difference of the two rules' `for:` (16 min in the chart's rules). A warning
// whose alert resolved is withdrawn (withdrawIdleWarning); this bound only keeps a warning
// left by a lost resolve from standing for a later idle period.
const staleWarning = time.Hour

// idlePeriodFloor is the earliest time a warning may have been given and still count for
// the idle period alert a reports.
func idlePeriodFloor(a alert) time.Time { return a.startsAt.Truncate(time.Second).Add(-staleWarning) }
