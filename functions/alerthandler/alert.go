package alerthandler

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/jsonx"
)

// The event types and extensions the Alertmanager event source produces.
const (
	TypeFiring   = "dev.devenvs.alert.firing"
	TypeResolved = "dev.devenvs.alert.resolved"
)

// Alert names the platform acts on; see charts/devenvs/files/devenvs.rules.yaml.
const (
	AlertIdleCPU = "EnvIdleCPU"
	// AlertIdleCPUWarning is EnvIdleCPU's sibling with a shorter `for:`: it fires while the
	// environment can still be saved, and the handler warns (activity log and UI).
	AlertIdleCPUWarning   = "EnvIdleCPUWarning"
	AlertHighMemVsRequest = "EnvHighMemVsRequest"
	AlertStuckPending     = "EnvStuckPending"
)

// alert is what the handler needs of an event.
type alert struct {
	firing    bool
	name      string
	team, env string
	summary   string
	// description carries the numbers (used vs requested) the rule filled in.
	description string
	// startsAt is when the alert's condition began (Prometheus' activeAt): a warning given
	// before it belongs to an earlier idle period.
	startsAt time.Time
}

// errPoison marks an event that can never be handled; retrying it would only repeat the
// failure, so it is answered with a 4xx.
type errPoison struct{ msg string }

func (e *errPoison) Error() string { return e.msg }

// parseAlert reads an alert from the event's type, its extensions (which the event source
// copies from the alert's labels so Triggers can filter on them) and, where an extension is
// missing (`func invoke` sends none), the labels in its data.
func parseAlert(e event.Event) (alert, error) {
	var a alert
	switch e.Type() {
	case TypeFiring:
		a.firing = true
	case TypeResolved:
	default:
		return a, &errPoison{fmt.Sprintf("event type %q is not an alert: want %s or %s", e.Type(), TypeFiring, TypeResolved)}
	}
	var data struct {
		Labels      map[string]string `json:"labels"`
		Annotations map[string]string `json:"annotations"`
		StartsAt    time.Time         `json:"startsAt"`
	}
	if len(e.Data()) > 0 {
		var dup *jsonx.DuplicateKeyError
		if errors.As(jsonx.CheckDuplicateKeys(e.Data()), &dup) {
			return a, &errPoison{fmt.Sprintf("event %s data: duplicate key %q: a key may appear only once in an object", e.ID(), dup.Path)}
		}
		if err := e.DataAs(&data); err != nil {
			return a, &errPoison{fmt.Sprintf("event %s data is not an alert: %v", e.ID(), err)}
		}
	}
	ext := e.Extensions()
	get := func(k string) string {
		if s, ok := ext[k].(string); ok && s != "" {
			return s
		}
		return data.Labels[k]
	}
	a.name, a.team, a.env = get("alertname"), get("team"), get("env")
	for field, v := range map[string]string{"alertname": a.name, "team": a.team, "env": a.env} {
		if v == "" {
			return a, &errPoison{fmt.Sprintf("event %s names no %q (neither extension nor data label)", e.ID(), field)}
		}
	}
	// A name the API would refuse can never be acted on: poison (400), not a transient
	// failure of the cluster that the Broker would retry five times. A team is checked
	// against the configuration by the handler, as the API checks it (unknown: 400).
	if fe := env.ValidateName(a.env, "env"); fe != nil {
		return a, &errPoison{fmt.Sprintf("event %s: %v", e.ID(), fe)}
	}
	a.summary = data.Annotations["summary"]
	a.description = strings.Join(strings.Fields(data.Annotations["description"]), " ")
	a.startsAt = data.StartsAt
	return a, nil
}
