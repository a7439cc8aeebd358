package httpx

import (
	"errors"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewRegistry returns a registry for one function with Go runtime and process metrics. A
// registry per function (rather than the global default) keeps tests independent and makes
// what a function exports explicit.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// MetricsHandler serves reg in the Prometheus exposition format, for a function's /metrics.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:      reg,
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// RequestsMetric counts requests served through Chain.
const RequestsMetric = "devenvs_http_requests_total"

// countRequests counts requests by status code and method. Registering twice on one registry
// (two Chains in one function) shares the existing counter.
func countRequests(next http.Handler, reg prometheus.Registerer) http.Handler {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: RequestsMetric,
		Help: "HTTP requests served, by status code and method.",
	}, []string{"code", "method"})
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			// A clash with another metric of that name is a wiring bug; serve without counting.
			return next
		}
		existing, ok := are.ExistingCollector.(*prometheus.CounterVec)
		if !ok {
			return next
		}
		c = existing
	}
	return promhttp.InstrumentHandlerCounter(c, timeRequests(next, reg))
}

// DurationMetric times requests served through Chain: the platform's latency SLO
// (docs/monitoring.md, "Platform SLOs") reads its buckets.
const DurationMetric = "devenvs_http_request_duration_seconds"

// DurationBuckets include the SLO's threshold (5 s for a create) as a bucket boundary, so the
// SLO is computed exactly rather than interpolated.
var DurationBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}

// timeRequests observes each request's duration by status code and method; registered once
// per registry like countRequests.
func timeRequests(next http.Handler, reg prometheus.Registerer) http.Handler {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    DurationMetric,
		Help:    "Time to serve HTTP requests, by status code and method.",
		Buckets: DurationBuckets,
	}, []string{"code", "method"})
	if err := reg.Register(h); err != nil {
		var are prometheus.AlreadyRegisteredError
		if !errors.As(err, &are) {
			return next
		}
		existing, ok := are.ExistingCollector.(*prometheus.HistogramVec)
		if !ok {
			return next
		}
		h = existing
	}
	return promhttp.InstrumentHandlerDuration(h, next)
}
