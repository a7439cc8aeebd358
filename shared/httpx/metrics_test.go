package httpx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

func TestMetricsHandler(t *testing.T) {
	reg := NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "devenvs_test_things_total", Help: "test"})
	reg.MustRegister(c)
	c.Add(3)

	logger, _ := logtest.NewNullLogger()
	mux := http.NewServeMux()
	mux.Handle("/metrics", MetricsHandler(reg))
	mux.Handle("/", okHandler)
	h := Chain(mux, Options{Logger: logger, Metrics: reg})
	// A second Chain on the same registry must share the counter, not panic.
	h2 := Chain(mux, Options{Logger: logger, Metrics: reg})

	for _, hh := range []http.Handler{h, h2} {
		hh.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))
	}
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("OPTIONS", "/", nil))

	got := testutil.ToFloat64(mustCounter(t, reg, "200", "get"))
	if got != 2 {
		t.Errorf("GET 200 requests = %v, want 2", got)
	}

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{"devenvs_test_things_total 3", `devenvs_http_requests_total{code="200",method="get"}`, `devenvs_http_request_duration_seconds_bucket{code="200",method="get",le="5"} 2`, "go_goroutines", "process_"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

// mustCounter finds the request counter registered by Chain.
func mustCounter(t *testing.T, reg *prometheus.Registry, code, method string) prometheus.Collector {
	t.Helper()
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: RequestsMetric, Help: "HTTP requests served, by status code and method."}, []string{"code", "method"})
	err := reg.Register(c)
	are, ok := err.(prometheus.AlreadyRegisteredError)
	if !ok {
		t.Fatalf("request counter not registered by Chain: %v", err)
	}
	return are.ExistingCollector.(*prometheus.CounterVec).WithLabelValues(code, method)
}
