package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/devenvs/devenvs/functions/alerthandler"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/sshgateway"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestIdleRuleHonoursSSHInput: with the team's sshInputWindow at 20 s and the gateway's
// input interval at 2 s, an EnvIdleCPU alert does not stop an environment someone is
// typing into ("not stopped: SSH input N s ago"), and does stop one whose only connection
// is open but untouched (keepalives every second, no input) once the window has passed,
// saying how long there was no input.
func TestIdleRuleHonoursSSHInput(t *testing.T) {
	window := config.Duration(20 * time.Second)
	s := newStack(t, func(c *config.Config) {
		for i := range c.Teams {
			c.Teams[i].SSHInputWindow = &window
			c.Teams[i].StopWarning = new(config.Duration) // stop at the first alert: no notice
		}
	}, func(srv *sshgateway.Server) { srv.InputInterval = 2 * time.Second })
	handler := s.fx.Serve(t, alerthandler.New(), nil).URL
	k := newKey(t, "alice@laptop")
	s.createEnv(t, "alice", "alpha", "idle", k.Public)
	s.waitPhase(t, "alice", "alpha", "idle", env.PhaseRunning)

	alert := func(id string) {
		t.Helper()
		e := event.New()
		// Unique per run: the dedup store outlives the test, and a done id is ignored.
		e.SetID(id + "-" + strconv.FormatInt(time.Now().UnixNano(), 36))
		e.SetSource("test/alertsource")
		e.SetType("dev.devenvs.alert.firing")
		data, _ := json.Marshal(map[string]any{
			"status": "firing", "startsAt": time.Now().Add(-30 * time.Minute).UTC(),
			"labels":      map[string]string{"alertname": "EnvIdleCPU", "team": "alpha", "env": "idle", "namespace": s.fx.Namespace("alpha")},
			"annotations": map[string]string{"summary": "idle", "description": "2% of 1 CPU for 30 min."},
		})
		_ = e.SetData("application/json", data)
		status, body, err := fixture.PostEvent(context.Background(), handler, e)
		if err != nil || status != http.StatusOK {
			t.Fatalf("alert %s: %d %s %v", id, status, body, err)
		}
	}

	// Someone typing: a session whose stdin gets a line every 300 ms.
	typing := exec.Command("ssh", "-F", s.sshConfig(t, k), "-J", s.jump("idle.alpha"), "dev@idle.alpha", "cat > /dev/null")
	in, err := typing.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := typing.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = typing.Process.Kill() })
	stopTyping, typed := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(typed)
		for i := 0; ; i++ {
			_, _ = io.WriteString(in, fmt.Sprintf("ls -la %d\n", i))
			select {
			case <-stopTyping:
				return
			case <-time.After(300 * time.Millisecond):
			}
		}
	}()
	// The alert comes once the gateway has recorded the typing: the session through the jump
	// host takes a few seconds to open on a loaded machine, and input is recorded every 2 s.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		last, ok, err := s.input.Last(context.Background(), s.fx.Namespace("alpha"), "idle")
		if err == nil && ok && time.Since(last) < 5*time.Second {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway recorded no input from the typing session: last %v, ok %v, err %v", last, ok, err)
		}
	}
	alert("typing")
	ev := s.waitEvent(t, "alpha", eventlog.ActionIdleStop, "not stopped: SSH input ")
	if ev.Outcome != eventlog.OutcomeIgnored || !strings.Contains(ev.Reason, "team alpha keeps environments with SSH input in the last 20s") {
		t.Errorf("idle decision with input = %+v", ev)
	}
	if e := s.environment(t, "alice", "alpha", "idle"); e.Replicas != 1 {
		t.Fatalf("stopped although someone was typing: %+v", e)
	}
	close(stopTyping)
	<-typed
	_ = in.Close()
	_ = typing.Wait()

	// An open, untouched connection: OpenSSH keepalives every second, nothing typed.
	idle := exec.Command("ssh", "-F", s.sshConfig(t, k, "    ServerAliveInterval 1"), "-J", s.jump("idle.alpha"), "dev@idle.alpha", "sleep 120")
	if err := idle.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = idle.Process.Kill(); _ = idle.Wait() }()
	time.Sleep(time.Duration(window) + 6*time.Second)
	last, ok, err := s.input.Last(context.Background(), s.fx.Namespace("alpha"), "idle")
	if err != nil || !ok || time.Since(last) < time.Duration(window) {
		t.Fatalf("the untouched connection counted as input: last %v (%s ago), ok %v, err %v", last, time.Since(last), ok, err)
	}
	alert("untouched")
	ev = s.waitEvent(t, "alpha", eventlog.ActionIdleStop, "(stopped: ")
	if !strings.Contains(ev.Reason, "2% of 1 CPU for 30 min, no SSH input for ") || !strings.Contains(ev.Reason, "home kept") {
		t.Errorf("idle stop entry = %+v", ev)
	}
	s.waitPhase(t, "alice", "alpha", "idle", env.PhaseStopped)
}
