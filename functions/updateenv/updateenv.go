// Package updateenv is the function that changes a running environment: PATCH
// /{team}/{name} with {"action": "stop" | "start" | "extend" | "resize", ...}. Stop keeps the
// home volume; extend and resize stay within the team's limits.
package updateenv

import (
	"context"
	"net/http"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/devenvs/devenvs/shared/app"
)

// Function is a func-go instanced function.
type Function struct {
	app.Function
	cluster updater
}

// updater is what an update needs of the cluster: kube.Client, or a double in unit tests.
type updater interface {
	Update(ctx context.Context, ns, name string, change func(*appsv1.Deployment) (bool, error)) (*appsv1.Deployment, error)
	Start(ctx context.Context, ns, name string, change func(*appsv1.Deployment) (bool, error)) (*appsv1.Deployment, error)
	Resize(ctx context.Context, ns, name string, set func(*corev1.ResourceRequirements) (bool, error)) (*appsv1.Deployment, error)
	Pods(ctx context.Context, ns, selector string) ([]corev1.Pod, error)
}

// options: an update is one action and a few values, so 4 KiB bounds its body.
var options = app.Options{Kube: true, Auth: true, MaxBodyBytes: 4 << 10}

// New is called by the func-go runtime.
func New() *Function { return &Function{} }

// Start wires the function from its environment.
func (f *Function) Start(_ context.Context, cfg map[string]string) error {
	return f.Init("updateenv", cfg, options, func(a *app.App) http.Handler { return f.wire(a, a.Kube) })
}

// wire keeps the App and the cluster and returns the function's handler. POST stands in for
// PATCH for callers that cannot send it (`func invoke`).
func (f *Function) wire(a *app.App, c updater) http.Handler {
	f.App, f.cluster = a, c
	return a.Handler(a.Targeted(f.update), http.MethodPatch, http.MethodPost)
}
