package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// TestRequestsDuringStart is issue 14 item 9, meant for `go test -race`: func-go serves
// requests while Start still runs, so requests race Init. Each is answered 503 (before) or
// by the handler (after), never a nil dereference, and Ready turns true only with the
// handler in place. Under -race, the old plain fields made this a reported data race.
func TestRequestsDuringStart(t *testing.T) {
	for round := range 20 {
		f := &Function{}
		var served, starting atomic.Int32
		var wg sync.WaitGroup
		stop := make(chan struct{})
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					ready, _ := f.Ready(context.Background())
					w := httptest.NewRecorder()
					f.Handle(w, httptest.NewRequest(http.MethodGet, "/", nil))
					switch w.Code {
					case http.StatusNoContent:
						served.Add(1)
					case http.StatusServiceUnavailable:
						starting.Add(1)
						if ready {
							t.Errorf("round %d: Ready was true, yet the request was answered 503", round)
						}
					default:
						t.Errorf("round %d: status %d", round, w.Code)
					}
				}
			}()
		}
		err := f.Init("starttest", map[string]string{}, Options{}, func(a *App) http.Handler {
			return a.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = f.App.Name // what a handler reads: must be visible, complete
				w.WriteHeader(http.StatusNoContent)
			}), http.MethodGet)
		})
		if err != nil {
			t.Fatal(err)
		}
		for served.Load() == 0 {
			runtime.Gosched()
		}
		close(stop)
		wg.Wait()
		if ready, _ := f.Ready(context.Background()); !ready {
			t.Fatal("not Ready after Start")
		}
		_ = f.Stop(context.Background())
		if ready, _ := f.Ready(context.Background()); ready {
			t.Error("Ready after Stop")
		}
	}
}
