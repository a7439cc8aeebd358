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
	return promhttp.InstrumentHandlerCounter(c, next)
}
