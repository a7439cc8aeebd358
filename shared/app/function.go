package app

import (
	"net/http"

	"github.com/devenvs/devenvs/shared/lifecycle"
)

// Function is the lifecycle (lifecycle.Function: 503 until Start has finished) plus the App
// a handler reads. An HTTP function embeds it and calls Init from its Start; a CloudEvents
// function does the same with its event method adapted by eventfn.Handler.
type Function struct {
	lifecycle.Function
	App *App
}

// Init builds the App, then the handler with build (which keeps what it needs of the App and
// returns App.Handler of its routes), and publishes it; call it from Start.
func (f *Function) Init(name string, cfg map[string]string, opts Options, build func(*App) http.Handler) error {
	a, err := New(name, cfg, opts)
	if err != nil {
		return err
	}
	f.App = a
	f.Publish(build(a), a.Close)
	return nil
}
