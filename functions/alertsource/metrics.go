package alertsource

import "github.com/prometheus/client_golang/prometheus"

// EventsMetric counts events by type and outcome (sent, failed), the number to alert on when
// alerts stop reaching the Broker.
const EventsMetric = "devenvs_alertsource_events_total"

// Outcomes of one delivery, the values of the result label.
const (
	resultSent   = "sent"
	resultFailed = "failed"
)

type metrics struct {
	events *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{events: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: EventsMetric,
		Help: "CloudEvents made from Alertmanager alerts, by type and result (sent, failed).",
	}, []string{"type", "result"})}
	reg.MustRegister(m.events)
	return m
}
