package prometheus

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/functions/alerthandler"
	"github.com/devenvs/devenvs/functions/alertsource"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// The warning path's timings in the test copy of the rules: the warning fires 5 s into the
// idle period, the stop 25 s in, and the team asks for 10 s of notice. The handler must
// stop only after the warning, and only once the notice has run.
const (
	warnFor    = "5s"
	stopFor    = "25s"
	testNotice = 10 * time.Second
)

// TestIdleWarningThenStopThroughAlertmanager is the warn-then-stop path on real parts: the
// rules in a real Prometheus over kube-state-metrics and KWOK usage, a real Alertmanager,
// the event source and the alert handler (in-process, the handler standing in for the
// Broker's subscriber) and the local cluster and Redis. An idle environment is warned in
// the activity log (with the numbers and the ways out) and annotated while still running,
// and stopped afterwards, not before the team's notice has run.
func TestIdleWarningThenStopThroughAlertmanager(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-state-metrics, Prometheus and Alertmanager against the local cluster")
	}
	lookPrometheus(t)
	kubeStateMetricsBinary(t)
	fx := fixture.New(t, func(c *config.Config) {
		n := config.Duration(testNotice)
		c.Teams[0].StopWarning = &n
	})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	team, _ := fx.Config.Team("alpha")
	ns := team.Namespace
	const idle = "idle"
	createEnv(ctx, t, fx.Kube, fx.Config, team, idle, map[string]string{usageCPU: idleCPU, usageMemory: "100Mi"})
	waitRunning(ctx, t, fx.Clientset, ns, idle)

	am := startEventPath(ctx, t, fx)

	startStack(ctx, t, fx.Clientset, ns, []string{idle}, stackOptions{fors: map[string]string{"EnvIdleCPUWarning": warnFor, "EnvIdleCPU": stopFor}, alertmanager: am})
	loaded := time.Now()

	log := fx.EventLog(t)
	var warning *eventlog.Event
	var warnedSeen, stoppedSeen time.Time
	for stoppedSeen.IsZero() {
		if ctx.Err() != nil || time.Since(loaded) > 150*time.Second {
			t.Fatalf("no idle stop within 150s of loading the rules; warning %+v", warning)
		}
		events, err := log.Latest(ctx, "alpha", 100)
		if err != nil {
			t.Fatal(err)
		}
		d, err := fx.Clientset.AppsV1().Deployments(ns).Get(ctx, idle, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i := len(events) - 1; i >= 0; i-- { // oldest first
			e := events[i]
			if e.Env != idle {
				continue
			}
			switch {
			case e.Action == eventlog.ActionIdleWarning && e.Outcome == eventlog.OutcomeSuccess && warning == nil:
				warning, warnedSeen = &e, time.Now()
				if *d.Spec.Replicas != 1 {
					t.Fatalf("the warning was logged only when the environment was already stopped")
				}
				if d.Annotations[env.IdleWarnedAnnotation] == "" {
					t.Errorf("warned, but the Deployment has no %s annotation for the UI", env.IdleWarnedAnnotation)
				}
				t.Logf("warning %.1fs after the rules were loaded: %s", time.Since(loaded).Seconds(), e.Reason)
			case e.Action == eventlog.ActionIdleStop && e.Outcome == eventlog.OutcomeSuccess:
				if warning == nil {
					t.Fatalf("stopped without a prior warning: %+v", events)
				}
				if *d.Spec.Replicas != 0 {
					continue // logged between the two reads above
				}
				stoppedSeen = time.Now()
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("stopped %.1fs after the warning was seen", stoppedSeen.Sub(warnedSeen).Seconds())
	if gap := stoppedSeen.Sub(warnedSeen); gap < testNotice-time.Second {
		t.Errorf("stopped %s after the warning, before the team's %s notice", gap, testNotice)
	}
	reason := strings.Join(strings.Fields(warning.Reason), " ")
	for _, part := range []string{"EnvIdleCPUWarning firing", "cores used of 1.000 requested", "use it", `"idleStop":false`, "will be stopped"} {
		if !strings.Contains(reason, part) {
			t.Errorf("warning %q lacks %q", reason, part)
		}
	}
}

// startEventPath serves the alert handler over the fixture and the event source sending to
// it, and starts a real Alertmanager whose webhook is that source; it returns Alertmanager's URL.
func startEventPath(ctx context.Context, t *testing.T, fx *fixture.Fixture) string {
	t.Helper()
	handler := fx.Serve(t, alerthandler.New(), nil)
	const token = "prometheus-e2e-token"
	src := alertsource.New()
	if err := src.Start(ctx, map[string]string{"K_SINK": handler.URL, "DEVENVS_ALERTSOURCE_TOKEN": token, "DEVENVS_EVENT_TOKEN": fixture.EventSecret}); err != nil {
		t.Fatal(err)
	}
	srcSrv := httptest.NewServer(http.HandlerFunc(src.Handle))
	t.Cleanup(func() { srcSrv.Close(); _ = src.Stop(context.Background()) })
	return testbed.Alertmanager(t, srcSrv.URL, token)
}
