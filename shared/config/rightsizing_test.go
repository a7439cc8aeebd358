package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestValidateRightSizing(t *testing.T) {
	tests := []struct {
		name string
		r    RightSizing
		want []string // every error line; nil means valid
	}{
		{name: "off by default", r: RightSizing{}},
		{name: "in-cluster Prometheus", r: RightSizing{PrometheusURL: "http://prometheus-operated.monitoring:9090", Timeout: Duration(time.Second), MinHistory: Duration(2 * time.Hour)}},
		{name: "path prefix", r: RightSizing{PrometheusURL: "https://prom.example.com/prometheus/"}},
		{name: "not absolute", r: RightSizing{PrometheusURL: "prometheus:9090"},
			want: []string{`rightSizing.prometheusURL: must be an absolute http or https URL, got "prometheus:9090"`}},
		{name: "other scheme", r: RightSizing{PrometheusURL: "ftp://prom"},
			want: []string{`rightSizing.prometheusURL: must be an absolute http or https URL, got "ftp://prom"`}},
		{name: "credentials", r: RightSizing{PrometheusURL: "http://u:p@prom:9090"},
			want: []string{`rightSizing.prometheusURL: must not carry credentials (the configuration is not secret)`}},
		{name: "query", r: RightSizing{PrometheusURL: "http://prom:9090/?x=1"},
			want: []string{`rightSizing.prometheusURL: must be a base URL without query or fragment, got "http://prom:9090/?x=1"`}},
		{name: "bounds", r: RightSizing{PrometheusURL: "http://prom:9090", Timeout: Duration(10 * time.Second), MinHistory: Duration(7 * time.Hour)},
			want: []string{
				`rightSizing.timeout: must be between 0 (the default, 500ms) and 5s, got 10s`,
				`rightSizing.minHistory: must be between 0 (the default, 1h) and the rules' window 6h, got 7h`,
			}},
		{name: "negative", r: RightSizing{Timeout: Duration(-time.Second), MinHistory: Duration(-time.Minute)},
			want: []string{
				`rightSizing.timeout: must be between 0 (the default, 500ms) and 5s, got -1s`,
				`rightSizing.minHistory: must be between 0 (the default, 1h) and the rules' window 6h, got -1m`,
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			c.RightSizing = tt.r
			var got []string
			if err := c.Validate(); err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Validate (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRightSizingDefaults(t *testing.T) {
	var r RightSizing
	if r.Enabled() || r.QueryTimeout() != DefaultRightSizingTimeout || r.History() != DefaultMinHistory {
		t.Errorf("zero RightSizing: enabled %v, timeout %s, history %s", r.Enabled(), r.QueryTimeout(), r.History())
	}
	r = RightSizing{PrometheusURL: "http://p:9090", Timeout: Duration(time.Second), MinHistory: Duration(time.Minute)}
	if !r.Enabled() || r.QueryTimeout() != time.Second || r.History() != time.Minute {
		t.Errorf("set RightSizing: enabled %v, timeout %s, history %s", r.Enabled(), r.QueryTimeout(), r.History())
	}
}

// A configuration file names the section in camelCase and strict loading accepts it.
func TestLoadRightSizing(t *testing.T) {
	c, err := Parse([]byte(strings.Replace(string(defaultYAML), "baseDomain: \"\"\n",
		"baseDomain: \"\"\nrightSizing:\n  prometheusURL: http://prom:9090\n  timeout: 300ms\n  minHistory: 30m\n", 1)))
	if err != nil {
		t.Fatal(err)
	}
	want := RightSizing{PrometheusURL: "http://prom:9090", Timeout: Duration(300 * time.Millisecond), MinHistory: Duration(30 * time.Minute)}
	if diff := cmp.Diff(want, c.RightSizing); diff != "" {
		t.Errorf("rightSizing (-want +got):\n%s", diff)
	}
}
