package app

import (
	"context"
	"net/http"
)

// Base carries the func-go lifecycle hooks every function shares: Stop, Ready and Alive.
// Function embeds it; a function that builds its own handler can embed Base alone and set
// App in its Start.
type Base struct {
	App *App
}

// Stop releases connections.
func (b *Base) Stop(ctx context.Context) error { return b.App.Close(ctx) }

// Ready reports whether Start has completed.
func (b *Base) Ready(context.Context) (bool, error) { return b.App != nil, nil }

// Alive reports liveness; functions hold no state that could wedge.
func (b *Base) Alive(context.Context) (bool, error) { return true, nil }

// Function is Base plus an HTTP handler wrapped in the shared middleware. An HTTP function
// embeds it and calls Init from its Start; a CloudEvents function does the same with its
// event method adapted by CloudEvents.
type Function struct {
	Base
	handler http.Handler
}

// Init builds the App and the wrapped handler; call it from Start.
func (f *Function) Init(name string, cfg map[string]string, opts Options, h http.HandlerFunc, methods ...string) error {
	a, err := New(name, cfg, opts)
	if err != nil {
		return err
	}
	f.handler = a.Handler(h, methods...)
	f.App = a
	return nil
}

// Handle serves one request.
func (f *Function) Handle(w http.ResponseWriter, r *http.Request) { f.handler.ServeHTTP(w, r) }
