package rightsize

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/prometheus/client_golang/api"
	promv1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"
)

// The recorded series (group devenvs.rightsizing of the rules) a list reads.
const (
	SeriesCPUP95     = "devenvs:env_cpu_used_cores:p95_6h"
	SeriesCPUPeak    = "devenvs:env_cpu_used_cores:max_6h"
	SeriesMemoryP95  = "devenvs:env_memory_used_bytes:p95_6h"
	SeriesMemoryPeak = "devenvs:env_memory_used_bytes:max_6h"
	SeriesHistory    = "devenvs:env_usage_history_seconds:6h"
)

// Key names an environment in the rules' labels.
type Key struct{ Namespace, Env string }

// Source reads usage from the Prometheus that evaluates the devenvs rules.
type Source struct {
	api     promv1.API
	timeout time.Duration
}

// NewSource makes a client for the Prometheus at url (client_golang's own API client, which
// the module already requires for /metrics). It makes no request.
func NewSource(url string, timeout time.Duration) (*Source, error) {
	c, err := api.NewClient(api.Config{Address: url, Client: &http.Client{Timeout: timeout}})
	if err != nil {
		return nil, fmt.Errorf("prometheus client for %s: %w", url, err)
	}
	return &Source{api: promv1.NewAPI(c), timeout: timeout}, nil
}

// Query is the one instant query a list makes: the five series of every environment in
// the namespaces.
func Query(namespaces []string) string {
	quoted := make([]string, len(namespaces))
	for i, ns := range namespaces {
		quoted[i] = regexp.QuoteMeta(ns)
	}
	names := strings.Join([]string{SeriesCPUP95, SeriesCPUPeak, SeriesMemoryP95, SeriesMemoryPeak, SeriesHistory}, "|")
	return fmt.Sprintf(`{__name__=~%q, namespace=~%q}`, names, strings.Join(quoted, "|"))
}

// Usage returns the usage of every environment in the namespaces that has all five series,
// within the source's timeout.
func (s *Source) Usage(ctx context.Context, namespaces []string) (map[Key]*Usage, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	v, _, _, err := s.api.Query(ctx, Query(namespaces), time.Time{})
	if err != nil {
		return nil, fmt.Errorf("query prometheus: %w", err)
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query prometheus: got a %s, want a vector", v.Type())
	}
	return FromVector(vec), nil
}

// FromVector groups the samples of Query's answer by environment, keeping those with all
// five figures (a partial set is a rule evaluation in progress: no advice this time).
func FromVector(vec model.Vector) map[Key]*Usage {
	type partial struct {
		u    Usage
		seen int
	}
	all := map[Key]*partial{}
	for _, s := range vec {
		k := Key{Namespace: string(s.Metric["namespace"]), Env: string(s.Metric["env"])}
		if k.Namespace == "" || k.Env == "" {
			continue
		}
		p := all[k]
		if p == nil {
			p = &partial{}
			all[k] = p
		}
		v := float64(s.Value)
		switch s.Metric[model.MetricNameLabel] {
		case SeriesCPUP95:
			p.u.CPUP95, p.seen = v, p.seen|1
		case SeriesCPUPeak:
			p.u.CPUPeak, p.seen = v, p.seen|2
		case SeriesMemoryP95:
			p.u.MemoryP95, p.seen = v, p.seen|4
		case SeriesMemoryPeak:
			p.u.MemoryPeak, p.seen = v, p.seen|8
		case SeriesHistory:
			p.u.History, p.seen = time.Duration(v*float64(time.Second)), p.seen|16
		}
	}
	out := make(map[Key]*Usage, len(all))
	for k, p := range all {
		if p.seen == 31 {
			out[k] = &p.u
		}
	}
	return out
}
