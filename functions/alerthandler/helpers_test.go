package alerthandler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/devenvs/devenvs/shared/eventfn"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

func randomSuffix(t *testing.T) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// brokenKubeconfig points at a port nothing listens on.
func brokenKubeconfig(t *testing.T) string {
	return kubeconfigFor(t, "https://127.0.0.1:1")
}

// stallingKubeconfig points at a fake apiserver that holds every request until release is
// called and then fails it with a 500. arrived is closed when the first request comes in:
// by then the handler has claimed its event, since it claims before it acts. Call release
// before the handler's server is closed, or closing waits for the held request.
func stallingKubeconfig(t *testing.T) (path string, arrived <-chan struct{}, release func()) {
	arrivedCh, releaseCh := make(chan struct{}), make(chan struct{})
	var arriveOnce, releaseOnce sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arriveOnce.Do(func() { close(arrivedCh) })
		select {
		case <-releaseCh:
		case <-r.Context().Done():
		}
		http.Error(w, "fake apiserver: failing on purpose", http.StatusInternalServerError)
	}))
	release = func() { releaseOnce.Do(func() { close(releaseCh) }) }
	t.Cleanup(srv.Close)
	t.Cleanup(release) // runs first: Close waits for held requests
	return kubeconfigFor(t, srv.URL), arrivedCh, release
}

// kubeconfigFor writes a kubeconfig whose only cluster is server.
func kubeconfigFor(t *testing.T, server string) string {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: %q}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
`, server)
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// httpHandler adapts an instanced HTTP function to http.Handler.
func httpHandler(f interface {
	Handle(http.ResponseWriter, *http.Request)
}) http.Handler {
	return http.HandlerFunc(f.Handle)
}

// forEach calls fn(0) ... fn(n-1) with at most inFlight calls at a time and reports every
// error. It may be called from several goroutines of one test.
func forEach(t *testing.T, n, inFlight int, fn func(i int) error) {
	t.Helper()
	sem := make(chan struct{}, inFlight)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(i); err != nil {
				t.Errorf("call %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
}

// deliver sends e over HTTP and wants 200, the handler's answer for done.
func deliver(ctx context.Context, target string, e event.Event) error {
	status, body, err := fixture.PostEvent(ctx, target, e)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("event %s: status %d: %s", e.ID(), status, body)
	}
	return nil
}

// deliverRetrying is deliver with the Broker's retries of a 503 (see retryLikeTheBroker).
func deliverRetrying(ctx context.Context, target string, e event.Event) error {
	return retryLikeTheBroker(e, func() (int, string, error) {
		status, body, err := fixture.PostEvent(ctx, target, e)
		return status, string(body), err
	})
}

// handleRetrying calls f.HandleEvent directly, retrying a 503 like the Broker, and wants 200.
func handleRetrying(f *Function, e event.Event) error {
	return retryLikeTheBroker(e, func() (int, string, error) {
		status, err := eventfn.Status(f.HandleEvent(context.Background(), e))
		return status, fmt.Sprint(err), nil
	})
}

// retryLikeTheBroker makes attempt until it is answered anything but 503, after a short
// backoff that doubles, and wants 200. A delivery that meets another still acting on the
// same event is answered 503; that other delivery marks the event done or forgets it within
// handleBudget, and its claim expires after claimTTL in any case, so retrying for claimTTL
// is enough: a 503 after that is a failure, not a wait.
func retryLikeTheBroker(e event.Event, attempt func() (status int, body string, err error)) error {
	deadline := time.Now().Add(claimTTL)
	backoff := 5 * time.Millisecond
	for {
		status, body, err := attempt()
		switch {
		case err != nil:
			return err
		case status == http.StatusOK:
			return nil
		case status != http.StatusServiceUnavailable || time.Now().After(deadline):
			return fmt.Errorf("event %s: status %d: %s", e.ID(), status, body)
		}
		time.Sleep(backoff)
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// pausedEnvironments creates a bare running Deployment per name in alpha's namespace, 8 at a
// time. The alert handler reads and writes only the Deployment, so this is all it needs of
// an environment; paused, it makes no pods (nothing counts against the team's quota), and
// without the Service tests at this scale do not drain the local cluster's ClusterIP range,
// which every test shares.
func pausedEnvironments(t *testing.T, fx *fixture.Fixture, names []string) {
	t.Helper()
	ns := fx.Namespace("alpha")
	forEach(t, len(names), 8, func(i int) error {
		labels := map[string]string{"app": names[i]}
		d := &appsv1.Deployment{
			ObjectMeta: metav1.ObjectMeta{Name: names[i], Namespace: ns},
			Spec: appsv1.DeploymentSpec{
				Replicas: ptr.To[int32](1),
				Paused:   true,
				Selector: &metav1.LabelSelector{MatchLabels: labels},
				Template: corev1.PodTemplateSpec{
					ObjectMeta: metav1.ObjectMeta{Labels: labels},
					Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "env", Image: "debian:12"}}},
				},
			},
		}
		_, err := fx.Clientset.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{})
		if err != nil {
			return fmt.Errorf("create deployment %s: %w", names[i], err)
		}
		return nil
	})
	if t.Failed() {
		t.FailNow()
	}
}
