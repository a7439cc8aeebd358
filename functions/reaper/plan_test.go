package reaper

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/devenvs/devenvs/shared/env"
)

func TestPlan(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	dep := func(name string, replicas int32, ann map[string]string) appsv1.Deployment {
		d := appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: ann}}
		d.Spec.Replicas = ptr.To(replicas)
		return d
	}
	deleting := dep("deleting", 1, map[string]string{env.ExpiresAtAnnotation: at(-time.Hour)})
	deleting.DeletionTimestamp = &metav1.Time{Time: now}

	got := plan([]appsv1.Deployment{
		dep("expired", 1, map[string]string{env.ExpiresAtAnnotation: at(-time.Minute)}),
		dep("expires-now", 1, map[string]string{env.ExpiresAtAnnotation: at(0)}),
		dep("stopped-by-user-expired", 0, map[string]string{env.ExpiresAtAnnotation: at(-time.Hour), env.StoppedReasonAnnotation: "StoppedByUser"}),
		dep("already-expired", 0, map[string]string{env.ExpiresAtAnnotation: at(-time.Hour), env.StoppedReasonAnnotation: env.ReasonLifetimeExceeded}),
		dep("soon", 1, map[string]string{env.ExpiresAtAnnotation: at(10 * time.Minute)}),
		dep("soon-warned", 1, map[string]string{env.ExpiresAtAnnotation: at(10 * time.Minute), env.ExpiryWarnedAnnotation: at(-time.Minute)}),
		dep("soon-but-stopped", 0, map[string]string{env.ExpiresAtAnnotation: at(10 * time.Minute)}),
		dep("later", 1, map[string]string{env.ExpiresAtAnnotation: at(WarnBefore + time.Second)}),
		dep("unreadable", 1, map[string]string{env.ExpiresAtAnnotation: "tomorrow"}),
		deleting,
	}, now)
	want := []step{
		{expire, "expired", now.Add(-time.Minute)},
		{expire, "expires-now", now},
		{expire, "stopped-by-user-expired", now.Add(-time.Hour)},
		{warn, "soon", now.Add(10 * time.Minute)},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(step{})); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
}
