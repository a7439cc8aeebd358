package updateenv

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestHangUpFinishesTheUpdate is issue 14 item 16 for updates: a stop whose caller has
// already hung up still happens, and the log says so.
func TestHangUpFinishesTheUpdate(t *testing.T) {
	fx := fixture.New(t, nil)
	create := fx.Serve(t, createenv.New(), nil)
	spec := map[string]any{"team": "alpha", "name": "hungup", "sshPublicKeys": []string{fixture.SSHKey}}
	if status, body := fixture.Do(t, http.MethodPost, create.URL, "alice", spec); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	f := New()
	if err := f.Start(context.Background(), fx.Settings); err != nil {
		t.Fatal(err)
	}
	defer f.Stop(context.Background())
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	req, err := fixture.NewRequest(gone, http.MethodPatch, "http://updateenv/alpha/hungup", "alice", map[string]string{"action": "stop"})
	if err != nil {
		t.Fatal(err)
	}
	f.Handle(httptest.NewRecorder(), req)

	ctx := context.Background()
	d, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).Get(ctx, "hungup", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 0 {
		t.Errorf("after the stop: %d replicas, want 0", *d.Spec.Replicas)
	}
	events, err := fx.EventLog(t).Latest(ctx, "alpha", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Env == "hungup" && e.Action == "stop" {
			if e.Outcome != eventlog.OutcomeSuccess {
				t.Errorf("logged %s (%s), want success", e.Outcome, e.Reason)
			}
			return
		}
	}
	t.Errorf("no stop logged: %+v", events)
}
