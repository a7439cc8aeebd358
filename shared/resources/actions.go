package resources

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	"github.com/devenvs/devenvs/shared/env"
)

// The actions below change an environment's Deployment in place and report whether anything
// changed, so a repeated request (or a redelivered event) writes nothing the second time.

// Stop scales the environment to zero, keeping its home volume, and records why.
func Stop(d *appsv1.Deployment, reason string) bool {
	if d.Spec.Replicas != nil && *d.Spec.Replicas == 0 {
		return false
	}
	d.Spec.Replicas = ptr.To[int32](0)
	setAnnotation(d, env.StoppedReasonAnnotation, reason)
	// The idle warning was about this run; the next start begins a fresh idle period.
	delete(d.Annotations, env.IdleWarnedAnnotation)
	return true
}

// Start scales a stopped environment back to one replica.
func Start(d *appsv1.Deployment) bool {
	if (d.Spec.Replicas == nil || *d.Spec.Replicas == 1) && !d.Spec.Paused {
		return false
	}
	// A resize interrupted midway leaves the Deployment paused (kube.Client.Resize).
	d.Spec.Paused = false
	d.Spec.Replicas = ptr.To[int32](1)
	delete(d.Annotations, env.StoppedReasonAnnotation)
	return true
}

// Extend sets a new expiry time. The expiry warning given for the old time no longer
// holds: the reaper warns again before the new one.
func Extend(d *appsv1.Deployment, expiresAt time.Time) bool {
	v := expiresAt.UTC().Format(time.RFC3339)
	if d.Annotations[env.ExpiresAtAnnotation] == v {
		return false
	}
	setAnnotation(d, env.ExpiresAtAnnotation, v)
	delete(d.Annotations, env.ExpiryWarnedAnnotation)
	return true
}

// Resize sets CPU and/or memory request and limit (empty keeps the current value) of the
// workspace container's resources, reporting whether anything changed. kube.Client.Resize
// applies it to the running pod in place and to the templates.
func Resize(res *corev1.ResourceRequirements, cpu, memory string) (bool, error) {
	changed := false
	for name, value := range map[corev1.ResourceName]string{corev1.ResourceCPU: cpu, corev1.ResourceMemory: memory} {
		if value == "" {
			continue
		}
		q, err := resource.ParseQuantity(value)
		if err != nil {
			return false, fmt.Errorf("%s %q: %w", name, value, err)
		}
		if old, ok := res.Requests[name]; ok && old.Cmp(q) == 0 {
			continue
		}
		if res.Requests == nil {
			res.Requests = corev1.ResourceList{}
		}
		if res.Limits == nil {
			res.Limits = corev1.ResourceList{}
		}
		res.Requests[name], res.Limits[name] = q, q
		changed = true
	}
	return changed, nil
}

// Annotate sets one annotation, reporting whether it changed.
func Annotate(d *appsv1.Deployment, key, value string) bool {
	if v, ok := d.Annotations[key]; ok && v == value {
		return false
	}
	setAnnotation(d, key, value)
	return true
}

func setAnnotation(d *appsv1.Deployment, key, value string) {
	if d.Annotations == nil {
		d.Annotations = map[string]string{}
	}
	d.Annotations[key] = value
}
