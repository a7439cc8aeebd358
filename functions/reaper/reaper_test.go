package reaper

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

func tick() event.Event {
	e := event.New()
	e.SetID("tick")
	e.SetSource("/apis/v1/namespaces/devenvs/pingsources/reaper")
	e.SetType(PingType)
	return e
}

// TestReaperExpiresOnTheCluster creates an 8h environment in alpha (expiry deletes) and one
// in beta (expiry stops), then ticks the reaper with its clock moved: 10 minutes before the
// end it warns once, after the end it deletes alpha's and stops beta's, but only once the
// 15-minute notice has run from the (late) warning.
func TestReaperExpiresOnTheCluster(t *testing.T) {
	fx := fixture.New(t, nil)
	create := fx.Serve(t, createenv.New(), nil)
	for user, team := range map[string]string{"alice": "alpha", "bob": "beta"} {
		spec := map[string]any{"team": team, "name": "short", "lifetime": "8h", "sshPublicKeys": []string{fixture.SSHKey}}
		if status, body := fixture.Do(t, http.MethodPost, create.URL, user, spec); status != http.StatusCreated {
			t.Fatalf("create in %s: %d %s", team, status, body)
		}
	}
	r := New()
	if err := r.Start(context.Background(), fx.Settings); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	ctx := context.Background()
	start := time.Now()

	r.App.Now = func() time.Time { return start.Add(8*time.Hour - 10*time.Minute) }
	for range 2 {
		if err := r.HandleEvent(ctx, tick()); err != nil {
			t.Fatalf("tick before expiry: %v", err)
		}
	}
	warnings := 0
	events, err := r.App.Log.Latest(ctx, "alpha", 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Action == "expiry-warning" && e.Env == "short" {
			warnings++
		}
	}
	if warnings != 1 {
		t.Errorf("alpha expiry warnings after two ticks = %d, want 1: %+v", warnings, events)
	}

	// Expired, but warned only 11 minutes ago: the notice still runs.
	r.App.Now = func() time.Time { return start.Add(8*time.Hour + time.Minute) }
	if err := r.HandleEvent(ctx, tick()); err != nil {
		t.Fatalf("tick after expiry: %v", err)
	}
	cs := fx.Clientset
	if _, err := cs.AppsV1().Deployments(fx.Namespace("alpha")).Get(ctx, "short", metav1.GetOptions{}); err != nil {
		t.Fatalf("alpha's environment expired 11 minutes after its warning, before the 15-minute notice: %v", err)
	}
	r.App.Now = func() time.Time { return start.Add(8*time.Hour + 6*time.Minute) }
	if err := r.HandleEvent(ctx, tick()); err != nil {
		t.Fatalf("tick after the notice: %v", err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := cs.AppsV1().Deployments(fx.Namespace("alpha")).Get(ctx, "short", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Errorf("alpha's expired environment was not deleted")
	}
	d, err := cs.AppsV1().Deployments(fx.Namespace("beta")).Get(ctx, "short", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 0 || d.Annotations[env.StoppedReasonAnnotation] != env.ReasonLifetimeExceeded {
		t.Errorf("beta's expired environment: replicas %d, annotations %v", *d.Spec.Replicas, d.Annotations)
	}
	events, _ = r.App.Log.Latest(ctx, "beta", 10)
	if len(events) == 0 || events[0].Action != "expire" || events[0].Outcome != eventlog.OutcomeSuccess {
		t.Errorf("beta's latest event = %+v, want a successful expire", events)
	}
}

// TestReaperOverHTTP serves the reaper as func-go does and checks the answers a PingSource
// (or anyone else) gets.
func TestReaperOverHTTP(t *testing.T) {
	fx := fixture.New(t, nil)
	target := fx.Serve(t, New(), nil).URL
	alert := tick()
	alert.SetType("dev.devenvs.alert.firing")

	for _, tc := range []struct {
		name       string
		do         func() (int, []byte, error)
		wantStatus int
		wantBody   string
	}{
		{"a tick sweeps", func() (int, []byte, error) { return fixture.PostEvent(context.Background(), target, tick()) }, http.StatusOK, ""},
		{"an alert is not a tick", func() (int, []byte, error) { return fixture.PostEvent(context.Background(), target, alert) }, http.StatusBadRequest,
			`"message":"event type \"dev.devenvs.alert.firing\" is not a tick: want dev.knative.sources.ping"`},
		// Issue 14 item 1: a tick from anyone but the PingSource (no secret) sweeps nothing.
		{"a forged tick is refused", func() (int, []byte, error) { return fixture.PostUnsignedEvent(context.Background(), target, tick()) }, http.StatusUnauthorized,
			"event not authenticated"},
		{"GET is not a delivery", func() (int, []byte, error) {
			status, body := fixture.Do(t, http.MethodGet, target, "", nil)
			return status, body, nil
		}, http.StatusMethodNotAllowed, "method GET not allowed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body, err := tc.do()
			if err != nil {
				t.Fatal(err)
			}
			if status != tc.wantStatus || !strings.Contains(string(body), tc.wantBody) {
				t.Errorf("answered %d %s, want %d with %s", status, body, tc.wantStatus, tc.wantBody)
			}
			if tc.wantBody == "" && len(body) != 0 {
				t.Errorf("body %q, want none (a Broker refuses a 2xx body that is not a CloudEvent)", body)
			}
		})
	}
}
