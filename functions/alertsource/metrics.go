package alertsource

import "github.com/prometheus/client_golang/prometheus"

// EventsMetric counts events by type and outcome (sent, failed), the number to alert on when
// alerts stop reaching the Broker.
const EventsMetric = "devenvs_alertsource_events_total"

// SkippedMetric counts alerts that name no environment (no team or env label: a broad route,
// a Watchdog), which the source does not turn into events.
const SkippedMetric = "devenvs_alertsource_alerts_skipped_total"

// Outcomes of one delivery, the values of the result label.
const (
	resultSent = "sent"
	// resultFailed: the sink could not take it now (5xx, 408, 429, unreachable); the webhook
	// answers 5xx and Alertmanager retries.
	resultFailed = "failed"
	// resultRefused: the sink refused it for good (another 4xx). Re-sending cannot help, so
	// the webhook still answers 2xx; alert on this count, it needs a human.
	resultRefused = "refused"
)

type metrics struct {
	events  *prometheus.CounterVec
	skipped prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: EventsMetric,
			Help: "CloudEvents made from Alertmanager alerts, by type and result (sent, failed, refused).",
		}, []string{"type", "result"}),
		skipped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: SkippedMetric,
			Help: "Alerts skipped because they name no environment (no team or env label).",
		}),
	}
	reg.MustRegister(m.events, m.skipped)
	return m
}
