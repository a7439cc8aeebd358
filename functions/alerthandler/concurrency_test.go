package alerthandler

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	cehttp "github.com/cloudevents/sdk-go/v2/protocol/http"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// burst is one EnvIdleCPU and one EnvHighMemVsRequest event per environment, in random order
// so that the two events of an environment are often in flight together. The ids are new on
// every run: the dedup store in Redis outlives test runs.
func burst(t *testing.T, names []string, prefix string) []event.Event {
	prefix += randomSuffix(t) + "-"
	var out []event.Event
	for _, name := range names {
		for _, alertname := range []string{AlertIdleCPU, AlertHighMemVsRequest} {
			e := alertEvent(TypeFiring, map[string]string{"alertname": alertname, "team": "alpha", "env": name}, nil)
			e.SetID(prefix + alertname + "-" + name)
			out = append(out, e)
		}
	}
	rand.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// wantActed checks that every environment is stopped and annotated, and that the event log
// (perID, from loggedByID) holds exactly one entry per event with that event's action and
// nothing else.
func wantActed(t *testing.T, fx *fixture.Fixture, names []string, events []event.Event, perID map[string][]eventlog.Event) {
	t.Helper()
	deps, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, d := range deps.Items {
		found[d.Name] = true
		if *d.Spec.Replicas != 0 || d.Annotations[env.MemoryWarningAnnotation] == "" {
			t.Errorf("%s: replicas %d, annotations %v; want stopped and annotated", d.Name, *d.Spec.Replicas, d.Annotations)
		}
	}
	for _, name := range names {
		if !found[name] {
			t.Errorf("environment %s missing", name)
		}
	}
	for _, e := range events {
		got := perID[e.ID()]
		want := "idle-stop"
		if strings.Contains(e.ID(), AlertHighMemVsRequest) {
			want = "alert"
		}
		if len(got) != 1 || got[0].Action != want || got[0].Outcome != eventlog.OutcomeSuccess {
			t.Errorf("event %s logged %+v, want exactly one successful %s", e.ID(), got, want)
		}
	}
	if len(perID) != len(events) {
		t.Errorf("the log has entries for %d events, want %d", len(perID), len(events))
	}
}

// loggedByID returns the alert handler's entries in alpha's event log by event id.
func loggedByID(t *testing.T, log eventlog.Log) map[string][]eventlog.Event {
	t.Helper()
	all, err := log.Latest(context.Background(), "alpha", 10000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]eventlog.Event{}
	for _, e := range all {
		if strings.HasPrefix(e.Actor, "alert:") {
			out[e.RequestID] = append(out[e.RequestID], e)
		}
	}
	return out
}

// TestConcurrentDeliveriesOverHTTP delivers 200 distinct events for 100 environments over
// real HTTP, 16 in flight, to one handler: every environment gets exactly its two actions
// and every event is logged exactly once.
func TestConcurrentDeliveriesOverHTTP(t *testing.T) {
	fx := fixture.New(t, noStopWarning)
	target := serve(t, fx, nil)
	names := make([]string, 100)
	for i := range names {
		names[i] = fmt.Sprintf("c-%03d", i)
	}
	pausedEnvironments(t, fx, names)
	events := burst(t, names, "burst-")

	forEach(t, len(events), 16, func(i int) error { return deliver(context.Background(), target, events[i]) })
	if t.Failed() {
		t.FailNow()
	}
	wantActed(t, fx, names, events, loggedByID(t, fx.EventLog(t)))
}

// TestCancelledDeliveriesDoNotWedge cancels deliveries while other deliveries run: half of
// them arrive with their context already cancelled (which wedged the SDK receiver func-go's
// CloudEvents runtime used, cloudevents/sdk-go#1224), half are cut off by client timeouts of
// 1 to 20 ms while the handler talks to Redis and the cluster. The handler must still answer,
// and redelivering the cancelled events (as the Broker retries them, a 503 included) must
// leave every environment with exactly its actions: a cancelled delivery is either finished
// by the handler or acted on by the retry, never both, never neither.
func TestCancelledDeliveriesDoNotWedge(t *testing.T) {
	fx := fixture.New(t, noStopWarning)
	f := New()
	target := fx.Serve(t, f, nil).URL
	var cancelledNames, steadyNames []string
	for i := range 20 {
		cancelledNames = append(cancelledNames, fmt.Sprintf("x-%02d", i))
		steadyNames = append(steadyNames, fmt.Sprintf("s-%02d", i))
	}
	names := append(append([]string{}, cancelledNames...), steadyNames...)
	pausedEnvironments(t, fx, names)
	cancelled, steady := burst(t, cancelledNames, "cancel-"), burst(t, steadyNames, "steady-")

	done := make(chan struct{})
	go func() {
		defer close(done)
		forEach(t, len(steady), 8, func(i int) error { return deliver(context.Background(), target, steady[i]) })
	}()
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	var timedOut atomic.Int32
	forEach(t, len(cancelled), 8, func(i int) error {
		if i%2 == 0 {
			r, err := cehttp.NewHTTPRequestFromEvent(gone, target, cancelled[i])
			if err != nil {
				return err
			}
			f.Handle(httptest.NewRecorder(), r) // a wedged handler never returns: the test times out
			return nil
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(1+i%20)*time.Millisecond)
		defer cancel()
		err := deliver(ctx, target, cancelled[i])
		if err != nil && ctx.Err() != nil {
			timedOut.Add(1)
			return nil
		}
		return err
	})
	<-done
	t.Logf("%d of %d deliveries over HTTP cut off by the client", timedOut.Load(), len(cancelled)/2)

	// A wedged handler would never answer; a healthy one answers in milliseconds, so the
	// generous bound fails only on a wedge.
	ctx, cancelProbe := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancelProbe()
	probe := alertEvent(TypeResolved, map[string]string{"alertname": AlertIdleCPU, "team": "alpha", "env": steadyNames[0]}, nil)
	probe.SetID("probe-" + randomSuffix(t))
	if err := deliver(ctx, target, probe); err != nil {
		t.Fatalf("a delivery after the cancelled ones: %v", err)
	}

	// The Broker's retries of the cancelled events. A retry that meets its first delivery
	// still acting is answered 503 and retried; it is answered 200 only once the event is
	// done, which the handler marks after logging it, so the log is complete when they return.
	forEach(t, len(cancelled), 8, func(i int) error { return deliverRetrying(context.Background(), target, cancelled[i]) })
	all := append(append([]event.Event{}, cancelled...), steady...)
	perID := loggedByID(t, fx.EventLog(t))
	delete(perID, probe.ID())
	wantActed(t, fx, names, all, perID)
}
