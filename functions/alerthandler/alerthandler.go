// Package alerthandler is the CloudEvents function a Broker Trigger feeds with the alerts of
// the Alertmanager event source. EnvIdleCPU stops the environment (its home is kept),
// EnvHighMemVsRequest annotates it, everything is logged. Delivery is at-least-once, so each
// event is acted on once (deduplicated on source and id), "already stopped" and "gone" count
// as done, malformed events are refused with a 4xx (not retried) and failures of the cluster
// with a 5xx (retried).
package alerthandler

import (
	"context"

	"github.com/devenvs/devenvs/shared/app"
)

// Function is a func-go instanced CloudEvents function.
type Function struct{ app.Base }

// New is called by the func-go runtime.
func New() *Function { return &Function{} }

// Start wires the function from its environment.
func (f *Function) Start(_ context.Context, cfg map[string]string) error {
	a, err := app.New("alerthandler", cfg, app.Options{Kube: true})
	if err != nil {
		return err
	}
	f.App = a
	return nil
}
