package resources

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/devenvs/devenvs/shared/env"
)

func deploymentWith(replicas int32, cpu, mem string, ann map[string]string) *appsv1.Deployment {
	d := &appsv1.Deployment{}
	d.Name = "demo"
	d.Annotations = ann
	d.Spec.Replicas = ptr.To(replicas)
	q := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}
	d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "workspace", Resources: corev1.ResourceRequirements{Requests: q.DeepCopy(), Limits: q.DeepCopy()}}}
	return d
}

func TestActions(t *testing.T) {
	expires := time.Date(2026, 11, 27, 20, 0, 0, 0, time.UTC)
	tests := []struct {
		name        string
		in          *appsv1.Deployment
		act         func(*appsv1.Deployment) (bool, error)
		wantChanged bool
		want        *appsv1.Deployment
	}{{
		name:        "stop a running environment",
		in:          deploymentWith(1, "1", "2Gi", nil),
		act:         func(d *appsv1.Deployment) (bool, error) { return Stop(d, "IdleCPU"), nil },
		wantChanged: true,
		want:        deploymentWith(0, "1", "2Gi", map[string]string{env.StoppedReasonAnnotation: "IdleCPU"}),
	}, {
		name:        "stop ends the idle warning of this run",
		in:          deploymentWith(1, "1", "2Gi", map[string]string{env.IdleWarnedAnnotation: "2026-11-27T19:00:00Z"}),
		act:         func(d *appsv1.Deployment) (bool, error) { return Stop(d, "IdleCPU"), nil },
		wantChanged: true,
		want:        deploymentWith(0, "1", "2Gi", map[string]string{env.StoppedReasonAnnotation: "IdleCPU"}),
	}, {
		name:        "extend drops the expiry warning given for the old time",
		in:          deploymentWith(1, "1", "2Gi", map[string]string{env.ExpiresAtAnnotation: "2026-11-27T19:00:00Z", env.ExpiryWarnedAnnotation: "2026-11-27T18:45:00Z"}),
		act:         func(d *appsv1.Deployment) (bool, error) { return Extend(d, expires), nil },
		wantChanged: true,
		want:        deploymentWith(1, "1", "2Gi", map[string]string{env.ExpiresAtAnnotation: "2026-11-27T20:00:00Z"}),
	}, {
		name: "stop a stopped environment changes nothing",
		in:   deploymentWith(0, "1", "2Gi", map[string]string{env.StoppedReasonAnnotation: "StoppedByUser"}),
		act:  func(d *appsv1.Deployment) (bool, error) { return Stop(d, "IdleCPU"), nil },
		want: deploymentWith(0, "1", "2Gi", map[string]string{env.StoppedReasonAnnotation: "StoppedByUser"}),
	}, {
		name:        "start clears the stop reason",
		in:          deploymentWith(0, "1", "2Gi", map[string]string{env.StoppedReasonAnnotation: "IdleCPU"}),
		act:         func(d *appsv1.Deployment) (bool, error) { return Start(d), nil },
		wantChanged: true,
		want:        deploymentWith(1, "1", "2Gi", map[string]string{}),
	}, {
		name: "start a running environment changes nothing",
		in:   deploymentWith(1, "1", "2Gi", nil),
		act:  func(d *appsv1.Deployment) (bool, error) { return Start(d), nil },
		want: deploymentWith(1, "1", "2Gi", nil),
	}, {
		name:        "extend sets expires-at in UTC",
		in:          deploymentWith(1, "1", "2Gi", nil),
		act:         func(d *appsv1.Deployment) (bool, error) { return Extend(d, expires.In(time.FixedZone("x", 3600))), nil },
		wantChanged: true,
		want:        deploymentWith(1, "1", "2Gi", map[string]string{env.ExpiresAtAnnotation: "2026-11-27T20:00:00Z"}),
	}, {
		name: "extend to the same time changes nothing",
		in:   deploymentWith(1, "1", "2Gi", map[string]string{env.ExpiresAtAnnotation: "2026-11-27T20:00:00Z"}),
		act:  func(d *appsv1.Deployment) (bool, error) { return Extend(d, expires), nil },
		want: deploymentWith(1, "1", "2Gi", map[string]string{env.ExpiresAtAnnotation: "2026-11-27T20:00:00Z"}),
	}, {
		name: "start unpauses a Deployment a resize left paused",
		in: func() *appsv1.Deployment {
			d := deploymentWith(1, "1", "2Gi", nil)
			d.Spec.Paused = true
			return d
		}(),
		act:         func(d *appsv1.Deployment) (bool, error) { return Start(d), nil },
		wantChanged: true,
		want:        deploymentWith(1, "1", "2Gi", nil),
	}, {
		name: "resize cpu only keeps memory",
		in:   deploymentWith(1, "1", "2Gi", nil),
		act: func(d *appsv1.Deployment) (bool, error) {
			return Resize(&d.Spec.Template.Spec.Containers[0].Resources, "2", "")
		},
		wantChanged: true,
		want:        deploymentWith(1, "2", "2Gi", nil),
	}, {
		name: "resize to the same size changes nothing",
		in:   deploymentWith(1, "1", "2Gi", nil),
		act: func(d *appsv1.Deployment) (bool, error) {
			return Resize(&d.Spec.Template.Spec.Containers[0].Resources, "1000m", "2Gi")
		},
		want: deploymentWith(1, "1", "2Gi", nil),
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			changed, err := tc.act(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if changed != tc.wantChanged {
				t.Errorf("changed = %v, want %v", changed, tc.wantChanged)
			}
			if diff := cmp.Diff(tc.want, tc.in); diff != "" {
				t.Errorf("deployment (-want +got):\n%s", diff)
			}
		})
	}
}

func TestResizeRejectsBadQuantity(t *testing.T) {
	if _, err := Resize(&deploymentWith(1, "1", "2Gi", nil).Spec.Template.Spec.Containers[0].Resources, "lots", ""); err == nil {
		t.Fatal("Resize accepted cpu \"lots\"")
	}
}
