package alerthandler

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/devenvs/devenvs/shared/eventfn"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestForgedAlertsChangeNothing is issue 14 item 1 against the real cluster and Redis: a pod
// posting dev.devenvs.alert.firing for another team's environment, without the event secret
// or with a guessed one, is refused 401/403; the environment keeps running and its team's
// log has no entry. The same event signed as the alert source signs it is acted on.
func TestForgedAlertsChangeNothing(t *testing.T) {
	// No warning before an idle stop, so the signed alert at the end stops at once.
	fx := fixture.New(t, noStopWarning)
	target := serve(t, fx, nil)
	name := "victim-" + randomSuffix(t)
	createEnv(t, fx, name, true)
	forge := func(id string) func() (int, []byte, error) {
		e := alertEvent(TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": name}, nil)
		e.SetID(id)
		return func() (int, []byte, error) { return fixture.PostUnsignedEvent(context.Background(), target, e) }
	}
	guessed := func(id string) func() (int, []byte, error) {
		e := alertEvent(TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": name}, nil)
		e.SetID(id)
		eventfn.Sign(&e, "guessed-secret")
		return func() (int, []byte, error) { return fixture.PostUnsignedEvent(context.Background(), target, e) }
	}
	for _, tc := range []struct {
		name string
		post func() (int, []byte, error)
		want int
	}{
		{"no secret", forge("forged-1-" + name), http.StatusUnauthorized},
		{"a guessed secret", guessed("forged-2-" + name), http.StatusForbidden},
	} {
		status, body, err := tc.post()
		if err != nil {
			t.Fatal(err)
		}
		if status != tc.want {
			t.Errorf("%s: status %d (%s), want %d", tc.name, status, body, tc.want)
		}
	}
	if got := replicas(t, fx, name); got != 1 {
		t.Errorf("after forged alerts: replicas = %d, want 1 (untouched)", got)
	}
	if events := logged(t, fx, name); len(events) != 0 {
		t.Errorf("forged alerts were logged: %+v", events)
	}

	// The same alert, signed: acted on, which shows the refusals above were the secret's doing.
	e := alertEvent(TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": name}, nil)
	e.SetID("signed-" + name)
	if status := send(t, target, e); status != http.StatusOK {
		t.Fatalf("signed alert: status %d, want 200", status)
	}
	if got := replicas(t, fx, name); got != 0 {
		t.Errorf("after the signed alert: replicas = %d, want 0", got)
	}
}

// TestStartNeedsEventSecret: without the secret the alert handler does not start, rather
// than act on anyone's events.
func TestStartNeedsEventSecret(t *testing.T) {
	err := New().Start(context.Background(), map[string]string{eventfn.TokenVar: " "})
	if err == nil || !strings.Contains(err.Error(), eventfn.TokenVar) {
		t.Errorf("Start without %s = %v, want an error naming it", eventfn.TokenVar, err)
	}
}
