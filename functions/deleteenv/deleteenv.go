// Package deleteenv is the function that removes an environment: DELETE /{team}/{name}
// answers 204, or 404 when there is no such environment, so a repeated delete is harmless.
package deleteenv

import (
	"context"
	"net/http"

	"github.com/devenvs/devenvs/shared/app"
)

// Function is a func-go instanced function.
type Function struct {
	app.Function
	cluster deleter
}

// deleter is what a delete needs of the cluster: kube.Client, or a double in unit tests.
type deleter interface {
	Delete(ctx context.Context, ns, name string) error
}

var options = app.Options{Kube: true, Auth: true}

// New is called by the func-go runtime.
func New() *Function { return &Function{} }

// Start wires the function from its environment.
func (f *Function) Start(_ context.Context, cfg map[string]string) error {
	return f.Init("deleteenv", cfg, options, func(a *app.App) http.Handler { return f.wire(a, a.Kube) })
}

// wire keeps the App and the cluster and returns the function's handler. POST stands in for
// DELETE for callers that cannot send it (`func invoke`).
func (f *Function) wire(a *app.App, c deleter) http.Handler {
	f.App, f.cluster = a, c
	return a.Handler(a.Targeted(f.delete), http.MethodDelete, http.MethodPost)
}
