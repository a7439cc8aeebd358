package config

import (
	"net/url"
	"time"
)

// RightSizing configures the right-sizing advice listenvs returns per environment
// (shared/rightsize). It is off unless PrometheusURL is set: the advice is read from the
// recording rules of charts/devenvs/files/devenvs.rules.yaml in that Prometheus.
type RightSizing struct {
	// PrometheusURL is the base URL of the Prometheus that evaluates the devenvs rules, e.g.
	// http://prometheus-operated.monitoring:9090; empty turns the advice off.
	PrometheusURL string `json:"prometheusURL,omitempty"`
	// Timeout bounds the one query a list makes; a slower or absent Prometheus means a list
	// without advice, never a failed or slow list. Unset: DefaultRightSizingTimeout.
	Timeout Duration `json:"timeout,omitempty"`
	// MinHistory is how much usage history an environment needs before it gets advice
	// (at most RightSizingWindow). Unset: DefaultMinHistory.
	MinHistory Duration `json:"minHistory,omitempty"`
}

const (
	// RightSizingWindow is the window of the recording rules (their names end in _6h).
	RightSizingWindow = 6 * time.Hour
	// DefaultRightSizingTimeout keeps a list fast when Prometheus is slow or down.
	DefaultRightSizingTimeout = 500 * time.Millisecond
	// MaxRightSizingTimeout: a list must not wait longer than this for advice.
	MaxRightSizingTimeout = 5 * time.Second
	// DefaultMinHistory: an hour of use shows a working day's shape well enough to size on.
	DefaultMinHistory = time.Hour
)

// Enabled reports whether listenvs should ask Prometheus for advice.
func (r RightSizing) Enabled() bool { return r.PrometheusURL != "" }

// QueryTimeout is the bound on a list's Prometheus query.
func (r RightSizing) QueryTimeout() time.Duration {
	if r.Timeout == 0 {
		return DefaultRightSizingTimeout
	}
	return time.Duration(r.Timeout)
}

// History is the usage history an environment needs before it gets advice.
func (r RightSizing) History() time.Duration {
	if r.MinHistory == 0 {
		return DefaultMinHistory
	}
	return time.Duration(r.MinHistory)
}

// validateRightSizing checks the section: an absolute http(s) URL without credentials
// (it is not a secret: put Prometheus behind the cluster network instead), and bounds that
// keep a list fast and the advice meaningful.
func (c *Config) validateRightSizing(v *validator) {
	r := c.RightSizing
	if r.PrometheusURL != "" {
		u, err := url.Parse(r.PrometheusURL)
		switch {
		case err != nil:
			v.add("rightSizing.prometheusURL", "%v", err)
		case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
			v.add("rightSizing.prometheusURL", "must be an absolute http or https URL, got %q", r.PrometheusURL)
		case u.User != nil:
			v.add("rightSizing.prometheusURL", "must not carry credentials (the configuration is not secret)")
		case u.RawQuery != "" || u.Fragment != "":
			v.add("rightSizing.prometheusURL", "must be a base URL without query or fragment, got %q", r.PrometheusURL)
		}
	}
	if t := time.Duration(r.Timeout); t < 0 || t > MaxRightSizingTimeout {
		v.add("rightSizing.timeout", "must be between 0 (the default, %s) and %s, got %s", Duration(DefaultRightSizingTimeout), Duration(MaxRightSizingTimeout), r.Timeout)
	}
	if h := time.Duration(r.MinHistory); h < 0 || h > RightSizingWindow {
		v.add("rightSizing.minHistory", "must be between 0 (the default, %s) and the rules' window %s, got %s", Duration(DefaultMinHistory), Duration(RightSizingWindow), r.MinHistory)
	}
}
