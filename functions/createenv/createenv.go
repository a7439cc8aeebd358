// Package createenv is the function that launches an environment: POST a JSON Spec, get 201
// and the environment, or a 4xx that names the field and the rule. Nothing is left behind
// when a create fails.
package createenv

import (
	"context"
	"net/http"

	appsv1 "k8s.io/api/apps/v1"

	"github.com/devenvs/devenvs/shared/app"
	"github.com/devenvs/devenvs/shared/kube"
)

// Function is a func-go instanced function.
type Function struct {
	app.Function
	cluster creator
}

// creator is what a create needs of the cluster: kube.Client, or a double in unit tests.
type creator interface {
	Create(ctx context.Context, objs kube.Objects, maxEnvironments int) (*appsv1.Deployment, error)
}

// options: the largest valid spec is about 500 KiB of JSON (fifty 4 KiB environment values,
// escaped), so the default body limit, 1 MiB, holds it (TestLargestValidSpecIsCreated).
var options = app.Options{Kube: true, Auth: true}

// New is called by the func-go runtime.
func New() *Function { return &Function{} }

// Start wires the function from its environment.
func (f *Function) Start(_ context.Context, cfg map[string]string) error {
	return f.Init("createenv", cfg, options, func(a *app.App) http.Handler { return f.wire(a, a.Kube) })
}

// wire keeps the App and the cluster and returns the function's handler.
func (f *Function) wire(a *app.App, c creator) http.Handler {
	f.App, f.cluster = a, c
	return a.Handler(a.Authenticated(f.create), http.MethodPost)
}
