// Package deleteenv is the function that removes an environment: DELETE /{team}/{name}
// answers 204, or 404 when there is no such environment, so a repeated delete is harmless.
package deleteenv

import (
	"context"
	"net/http"

	"github.com/devenvs/devenvs/shared/app"
)

// Function is a func-go instanced function.
type Function struct{ app.Function }

// New is called by the func-go runtime.
func New() *Function { return &Function{} }

// Start wires the function from its environment.
func (f *Function) Start(_ context.Context, cfg map[string]string) error {
	return f.Init("deleteenv", cfg, app.Options{Kube: true, Auth: true}, f.delete, http.MethodDelete)
}
