package alerthandler

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/devenvs/devenvs/functions/alertsource"
	"github.com/devenvs/devenvs/shared/eventfn"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestAlertmanagerToStoppedEnvironment is the idle path end to end on this machine: a real
// Alertmanager receives an EnvIdleCPU alert and calls the event source's webhook; the event
// source sends a CloudEvent over HTTP to the alert handler (standing in for the Broker); the
// environment on the local cluster is scaled to 0 and the action is in Redis.
func TestAlertmanagerToStoppedEnvironment(t *testing.T) {
	fx := fixture.New(t, noStopWarning)
	name := "e2e-" + randomSuffix(t)
	createEnv(t, fx, name, true)
	handler := serve(t, fx, nil)

	const token = "e2e-alertsource-token"
	src := alertsource.New()
	if err := src.Start(context.Background(), map[string]string{"K_SINK": handler, "DEVENVS_ALERTSOURCE_TOKEN": token, eventfn.TokenVar: fixture.EventSecret}); err != nil {
		t.Fatal(err)
	}
	srcSrv := httptest.NewServer(httpHandler(src))
	t.Cleanup(func() { srcSrv.Close(); _ = src.Stop(context.Background()) })
	am := testbed.Alertmanager(t, srcSrv.URL, token)

	labels := map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": name, "severity": "info"}
	testbed.PostAlert(t, am, labels, map[string]string{"summary": "idle for 30m"}, time.Now().Add(-time.Minute), time.Time{})

	// The handler scales the environment first and records the action after: wait for both.
	var events []eventlog.Event
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		events = logged(t, fx, name)
		return replicas(t, fx, name) == 0 && len(events) > 0, nil
	})
	if err != nil {
		t.Fatalf("environment %s was not scaled to 0 and logged after the alert: events %+v", name, events)
	}
	if len(events) != 1 || events[0].Action != "idle-stop" || events[0].Outcome != eventlog.OutcomeSuccess || events[0].Actor != "alert:"+AlertIdleCPU {
		t.Errorf("event log = %+v, want one idle-stop by the alert", events)
	}
}
