// Package reaper is the CloudEvents function a PingSource ticks every minute. It expires
// environments past their expires-at (stopping or deleting them, as each team is
// configured) and logs a warning shortly before an environment expires.
package reaper

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
	a, err := app.New("reaper", cfg, app.Options{Kube: true})
	if err != nil {
		return err
	}
	f.App = a
	return nil
}
