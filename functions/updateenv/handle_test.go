package updateenv

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/devenvs/devenvs/shared/app/apptest"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/kube"
)

// cluster is an updater double: one Deployment in memory, or an error the test chose for
// every call. Like kube.Client, Start refuses (startErr) only a stopped environment.
type cluster struct {
	d        *appsv1.Deployment
	err      error
	startErr error
}

func (c *cluster) Update(_ context.Context, _, _ string, change func(*appsv1.Deployment) (bool, error)) (*appsv1.Deployment, error) {
	if c.err != nil {
		return nil, c.err
	}
	if c.d == nil {
		return nil, kube.ErrNotFound
	}
	d := c.d.DeepCopy()
	if _, err := change(d); err != nil {
		return nil, err
	}
	c.d = d
	return d, nil
}

func (c *cluster) Start(ctx context.Context, ns, name string, change func(*appsv1.Deployment) (bool, error)) (*appsv1.Deployment, error) {
	return c.Update(ctx, ns, name, func(d *appsv1.Deployment) (bool, error) {
		stopped := *d.Spec.Replicas == 0
		changed, err := change(d)
		if err == nil && changed && stopped {
			err = c.startErr
		}
		return changed, err
	})
}

func (c *cluster) Resize(ctx context.Context, ns, name string, set func(*corev1.ResourceRequirements) (bool, error)) (*appsv1.Deployment, error) {
	return c.Update(ctx, ns, name, func(d *appsv1.Deployment) (bool, error) {
		return set(&d.Spec.Template.Spec.Containers[0].Resources)
	})
}

func (c *cluster) Pods(context.Context, string, string) ([]corev1.Pod, error) { return nil, nil }

// stopped is a stopped environment of alpha created an hour ago, expiring at expires.
func stopped(expires time.Time) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name: "demo", Namespace: "alpha", CreationTimestamp: metav1.NewTime(expires.Add(-2 * time.Hour)),
			Labels:      map[string]string{env.TeamLabel: "alpha", env.NameLabel: "demo"},
			Annotations: map[string]string{env.ExpiresAtAnnotation: expires.UTC().Format(time.RFC3339)},
		},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](0), Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "dev"}},
		}}},
	}
}

// TestStatusAndLogging is the update's status mapping and outcome policy over a double.
func TestStatusAndLogging(t *testing.T) {
	now := time.Now()
	old := stopped(now.Add(time.Hour))
	old.CreationTimestamp = metav1.NewTime(now.Add(-165 * time.Hour)) // alpha: at most 168h in all
	for _, tc := range []struct {
		name       string
		body       any
		cluster    *cluster
		wantStatus int
		wantMsg    string
		wantLogged []string
	}{
		{"start", map[string]any{"action": "start"}, &cluster{d: stopped(now.Add(time.Hour))}, http.StatusOK, `"name":"demo"`, []string{"start success "}},
		{"stop", map[string]any{"action": "stop"}, &cluster{d: stopped(now.Add(time.Hour))}, http.StatusOK, "", []string{"stop success " + env.StoppedHome(stopped(now))}},
		{"start refused by the quota", map[string]any{"action": "start"}, &cluster{d: stopped(now.Add(time.Hour)), startErr: &kube.QuotaError{Message: "exceeded quota: devenvs"}},
			http.StatusForbidden, "exceeded quota", []string{"start failure exceeded quota: devenvs"}},
		// The environment's state refuses it like the quota does, so it is activity too (it was not logged before).
		{"start after expiry", map[string]any{"action": "start"}, &cluster{d: stopped(now.Add(-time.Minute))}, http.StatusConflict, "lifetime is over",
			[]string{"start failure the environment's lifetime is over: extend it before starting it: action"}},
		{"resize refused by the node", map[string]any{"action": "resize", "cpu": "2"}, &cluster{err: &kube.NodeFullError{Message: "the node cannot hold the new size"}},
			http.StatusConflict, "cannot hold", []string{"resize failure the node cannot hold the new size"}},
		{"the apiserver fails", map[string]any{"action": "stop"}, &cluster{err: errors.New("update deployment: boom")}, http.StatusBadGateway, "Bad Gateway",
			[]string{"stop failure update deployment: boom"}},
		{"not there is not activity", map[string]any{"action": "stop"}, &cluster{}, http.StatusNotFound, "environment demo not found in team alpha", []string{}},
		{"an extension past the total lifetime is input", map[string]any{"action": "extend", "lifetime": "8h"}, &cluster{d: old},
			http.StatusUnprocessableEntity, "total lifetime", []string{}},
		{"an unknown action is input", map[string]any{"action": "explode"}, &cluster{}, http.StatusUnprocessableEntity, "action", []string{}},
		{"too large", `{"action":"` + strings.Repeat("x", int(options.MaxBodyBytes)) + `"}`, &cluster{}, http.StatusRequestEntityTooLarge, "", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := apptest.New(t, "updateenv", options)
			a.Now = func() time.Time { return now }
			h := (&Function{}).wire(a, tc.cluster)
			status, body := apptest.Do(t, h, http.MethodPatch, "/alpha/demo", "alice", tc.body)
			if status != tc.wantStatus || !strings.Contains(string(body), tc.wantMsg) {
				t.Errorf("status %d %s, want %d %q", status, body, tc.wantStatus, tc.wantMsg)
			}
			if diff := cmp.Diff(tc.wantLogged, apptest.Logged(t, a, "alpha")); diff != "" {
				t.Errorf("activity log of alpha (-want +got):\n%s", diff)
			}
		})
	}
}
