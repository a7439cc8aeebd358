// Package createenv is the function that launches an environment: POST a JSON Spec, get 201
// and the environment, or a 4xx that names the field and the rule. Nothing is left behind
// when a create fails.
package createenv

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
	return f.Init("createenv", cfg, app.Options{Kube: true, Auth: true}, f.create, http.MethodPost)
}
