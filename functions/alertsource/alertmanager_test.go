package alertsource

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/devenvs/devenvs/shared/testbed"
)

// nextOfType waits for an event of type typ, skipping others (a webhook retry may repeat one).
func (r *receiver) nextOfType(t *testing.T, typ string) event.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	for {
		select {
		case e := <-r.events:
			if e.Type() == typ {
				return e
			}
		case <-ctx.Done():
			t.Fatalf("no %s event within %s", typ, waitTimeout)
		}
	}
}

// TestAlertmanagerEndToEnd: a real Alertmanager notifies the function through its webhook
// (bearer token from http_config), and the function's CloudEvents reach a real receiver:
// first firing, then, after the alert is resolved, resolved with a different id.
func TestAlertmanagerEndToEnd(t *testing.T) {
	rcv := startReceiver(t)
	_, fn, _ := startFunction(t, rcv.URL) // an httptest server on 127.0.0.1
	am := testbed.Alertmanager(t, fn.URL, testToken)

	labels := map[string]string{
		"alertname": "EnvIdleCPU", "team": "alpha", "env": "demo",
		"namespace": "devenvs-alpha", "severity": "info",
	}
	annotations := map[string]string{"summary": "Environment alpha/demo has been idle for 30 minutes."}
	startsAt := time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)
	testbed.PostAlert(t, am, labels, annotations, startsAt, time.Time{})

	firing := rcv.nextOfType(t, TypeFiring)
	checkAlertEvent(t, firing, am, StatusFiring, startsAt)

	testbed.PostAlert(t, am, labels, annotations, startsAt, time.Now().Add(-time.Second))
	resolved := rcv.nextOfType(t, TypeResolved)
	checkAlertEvent(t, resolved, am, StatusResolved, startsAt)
	if resolved.ID() == firing.ID() {
		t.Errorf("resolved event reuses the firing id %s", firing.ID())
	}
}

func checkAlertEvent(t *testing.T, e event.Event, am, status string, startsAt time.Time) {
	t.Helper()
	var data AlertData
	if err := json.Unmarshal(e.Data(), &data); err != nil {
		t.Fatalf("event data: %v", err)
	}
	ext := e.Extensions()
	checks := []struct {
		what      string
		got, want any
	}{
		{"team", ext[ExtTeam], "alpha"},
		{"env", ext[ExtEnv], "demo"},
		{"alertname", ext[ExtAlertname], "EnvIdleCPU"},
		{"namespace", ext[ExtNamespace], "devenvs-alpha"},
		{"severity", ext[ExtSeverity], "info"},
		{"subject", e.Subject(), "EnvIdleCPU"},
		{"source", e.Source(), am + "/#/receivers/devenvs"},
		{"data.status", data.Status, status},
		{"data.startsAt", data.StartsAt.UTC(), startsAt},
		// The id is the one this alert (fingerprint, status, startsAt) must always get.
		{"id", e.ID(), EventID(data.Fingerprint, status, startsAt)},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s event: %s = %v, want %v", status, c.what, c.got, c.want)
		}
	}
	if data.Fingerprint == "" {
		t.Errorf("%s event: data has no fingerprint", status)
	}
}
