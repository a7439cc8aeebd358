// Package app wires a function's dependencies from its configuration map, so every function
// starts the same way. func-go hands Start the process environment as that map. Nothing
// here calls the network: functions scale to zero and must be ready in milliseconds.
package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/dedup"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/httpx"
	"github.com/devenvs/devenvs/shared/kube"
)

// Settings read from the configuration map (environment variables in a pod).
const (
	// KubeconfigVar is a kubeconfig path; empty means in-cluster, else $KUBECONFIG.
	KubeconfigVar = "KUBECONFIG"
	// RedisURLVar selects the Redis event log; empty keeps events in process.
	RedisURLVar = "DEVENVS_REDIS_URL"
	// RedisPasswordVar is Redis's password (requirepass, from a Secret); it overrides one in
	// the URL, so the URL need not be secret.
	RedisPasswordVar = "DEVENVS_REDIS_PASSWORD"
	// EventStreamVar names the Redis stream of the event log (default devenvs:events).
	EventStreamVar = "DEVENVS_EVENTLOG_STREAM"
	// MetricsTokenVar is the bearer token /metrics asks of scrapers on functions that users
	// call; without it those functions do not serve /metrics at all (they are public).
	MetricsTokenVar = "DEVENVS_METRICS_TOKEN"
)

// App is what a handler needs: configuration, Kubernetes, identity, the event log, metrics.
type App struct {
	Name   string
	Config *config.Config
	Kube   *kube.Client
	Auth   auth.Authenticator
	Log    eventlog.Log
	Events *eventlog.Safe
	Dedup  dedup.Deduper
	// SSHInput is when users last typed into each environment through the SSH gateway.
	SSHInput eventlog.SSHInput
	Registry *prometheus.Registry
	Logger   *logrus.Logger
	Origins  []string
	// Now is the clock; tests replace it.
	Now func() time.Time

	// users is true for the functions users call (Options.Auth): public, browser-facing.
	users bool
	// metricsToken guards /metrics of those functions (MetricsTokenVar); nil serves none.
	metricsToken *auth.Static
	// refusals rate-limits logging 401/403 answers to the activity log (refusals.go).
	refusals *refusalLog
	// maxBody is Options.MaxBodyBytes.
	maxBody int64
}

// Options says which dependencies a function needs, so one without Kubernetes (the event
// source) or without users (the alert handler) starts without their configuration.
type Options struct {
	Kube bool
	Auth bool
	// MaxBodyBytes overrides httpx.DefaultMaxBodyBytes, the one default body limit, for a
	// function whose requests are small (a create, an update, one CloudEvent).
	MaxBodyBytes int64
}

// New builds an App from cfg.
func New(name string, cfg map[string]string, opts Options) (*App, error) {
	a := &App{Name: name, Logger: httpx.NewLogger(), Registry: httpx.NewRegistry(), Now: time.Now, users: opts.Auth, maxBody: opts.MaxBodyBytes}
	if t := strings.TrimSpace(cfg[MetricsTokenVar]); t != "" {
		a.metricsToken = auth.StaticToken(t)
	}
	var err error
	if a.Config, err = config.FromSettings(cfg); err != nil {
		return nil, err
	}
	if opts.Kube {
		rc, err := kube.RESTConfig(cfg[KubeconfigVar])
		if err != nil {
			return nil, err
		}
		if a.Kube, err = kube.New(rc); err != nil {
			return nil, err
		}
	}
	if opts.Auth {
		lookup := func(k string) (string, bool) { v, ok := cfg[k]; return v, ok }
		if a.Auth, err = auth.FromEnv(lookup); err != nil {
			return nil, err
		}
		for _, w := range auth.Warnings(a.Auth) {
			a.Logger.WithField("function", name).Warn(w)
		}
	}
	logOpts := []eventlog.Option{eventlog.WithPassword(strings.TrimSpace(cfg[RedisPasswordVar]))}
	if stream := cfg[EventStreamVar]; stream != "" {
		logOpts = append(logOpts, eventlog.WithStream(stream))
	}
	if a.Log, err = eventlog.New(cfg[RedisURLVar], logOpts...); err != nil {
		return nil, err
	}
	a.Events = eventlog.NewSafe(a.Log, logrus.NewEntry(a.Logger).WithField("function", name), a.Registry)
	a.Dedup = dedup.New(a.Log)
	a.SSHInput = eventlog.NewSSHInput(a.Log)
	a.refusals = newRefusalLog(a.Registry)
	a.Origins = httpx.OriginsFromSettings(cfg)
	return a, nil
}

// Handler wraps a function's handler with the shared middleware and serves /metrics beside it.
// The handler sees only the methods given (405 otherwise). Functions users call take JSON
// bodies only (httpx.RequireJSON, against cross-site forms) and serve /metrics only to a
// scraper holding MetricsTokenVar: they are public.
func (a *App) Handler(h http.Handler, methods ...string) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/metrics", a.metricsHandler())
	if a.users {
		h = httpx.RequireJSON(h)
	}
	mux.Handle("/", httpx.AllowMethods(h, methods...))
	return httpx.Chain(mux, httpx.Options{
		Logger:         a.Logger,
		AllowedOrigins: a.Origins,
		AllowedMethods: methods,
		Metrics:        a.Registry,
		MaxBodyBytes:   a.maxBody,
	})
}

// Close releases the event log's connections.
func (a *App) Close(context.Context) error {
	if a == nil || a.Log == nil {
		return nil
	}
	return a.Log.Close()
}

// metricsHandler serves /metrics: openly on the functions only the cluster reaches (event
// source, alert handler, reaper), and on public ones only with the metrics token.
func (a *App) metricsHandler() http.Handler {
	metrics := httpx.MetricsHandler(a.Registry)
	if !a.users {
		return metrics
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.metricsToken == nil {
			httpx.WriteError(w, r, http.StatusNotFound, fmt.Errorf("/metrics is not served by this public function unless %s is set", MetricsTokenVar))
			return
		}
		if err := a.metricsToken.Check(r); err != nil {
			auth.WriteError(w, r, err)
			return
		}
		metrics.ServeHTTP(w, r)
	})
}
