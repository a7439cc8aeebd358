package app

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"

	"github.com/devenvs/devenvs/shared/httpx"
)

// Base carries the func-go lifecycle hooks every function shares: Stop, Ready and Alive.
// Function embeds it.
type Base struct {
	App *App
	// ready is set once Start has built App; func-go asks Ready from another goroutine.
	ready atomic.Bool
}

// Stop releases connections.
func (b *Base) Stop(ctx context.Context) error {
	b.ready.Store(false)
	return b.App.Close(ctx)
}

// Ready reports whether Start has completed.
func (b *Base) Ready(context.Context) (bool, error) { return b.ready.Load(), nil }

// Alive reports liveness; functions hold no state that could wedge.
func (b *Base) Alive(context.Context) (bool, error) { return true, nil }

// Function is Base plus an HTTP handler wrapped in the shared middleware. An HTTP function
// embeds it and calls Init from its Start; a CloudEvents function does the same with its
// event method adapted by eventfn.Handler.
//
// func-go calls Start in its own goroutine while its server already answers requests, so
// the handler is published through an atomic pointer, stored after App: a request that
// finds it sees App complete (the store happens before the load that observes it), and one
// that arrives before is answered 503, which Knative's queue and callers retry.
type Function struct {
	Base
	handler atomic.Pointer[http.Handler]
}

// Init builds the App and the wrapped handler; call it from Start.
func (f *Function) Init(name string, cfg map[string]string, opts Options, h http.HandlerFunc, methods ...string) error {
	a, err := New(name, cfg, opts)
	if err != nil {
		return err
	}
	handler := a.Handler(h, methods...)
	f.App = a
	f.handler.Store(&handler)
	f.ready.Store(true)
	return nil
}

// errStarting answers requests that arrive before Start has finished.
var errStarting = errors.New("the function is starting: retry shortly")

// Handle serves one request, or 503 until Init has run.
func (f *Function) Handle(w http.ResponseWriter, r *http.Request) {
	h := f.handler.Load()
	if h == nil {
		w.Header().Set("Retry-After", "1")
		httpx.WriteError(w, r, http.StatusServiceUnavailable, errStarting)
		return
	}
	(*h).ServeHTTP(w, r)
}
