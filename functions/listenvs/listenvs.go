// Package listenvs is the function behind the environment list: GET answers the caller's
// environments (optionally one team's) with status and requested/used resources, plus the
// latest events of the activity log. It answers in pages (page.go) and makes three API calls
// per team a page touches, whatever the number of environments.
package listenvs

import (
	"context"
	"net/http"
	"sync"

	"github.com/devenvs/devenvs/shared/app"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/rightsize"
)

// Function is a func-go instanced function.
type Function struct {
	app.Function
	// source is the Prometheus client of the right-sizing advice (recommend.go).
	sourceOnce sync.Once
	source     *rightsize.Source
	cluster    lister
}

// lister is what a list needs of the cluster: kube.Client, or a double in unit tests.
type lister interface {
	List(ctx context.Context, ns string, page kube.Page) (*kube.Snapshot, error)
	LogTail(ctx context.Context, ns, pod, container string, lines int) (string, error)
}

var options = app.Options{Kube: true, Auth: true}

// New is called by the func-go runtime.
func New() *Function { return &Function{} }

// Start wires the function from its environment.
func (f *Function) Start(_ context.Context, cfg map[string]string) error {
	return f.Init("listenvs", cfg, options, func(a *app.App) http.Handler { return f.wire(a, a.Kube) })
}

// wire keeps the App and the cluster and returns the function's handler.
func (f *Function) wire(a *app.App, c lister) http.Handler {
	f.App, f.cluster = a, c
	return a.Handler(a.Authenticated(f.list), http.MethodGet)
}
