// Package lifecycle is the func-go lifecycle every function shares: answer 503 until Start
// has published the handler, Ready from then on, release resources on Stop. It depends on
// httpx alone, so a function that needs no Kubernetes, Redis or OIDC (the UI) links none.
package lifecycle

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/devenvs/devenvs/shared/httpx"
)

// Function is embedded by every function. func-go calls Start in its own goroutine while its
// server already answers requests, so everything a handler reads is built before Publish
// stores the handler atomically: a request that finds it sees that state complete, one that
// arrives before is answered 503, which Knative's queue and callers retry.
type Function struct {
	served atomic.Pointer[served]
}

type served struct {
	handler http.Handler
	close   func(context.Context) error
}

// Publish makes h the function's handler and close what Stop runs; call it last in Start.
func (f *Function) Publish(h http.Handler, close func(context.Context) error) {
	f.served.Store(&served{handler: h, close: close})
}

// errStarting answers requests that arrive before Start has finished.
var errStarting = errors.New("the function is starting: retry shortly")

// Handle serves one request, or 503 until Publish.
func (f *Function) Handle(w http.ResponseWriter, r *http.Request) {
	s := f.served.Load()
	if s == nil {
		w.Header().Set("Retry-After", "1")
		httpx.WriteError(w, r, http.StatusServiceUnavailable, errStarting)
		return
	}
	s.handler.ServeHTTP(w, r)
}

// Stop makes the function unready and releases what Publish was given.
func (f *Function) Stop(ctx context.Context) error {
	s := f.served.Swap(nil)
	if s == nil || s.close == nil {
		return nil
	}
	return s.close(ctx)
}

// Ready reports whether Start has published the handler.
func (f *Function) Ready(context.Context) (bool, error) { return f.served.Load() != nil, nil }

// Alive reports liveness; functions hold no state that could wedge.
func (f *Function) Alive(context.Context) (bool, error) { return true, nil }
