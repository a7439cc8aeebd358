package alerthandler

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// serve starts a handler behind an httptest server, as func-go's HTTP runtime serves it, and
// returns its URL.
func serve(t *testing.T, fx *fixture.Fixture, extra map[string]string) string {
	t.Helper()
	return fx.Serve(t, New(), extra).URL
}

// send delivers e over HTTP in binary mode, as the Broker does, and returns the status.
func send(t *testing.T, target string, e event.Event) int {
	t.Helper()
	status, body, err := fixture.PostEvent(context.Background(), target, e)
	if err != nil {
		t.Fatal(err)
	}
	if status >= 400 {
		t.Logf("event %s: %d %s", e.ID(), status, body)
	}
	return status
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

// TestIdleAlertStopsOnceWhateverTheDeliveries delivers the same EnvIdleCPU event 100 times
// at once: 50 straight into HandleEvent and 50 over HTTP, 16 in flight (the dedup store and
// the cluster see real concurrency). Deliveries that meet the one acting on the event are
// answered 503 and retried, as the Broker retries them, until they are answered 200 as
// duplicates. The environment is scaled to 0 and exactly one action is logged.
func TestIdleAlertStopsOnceWhateverTheDeliveries(t *testing.T) {
	fx := fixture.New(t, noStopWarning)
	f := New()
	if err := f.Start(context.Background(), fx.Settings); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Stop(context.Background()) })
	target := serve(t, fx, nil)
	name := "idle-" + randomSuffix(t)
	createEnv(t, fx, name, true)

	e := alertEvent(TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": name}, nil)
	e.SetID("idle-" + name)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		forEach(t, 50, 50, func(int) error { return handleRetrying(f, e) })
	}()
	go func() {
		defer wg.Done()
		forEach(t, 50, 16, func(int) error { return deliverRetrying(context.Background(), target, e) })
	}()
	wg.Wait()
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
	target := serve(t, fx, nil)
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
	fx := fixture.New(t, noStopWarning)
	name := "retry-" + randomSuffix(t)
	createEnv(t, fx, name, true)
	broken := serve(t, fx, map[string]string{"KUBECONFIG": brokenKubeconfig(t)})
	healthy := serve(t, fx, nil)

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

// TestRetryWhileActingIsNotAcknowledged is the lost alert of a dedup key that meant "seen":
// a delivery claims an event and is still acting on it (its apiserver holds the request)
// when the Broker's retry reaches another replica, and then the first delivery fails. The
// retry must not be answered 200 as a duplicate, or nobody delivers the event again: it is
// answered 503, and the redelivery after the failure acts.
func TestRetryWhileActingIsNotAcknowledged(t *testing.T) {
	fx := fixture.New(t, noStopWarning)
	name := "stall-" + randomSuffix(t)
	createEnv(t, fx, name, true)
	kubeconfig, arrived, release := stallingKubeconfig(t)
	defer release()
	stalled := serve(t, fx, map[string]string{"KUBECONFIG": kubeconfig})
	healthy := serve(t, fx, nil)

	e := alertEvent(TypeFiring, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": name}, nil)
	e.SetID("stall-" + name)
	first := make(chan int, 1)
	go func() {
		status, body, err := fixture.PostEvent(context.Background(), stalled, e)
		if err != nil {
			t.Error(err)
		}
		t.Logf("first delivery: %d %s", status, body)
		first <- status
	}()
	select {
	case <-arrived: // claimed, and acting
	case status := <-first:
		t.Fatalf("first delivery answered %d before reaching the apiserver", status)
	}

	if got := send(t, healthy, e); got != http.StatusServiceUnavailable {
		t.Errorf("retry while the first delivery acts: status %d, want 503 (a 200 acknowledges an event nobody may act on)", got)
	}
	release()
	if got := <-first; got != http.StatusServiceUnavailable {
		t.Errorf("first delivery, failed by the apiserver: status %d, want 503", got)
	}
	if got := replicas(t, fx, name); got != 1 {
		t.Fatalf("replicas before the redelivery = %d, want 1 (nothing acted yet)", got)
	}
	if got := send(t, healthy, e); got != http.StatusOK {
		t.Fatalf("redelivery after the failure: status %d, want 200", got)
	}
	if got := send(t, healthy, e); got != http.StatusOK {
		t.Fatalf("duplicate after the redelivery: status %d, want 200", got)
	}
	if got := replicas(t, fx, name); got != 0 {
		t.Errorf("replicas after the redelivery = %d, want 0", got)
	}
	if events := logged(t, fx, name); len(events) != 1 || events[0].Action != "idle-stop" || events[0].Outcome != eventlog.OutcomeSuccess {
		t.Errorf("logged %+v, want one successful idle-stop", events)
	}
}
