// Package alerthandler is the CloudEvents function a Broker Trigger feeds with the alerts of
// the Alertmanager event source. EnvIdleCPU stops the environment (its home is kept),
// EnvHighMemVsRequest annotates it, everything is logged. Delivery is at-least-once, so each
// event is acted on once (deduplicated on source and id), "already stopped" and "gone" count
// as done, malformed events are refused with a 4xx (not retried) and failures of the cluster
// with a 5xx (retried).
//
// It is served as a func-go HTTP function: eventfn.Handler decodes each request with the
// CloudEvents SDK's stateless HTTP binding instead of the SDK's receiver, which can wedge under
// concurrent or cancelled requests (see eventfn.Handler). Deliveries are independent, so an
// instance takes several at once.
package alerthandler

import (
	"context"
	"fmt"
	"net/http"

	"github.com/devenvs/devenvs/shared/app"
	"github.com/devenvs/devenvs/shared/eventfn"
)

// Function is a func-go instanced HTTP function that takes CloudEvents.
type Function struct{ app.Function }

// New is called by the func-go runtime.
func New() *Function { return &Function{} }

// Start wires the function from its environment.
// Without the event secret it does not start: it would otherwise act on anyone's events.
func (f *Function) Start(_ context.Context, cfg map[string]string) error {
	token, err := eventfn.TokenFromConfig(cfg)
	if err != nil {
		return fmt.Errorf("alerthandler: %w", err)
	}
	return f.Init("alerthandler", cfg, app.Options{Kube: true, MaxBodyBytes: eventfn.MaxBytes}, func(a *app.App) http.Handler {
		return a.Handler(eventfn.Handler(token, f.HandleEvent), http.MethodPost)
	})
}
