package alerthandler

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/devenvs/devenvs/shared/testenv/fixture"
)

func randomSuffix(t *testing.T) string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// brokenKubeconfig points at a port nothing listens on.
func brokenKubeconfig(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: c, context: {cluster: gone, user: u}}]
current-context: c
`
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
