package alerthandler

import (
	"context"
	"net/http"
	"sync"
	"testing"

	cloudevents "github.com/cloudevents/sdk-go/v2"
	"github.com/cloudevents/sdk-go/v2/event"
	"github.com/cloudevents/sdk-go/v2/protocol"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testenv/fixture"
)

// serveCE starts a handler behind the CloudEvents HTTP binding, as func-go does.
func serveCE(t *testing.T, fx *fixture.Fixture, extra map[string]string) string {
	t.Helper()
	return fx.ServeCloudEvents(t, New(), extra)
}

// send delivers e and returns the HTTP status the handler answered.
func send(t *testing.T, target string, e event.Event) int {
	t.Helper()
	c, err := cloudevents.NewClientHTTP()
	if err != nil {
		t.Fatal(err)
	}
	res := c.Send(cloudevents.ContextWithTarget(context.Background(), target), e)
	var hr *cehttp.Result
	if protocol.ResultAs(res, &hr) {
		return hr.StatusCode
	}
	t.Fatalf("send: %v", res)
	return 0
}

func createEnv(t *testing.T, fx *fixture.Fixture, name string, idleStop bool) {
	t.Helper()
	srv := fx.Serve(t, createenv.New(), nil)
	spec := map[string]any{"team": "alpha", "name": name, "idleStop": idleStop, "sshPublicKeys": []string{fixture.SSHKey}}
	if status, body := fixture.Do(t, http.MethodPost, srv.URL, "alice", spec); status != http.StatusCreated {
		t.Fatalf("create %s: %d %s", name, status, body)
	}
}

func replicas(t *testing.T, fx *fixture.Fixture, name string) int32 {
	t.Helper()
	d, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return *d.Spec.Replicas
}

func logged(t *testing.T, fx *fixture.Fixture, envName string) []eventlog.Event {
	t.Helper()
	all, err := fx.EventLog(t).Latest(context.Background(), "alpha", 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []eventlog.Event
	for _, e := range all {
		if e.Env == envName && e.Actor != "alice" {
			out = append(out, e)
		}
	}
	return out
}

// TestIdleAlertStopsOnceWhateverTheDeliveries delivers the same EnvIdleCPU event 100 times:
// 50 at once straight into Handle (the dedup store and the cluster see real concurrency)
// and 50 one after another over the CloudEvents HTTP binding. The environment is scaled to
// 0 and exactly one action is logged.
//
// The HTTP deliveries are sequential because the SDK's receive handler, which func-go
// serves CloudEvents functions with, can wedge under concurrent requests
// (cloudevents/sdk-go#1224); the chart runs the handler with containerConcurrency 1.
func TestIdleAlertStopsOnceWhateverTheDeliveries(t *testing.T) {
	fx := fixture.New(t, nil)
	f := New()
	if err := f.Start(context.Background(), fx.Env); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Stop(context.Background()) })
	target := serveCE(t, fx, nil)
	name := "idle-" + randomSuffix(t)
	createEnv(t, fx, name, true)

	e := alertEvent(TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": name}, nil)
	e.SetID("idle-" + name)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.Handle(context.Background(), e); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a concurrent delivery failed: %v", err)
	}
	for i := range 50 {
		if c := send(t, target, e); c != http.StatusOK {
			t.Fatalf("HTTP delivery %d got status %d", i, c)
		}
	}
	if got := replicas(t, fx, name); got != 0 {
		t.Errorf("replicas = %d, want 0", got)
	}
	events := logged(t, fx, name)
	if len(events) != 1 || events[0].Action != "idle-stop" || events[0].Outcome != eventlog.OutcomeSuccess {
		t.Errorf("logged %+v, want one successful idle-stop", events)
	}
}

func TestAlertOutcomes(t *testing.T) {
	fx := fixture.New(t, nil)
	target := serveCE(t, fx, nil)
	optedOut := "keep-" + randomSuffix(t)
	createEnv(t, fx, optedOut, false)
	mem := "mem-" + randomSuffix(t)
	createEnv(t, fx, mem, true)

	tests := []struct {
		name        string
		typ         string
		ext         map[string]string
		wantStatus  int
		wantOutcome string
	}{
		{"opted out of idle stop", TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": optedOut}, 200, eventlog.OutcomeIgnored},
		{"environment gone", TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": "never-existed"}, 200, eventlog.OutcomeIgnored},
		{"memory above request", TypeFiring, map[string]string{"alertname": AlertHighMemVsRequest, "team": "alpha", "env": mem}, 200, eventlog.OutcomeSuccess},
		{"resolved", TypeResolved, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": mem}, 200, eventlog.OutcomeSuccess},
		{"poison: wrong type", "com.example.other", map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": mem}, 400, ""},
		{"poison: unknown team", TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "gamma", "env": mem}, 400, ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := alertEvent(tc.typ, tc.ext, nil)
			e.SetID(randomSuffix(t) + string(rune('a'+i)))
			if got := send(t, target, e); got != tc.wantStatus {
				t.Fatalf("status %d, want %d", got, tc.wantStatus)
			}
		})
	}
	if got := replicas(t, fx, optedOut); got != 1 {
		t.Errorf("opted-out environment was scaled to %d", got)
	}
	if ev := logged(t, fx, optedOut); len(ev) != 1 || ev[0].Outcome != eventlog.OutcomeIgnored {
		t.Errorf("opted-out log = %+v", ev)
	}
	d, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).Get(context.Background(), mem, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Annotations[env.MemoryWarningAnnotation] == "" {
		t.Errorf("memory warning annotation missing: %v", d.Annotations)
	}
}

// TestTransientFailureIsRetried sends an alert while the handler cannot reach the cluster
// (5xx, so the Broker retries), then delivers the same event to a healthy handler sharing
// the dedup store: the retry is acted on, not dropped as a duplicate.
func TestTransientFailureIsRetried(t *testing.T) {
	fx := fixture.New(t, nil)
	name := "retry-" + randomSuffix(t)
	createEnv(t, fx, name, true)
	broken := serveCE(t, fx, map[string]string{"KUBECONFIG": brokenKubeconfig(t)})
	healthy := serveCE(t, fx, nil)

	e := alertEvent(TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": name}, nil)
	e.SetID("retry-" + name)
	if got := send(t, broken, e); got < 500 {
		t.Fatalf("with the cluster unreachable: status %d, want 5xx", got)
	}
	if got := send(t, healthy, e); got != http.StatusOK {
		t.Fatalf("retry: status %d", got)
	}
	if got := replicas(t, fx, name); got != 0 {
		t.Errorf("replicas after retry = %d, want 0", got)
	}
}
