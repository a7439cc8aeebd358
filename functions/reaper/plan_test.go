package reaper

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/devenvs/devenvs/shared/config"
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

	cfg := config.Default()
	beta, _ := cfg.Team("beta") // stops on expiry; default notice
	notice := config.DefaultStopWarning
	got := plan([]appsv1.Deployment{
		dep("expired-warned", 1, map[string]string{env.ExpiresAtAnnotation: at(-time.Minute), env.ExpiryWarnedAnnotation: at(-notice - time.Minute)}),
		dep("expires-now-warned", 1, map[string]string{env.ExpiresAtAnnotation: at(0), env.ExpiryWarnedAnnotation: at(-notice)}),
		dep("expired-unwarned", 1, map[string]string{env.ExpiresAtAnnotation: at(-time.Minute)}),
		dep("expired-warned-late", 1, map[string]string{env.ExpiresAtAnnotation: at(-time.Minute), env.ExpiryWarnedAnnotation: at(-time.Minute)}),
		dep("stopped-by-user-expired", 0, map[string]string{env.ExpiresAtAnnotation: at(-time.Hour), env.StoppedReasonAnnotation: "StoppedByUser"}),
		dep("already-expired", 0, map[string]string{env.ExpiresAtAnnotation: at(-time.Hour), env.StoppedReasonAnnotation: env.ReasonLifetimeExceeded}),
		dep("soon", 1, map[string]string{env.ExpiresAtAnnotation: at(10 * time.Minute)}),
		dep("soon-warned", 1, map[string]string{env.ExpiresAtAnnotation: at(10 * time.Minute), env.ExpiryWarnedAnnotation: at(-time.Minute)}),
		dep("soon-but-stopped", 0, map[string]string{env.ExpiresAtAnnotation: at(10 * time.Minute)}),
		dep("later", 1, map[string]string{env.ExpiresAtAnnotation: at(notice + time.Second)}),
		dep("unreadable", 1, map[string]string{env.ExpiresAtAnnotation: "tomorrow"}),
		deleting,
	}, now, beta)
	want := []step{
		{verb: expire, name: "expired-warned", expiresAt: now.Add(-time.Minute)},
		{verb: expire, name: "expires-now-warned", expiresAt: now},
		// Never warned: warn now, expire once the notice has run.
		{warn, "expired-unwarned", now.Add(-time.Minute), now.Add(notice), "scratch"},
		{verb: expire, name: "stopped-by-user-expired", expiresAt: now.Add(-time.Hour)},
		{warn, "soon", now.Add(10 * time.Minute), now.Add(notice), "scratch"},
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(step{})); diff != "" {
		t.Errorf("plan (-want +got):\n%s", diff)
	}
}

// TestPlanTeamPolicies: a team without warnings expires on time unannounced; a team that
// deletes on expiry is warned about stopped environments too, since their home goes.
func TestPlanTeamPolicies(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	dep := func(name string, replicas int32, exp time.Duration) appsv1.Deployment {
		d := appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{env.ExpiresAtAnnotation: at(exp)}}}
		d.Spec.Replicas = ptr.To(replicas)
		return d
	}
	cfg := config.Default()
	alpha, _ := cfg.Team("alpha") // deletes on expiry
	silent := *alpha
	silent.StopWarning = new(config.Duration(0))
	deps := []appsv1.Deployment{dep("expired", 1, -time.Minute), dep("soon-stopped", 0, 5*time.Minute)}

	if diff := cmp.Diff([]step{{verb: expire, name: "expired", expiresAt: now.Add(-time.Minute)}}, plan(deps, now, &silent), cmp.AllowUnexported(step{})); diff != "" {
		t.Errorf("team without warnings (-want +got):\n%s", diff)
	}
	want := []step{
		{warn, "expired", now.Add(-time.Minute), now.Add(config.DefaultStopWarning), "scratch"},
		{warn, "soon-stopped", now.Add(5 * time.Minute), now.Add(config.DefaultStopWarning), "scratch"},
	}
	if diff := cmp.Diff(want, plan(deps, now, alpha), cmp.AllowUnexported(step{})); diff != "" {
		t.Errorf("team that deletes (-want +got):\n%s", diff)
	}
}
