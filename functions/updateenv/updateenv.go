// Package updateenv is the function that changes a running environment: PATCH
// /{team}/{name} with {"action": "stop" | "start" | "extend" | "resize", ...}. Stop keeps the
// home volume; extend and resize stay within the team's limits.
package updateenv

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
	return f.Init("updateenv", cfg, app.Options{Kube: true, Auth: true}, f.update, http.MethodPatch)
}
