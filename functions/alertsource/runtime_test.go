package alertsource

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	fhttp "knative.dev/func-go/http"

	"github.com/devenvs/devenvs/shared/eventfn"
)

// freeAddr returns a loopback address nothing listens on right now. func-go takes its listen
// address only from LISTEN_ADDRESS, so the port has to be chosen before it starts.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer l.Close()
	return l.Addr().String()
}

// funcRun is one func-go service run.
type funcRun struct {
	base   string
	cancel context.CancelFunc
	done   chan struct{} // closed when Start returned; err is then set
	err    error
}

// wait returns Start's result, failing the test if it does not return in time.
func (r *funcRun) wait(t *testing.T) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(waitTimeout):
		t.Fatalf("func-go runtime still running after %s", waitTimeout)
		return nil
	}
}

// startRuntime runs f under the func-go HTTP runtime, exactly as cmd/alertsource does.
func startRuntime(t *testing.T, f *Function) *funcRun {
	t.Helper()
	addr := freeAddr(t)
	t.Setenv("LISTEN_ADDRESS", addr)
	ctx, cancel := context.WithCancel(context.Background())
	r := &funcRun{base: "http://" + addr, cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = fhttp.New(f).Start(ctx)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(waitTimeout):
			t.Error("func-go runtime did not stop")
		}
	})
	return r
}

// TestRuntime serves the function through knative.dev/func-go: configuration comes from the
// environment, readiness follows Start, and a webhook goes through to a real receiver.
func TestRuntime(t *testing.T) {
	rcv := startReceiver(t)
	t.Setenv(SinkVar, rcv.URL)
	t.Setenv(TokenVar, testToken)
	t.Setenv(eventfn.TokenVar, testEventSecret)
	rt := startRuntime(t, newFunction(discardLogger()))
	base := rt.base

	deadline := time.Now().Add(waitTimeout)
	for {
		resp, err := http.Get(base + "/health/readiness")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready within %s (last error %v)", waitTimeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}

	data, err := readExample()
	if err != nil {
		t.Fatal(err)
	}
	resp, text := post(t, base+"/", testToken, data)
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(text) != `{"sent":1}` {
		t.Fatalf("POST example.json: %d %s, want 200 {\"sent\":1}", resp.StatusCode, text)
	}
	e := rcv.next(t)
	if e.Type() != TypeFiring || e.Extensions()[ExtTeam] != "alpha" || e.Extensions()[ExtEnv] != "demo" {
		t.Errorf("received %s with extensions %v, want %s for alpha/demo", e.Type(), e.Extensions(), TypeFiring)
	}
	// The alert handler refuses events without the shared secret (eventfn.Token).
	if got := e.Extensions()[eventfn.TokenExtension]; got != testEventSecret {
		t.Errorf("event carries %s=%v, want the configured event secret", eventfn.TokenExtension, got)
	}

	rt.cancel()
	if err := rt.wait(t); err != nil {
		t.Errorf("runtime stopped with %v, want nil", err)
	}
}

// TestRuntimeFailsWithoutConfig checks the process would exit (and the pod crash-loop with a
// reason) rather than run without a sink or token.
func TestRuntimeFailsWithoutConfig(t *testing.T) {
	t.Setenv(SinkVar, "")
	t.Setenv(TokenVar, testToken)
	t.Setenv(eventfn.TokenVar, testEventSecret)
	rt := startRuntime(t, newFunction(discardLogger()))
	if err := rt.wait(t); err == nil || !strings.Contains(err.Error(), SinkVar) {
		t.Errorf("runtime returned %v, want an error naming %s", err, SinkVar)
	}
}
