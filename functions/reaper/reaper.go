// Package reaper is the CloudEvents function a PingSource ticks every minute. It expires
// environments past their expires-at (stopping or deleting them, as each team is
// configured) and logs a warning shortly before an environment expires.
//
// It is served as a func-go HTTP function: eventfn.Handler decodes the tick with the
// CloudEvents SDK's stateless HTTP binding instead of the SDK's receiver, which can wedge
// when a request is cancelled mid-flight (see eventfn.Handler).
package reaper

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
		return fmt.Errorf("reaper: %w", err)
	}
	return f.Init("reaper", cfg, app.Options{Kube: true, MaxBodyBytes: eventfn.MaxBytes}, func(a *app.App) http.Handler {
		return a.Handler(eventfn.Handler(token, f.HandleEvent), http.MethodPost)
	})
}
