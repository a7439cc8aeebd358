package env

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/devenvs/devenvs/shared/config"
)

// Warning kinds: why the platform is about to stop the environment.
const (
	WarningIdle   = "idle"
	WarningExpiry = "expiry"
)

// Warning is a coming platform stop the user has been told about (activity log and UI),
// with what they can do about it.
type Warning struct {
	Kind string `json:"kind"`
	// Since is when the warning was given; StopsAt the earliest the stop may come.
	Since   time.Time `json:"since"`
	StopsAt time.Time `json:"stopsAt"`
	// WaysOut says how to keep the environment running, in words (with the API calls).
	WaysOut string `json:"waysOut"`
	// IdleStopOffAllowed: the team lets its members turn the idle stop off (idle warnings).
	IdleStopOffAllowed bool `json:"idleStopOffAllowed,omitempty"`
	// OnExpiry is what expiry does, "stop" or "delete" (expiry warnings).
	OnExpiry string `json:"onExpiry,omitempty"`
}

// IdleWaysOut is what a user can do about a coming idle stop, given the team's policy, and
// what the stop costs the environment's home (HomeOf).
func IdleWaysOut(team *config.Team, home string) string {
	s := "use it (CPU above 10% of its request ends the idle period)"
	if team != nil && team.IdleStopOffAllowed() {
		s += `, or turn its idle stop off (PATCH {"action":"idle-stop","idleStop":false})`
	}
	if home == string(config.HomeScratch) {
		return s + "; a stop discards its scratch home: copy out what you need"
	}
	return s + "; a stop keeps the home, and start brings it back"
}

// ExpiryWaysOut is what a user can do about a coming expiry, given the team's policy, and
// what expiry costs the environment's home (HomeOf).
func ExpiryWaysOut(team *config.Team, home string) string {
	s := `extend it (PATCH {"action":"extend","lifetime":"4h"})`
	switch {
	case team != nil && team.OnExpiry == config.ExpiryDelete:
		return s + "; on expiry team " + team.Name + " deletes environments, home included: copy out what you need"
	case home == string(config.HomeScratch):
		return s + "; on expiry it is stopped and its scratch home discarded: copy out what you need"
	}
	return s + "; on expiry it is stopped, home kept"
}

// warningOf reads the warning the platform gave from the Deployment's annotations: an idle
// warning while it runs, an expiry warning while it runs or (when the team deletes on
// expiry) is stopped. Nil when there is none or the team configured no warnings.
func warningOf(d *appsv1.Deployment, team *config.Team, expiresAt time.Time) *Warning {
	if team == nil || team.StopNotice() == 0 {
		return nil
	}
	notice := team.StopNotice()
	running := d.Spec.Replicas == nil || *d.Spec.Replicas > 0
	if t, ok := timeAnnotation(d.Annotations, ExpiryWarnedAnnotation); ok && (running || team.OnExpiry == config.ExpiryDelete) {
		stops := expiresAt
		if late := t.Add(notice); late.After(stops) {
			stops = late
		}
		onExpiry := config.ExpiryStop
		if team.OnExpiry == config.ExpiryDelete {
			onExpiry = config.ExpiryDelete
		}
		return &Warning{Kind: WarningExpiry, Since: t, StopsAt: stops, WaysOut: ExpiryWaysOut(team, HomeOf(d)), OnExpiry: string(onExpiry)}
	}
	if t, ok := timeAnnotation(d.Annotations, IdleWarnedAnnotation); ok && running && d.Annotations[IdleStopAnnotation] != "false" {
		return &Warning{Kind: WarningIdle, Since: t, StopsAt: t.Add(notice), WaysOut: IdleWaysOut(team, HomeOf(d)),
			IdleStopOffAllowed: team.IdleStopOffAllowed()}
	}
	return nil
}

// Describe is the warning as one sentence for the activity log.
func (w *Warning) Describe() string {
	switch w.Kind {
	case WarningExpiry:
		return fmt.Sprintf("will expire at %s: %s", w.StopsAt.UTC().Format(time.RFC3339), w.WaysOut)
	default:
		return fmt.Sprintf("will be stopped for idleness at %s at the earliest: %s", w.StopsAt.UTC().Format(time.RFC3339), w.WaysOut)
	}
}
