// Package alertsource is the Alertmanager event source: an HTTP function that accepts
// Alertmanager webhooks (payload version 4), checks the source's own bearer token and sends
// one CloudEvent per alert to K_SINK (the Broker), a few at once (SendConcurrency), with an id
// that stays the same when Alertmanager re-sends a group, so the alert handler can drop
// duplicates. The webhook answers 200 only when the sink accepted every event.
package alertsource

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	"github.com/sirupsen/logrus"

	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/eventfn"
	"github.com/devenvs/devenvs/shared/httpx"
)

// Configuration keys read by Start (environment variables under func-go).
const (
	// SinkVar is the CloudEvents target, injected by a SinkBinding or set in func.yaml.
	SinkVar = "K_SINK"
	// TokenVar is the bearer token Alertmanager must present (from a Secret).
	TokenVar = "DEVENVS_ALERTSOURCE_TOKEN"
)

// ErrConfig marks a Start failure caused by missing or invalid configuration.
var ErrConfig = errors.New("alertsource: configuration")

// Function is a func-go instanced function. Its configuration lives in an atomic pointer
// because func-go calls Start in its own goroutine while the server already answers requests.
type Function struct {
	logger  *logrus.Logger
	metrics *metrics
	handler http.Handler
	state   atomic.Pointer[state]
}

// state is what Start builds from configuration.
type state struct {
	sink  *Sink
	token *auth.Static
	// eventSecret signs every event for the alert handler (eventfn.Token); see newState.
	eventSecret string
}

// New is called by the func-go runtime. Nothing here can fail or touch the network, so a
// cold start is only Start's parsing of two settings.
func New() *Function { return newFunction(httpx.NewLogger()) }

func newFunction(logger *logrus.Logger) *Function {
	f := &Function{logger: logger}
	reg := httpx.NewRegistry()
	f.metrics = newMetrics(reg)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", httpx.MetricsHandler(reg))
	// Alertmanager posts to whatever path its config names, so every other path is the webhook.
	mux.Handle("/", httpx.AllowMethods(http.HandlerFunc(f.webhook), http.MethodPost))
	f.handler = httpx.Chain(mux, httpx.Options{
		Logger:         logger,
		Metrics:        reg,
		AllowedMethods: []string{http.MethodPost},
	})
	return f
}

// Start reads K_SINK, DEVENVS_ALERTSOURCE_TOKEN and DEVENVS_EVENT_TOKEN; a missing or invalid one fails Start, which
// makes func-go exit, so a broken Deployment crash-loops visibly instead of answering 5xx.
func (f *Function) Start(_ context.Context, cfg map[string]string) error {
	st, err := newState(cfg)
	if err != nil {
		return err
	}
	if old := f.state.Swap(st); old != nil {
		old.sink.Close()
	}
	f.logger.WithField("sink", st.sink.Target()).Info("alertsource started")
	return nil
}

func newState(cfg map[string]string) (*state, error) {
	target := strings.TrimSpace(cfg[SinkVar])
	if target == "" {
		return nil, fmt.Errorf("%w: %s is not set: bind a sink (SinkBinding or func.yaml run.envs) pointing at the Broker", ErrConfig, SinkVar)
	}
	sink, err := NewSink(target, DefaultSendTimeout)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", ErrConfig, SinkVar, err)
	}
	// Trimmed because a token file often ends in a newline and Alertmanager trims its
	// credentials_file the same way; without this the two would never match.
	token := strings.TrimSpace(cfg[TokenVar])
	if token == "" {
		return nil, fmt.Errorf("%w: %s is not set: mount the token from Secret devenvs-alertsource", ErrConfig, TokenVar)
	}
	// The alert handler refuses events without the shared event secret, so a source
	// without it could deliver nothing: refuse to start, visibly, instead.
	eventSecret := strings.TrimSpace(cfg[eventfn.TokenVar])
	if eventSecret == "" {
		return nil, fmt.Errorf("%w: %s is not set: mount the event secret (Secret devenvs-events, key token) the alert handler checks", ErrConfig, eventfn.TokenVar)
	}
	return &state{sink: sink, token: auth.StaticToken(token), eventSecret: eventSecret}, nil
}

// Handle serves one request (func-go routes every path except /health/* here).
func (f *Function) Handle(w http.ResponseWriter, r *http.Request) { f.handler.ServeHTTP(w, r) }

// Stop makes the function unready and releases sink connections.
func (f *Function) Stop(context.Context) error {
	if old := f.state.Swap(nil); old != nil {
		old.sink.Close()
	}
	return nil
}

// Ready is true once Start has succeeded.
func (f *Function) Ready(context.Context) (bool, error) { return f.state.Load() != nil, nil }

// Alive is always true: the function holds no state that could wedge.
func (f *Function) Alive(context.Context) (bool, error) { return true, nil }
