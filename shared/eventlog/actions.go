package eventlog

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// ActionsMetric counts the platform's own actions on environments (idle stops, expiries and
// the warnings before them) as they are logged, so Prometheus (and the chart's Grafana
// dashboard) can show them over time; the event log itself lives in Redis, out of its reach.
const ActionsMetric = "devenvs_platform_actions_total"

// countedActions are the actions ActionsMetric counts. Only these: their team comes from the
// environment's labels on the cluster, never from a caller, so the team label stays bounded
// by the configured teams.
var countedActions = map[string]bool{
	ActionIdleStop:      true,
	ActionExpire:        true,
	ActionIdleWarning:   true,
	ActionExpiryWarning: true,
}

// NewActionsCounter returns the ActionsMetric counter (labels team, action, outcome)
// registered on reg; an existing one is shared, like NewFailuresCounter's.
func NewActionsCounter(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: ActionsMetric,
		Help: "The platform's own actions on environments (idle-stop, expire and their warnings), by team, action and outcome, counted whether or not the event log write succeeded.",
	}, []string{"team", "action", "outcome"})
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
				return existing
			}
		}
	}
	return c
}

// countAction adds ev to c when it is one of countedActions.
func countAction(c *prometheus.CounterVec, ev Event) {
	if c == nil || !countedActions[ev.Action] {
		return
	}
	c.WithLabelValues(ev.Team, ev.Action, ev.Outcome).Inc()
}
