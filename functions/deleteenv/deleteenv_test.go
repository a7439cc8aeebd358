package deleteenv

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestDeleteRemovesEveryOwnedObject deletes an environment with a persistent home and waits
// for the cluster's garbage collector to remove its pod, Secret, Service and PVC; a second
// delete is a 404 and changes nothing.
func TestDeleteRemovesEveryOwnedObject(t *testing.T) {
	fx := fixture.New(t, nil)
	create := fx.Serve(t, createenv.New(), nil)
	del := fx.Serve(t, New(), nil)
	spec := map[string]any{"team": "alpha", "name": "gone", "persistentHome": "2Gi", "sshPublicKeys": []string{fixture.SSHKey}}
	if status, body := fixture.Do(t, http.MethodPost, create.URL, "alice", spec); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	ns := fx.Namespace("alpha")
	cs := fx.Clientset
	sel := metav1.ListOptions{LabelSelector: env.NameSelector("gone")}

	if status, body := fixture.Do(t, http.MethodDelete, del.URL+"/alpha/gone", "bob", nil); status != http.StatusForbidden {
		t.Fatalf("bob deleting alpha's environment: %d %s", status, body)
	}
	if status, body := fixture.Do(t, http.MethodDelete, del.URL+"/alpha/gone", "alice", nil); status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", status, body)
	}
	ctx := context.Background()
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		counts := []func() (int, error){
			func() (int, error) { l, err := cs.AppsV1().Deployments(ns).List(ctx, sel); return lenOr(l.Items, err) },
			func() (int, error) { l, err := cs.CoreV1().Pods(ns).List(ctx, sel); return lenOr(l.Items, err) },
			func() (int, error) { l, err := cs.CoreV1().Secrets(ns).List(ctx, sel); return lenOr(l.Items, err) },
			func() (int, error) { l, err := cs.CoreV1().Services(ns).List(ctx, sel); return lenOr(l.Items, err) },
			func() (int, error) {
				l, err := cs.CoreV1().PersistentVolumeClaims(ns).List(ctx, sel)
				return lenOr(l.Items, err)
			},
			// The name claim and the place (the team's count) go too.
			func() (int, error) { l, err := cs.CoreV1().ConfigMaps(ns).List(ctx, sel); return lenOr(l.Items, err) },
			func() (int, error) {
				l, err := cs.CoordinationV1().Leases(ns).List(ctx, sel)
				return lenOr(l.Items, err)
			},
		}
		for _, count := range counts {
			if n, err := count(); err != nil || n > 0 {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		t.Fatalf("owned objects still exist after delete: %v", err)
	}
	if _, err := cs.AppsV1().Deployments(ns).Get(ctx, "gone", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("deployment still there: %v", err)
	}
	if status, _ := fixture.Do(t, http.MethodDelete, del.URL+"/alpha/gone", "alice", nil); status != http.StatusNotFound {
		t.Errorf("second delete: status %d, want 404", status)
	}
}

func TestDeleteRejectsBadPaths(t *testing.T) {
	fx := fixture.New(t, nil)
	del := fx.Serve(t, New(), nil)
	for path, want := range map[string]int{
		"/alpha":             http.StatusBadRequest,
		"/alpha/a/b":         http.StatusBadRequest,
		"/alpha/Not_A_Name":  http.StatusBadRequest,
		"/alpha/absent":      http.StatusNotFound,
		"/gamma/absent":      http.StatusForbidden,
		"/alpha/absent?x=1":  http.StatusNotFound,
		"/beta/owned-by-bob": http.StatusForbidden,
	} {
		if status, body := fixture.Do(t, http.MethodDelete, del.URL+path, "alice", nil); status != want {
			t.Errorf("DELETE %s: status %d, want %d: %s", path, status, want, body)
		}
	}
	if status, _ := fixture.Do(t, http.MethodGet, del.URL+"/alpha/absent", "alice", nil); status != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", status)
	}
}

// TestHangUpFinishesTheDelete is issue 14 item 16: a delete whose caller has already hung up
// (its request's context is cancelled as the handler runs) still happens, and the log says
// so, where it used to fail with "context canceled" and log "failure".
func TestHangUpFinishesTheDelete(t *testing.T) {
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
	req, err := fixture.NewRequest(gone, http.MethodDelete, "http://deleteenv/alpha/hungup", "alice", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.Handle(httptest.NewRecorder(), req)

	ctx := context.Background()
	d, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).Get(ctx, "hungup", metav1.GetOptions{})
	if err == nil && d.DeletionTimestamp == nil {
		t.Error("the environment was not deleted")
	}
	events, err := fx.EventLog(t).Latest(ctx, "alpha", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Env == "hungup" && e.Action == "delete" {
			if e.Outcome != eventlog.OutcomeSuccess {
				t.Errorf("logged %s (%s), want success", e.Outcome, e.Reason)
			}
			return
		}
	}
	t.Errorf("no delete logged: %+v", events)
}

func lenOr[T any](items []T, err error) (int, error) { return len(items), err }
