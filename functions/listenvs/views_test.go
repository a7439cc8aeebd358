package listenvs

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/kube"
)

func TestViews(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	dep := func(name string, deleting bool) appsv1.Deployment {
		d := appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{env.TeamLabel: "alpha"}}}
		if deleting {
			d.DeletionTimestamp = &metav1.Time{Time: now}
		}
		return d
	}
	pod := func(name, envName string) corev1.Pod {
		return corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{env.NameLabel: envName}}}
	}
	usage := func(pod, cpu, mem string) metricsv1beta1.PodMetrics {
		return metricsv1beta1.PodMetrics{ObjectMeta: metav1.ObjectMeta{Name: pod}, Containers: []metricsv1beta1.ContainerMetrics{{
			Name: "workspace", Usage: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
		}}}
	}
	tests := []struct {
		name     string
		snap     kube.Snapshot
		wantUsed map[string]*env.Resources // by environment; absent = not listed
	}{{
		name: "usage joined by pod, nil without metrics for that pod",
		snap: kube.Snapshot{
			Deployments: []appsv1.Deployment{dep("b", false), dep("a", false)},
			Pods:        []corev1.Pod{pod("a-1", "a"), pod("b-1", "b")},
			PodMetrics:  []metricsv1beta1.PodMetrics{usage("a-1", "250m", "1Gi")},
		},
		wantUsed: map[string]*env.Resources{"a": {CPUMilli: 250, MemoryBytes: 1 << 30}, "b": nil},
	}, {
		name: "no metrics API: used is nil for all",
		snap: kube.Snapshot{
			Deployments: []appsv1.Deployment{dep("a", false)},
			Pods:        []corev1.Pod{pod("a-1", "a")},
		},
		wantUsed: map[string]*env.Resources{"a": nil},
	}, {
		name: "an environment being deleted is not listed",
		snap: kube.Snapshot{
			Deployments: []appsv1.Deployment{dep("a", false), dep("gone", true)},
		},
		wantUsed: map[string]*env.Resources{"a": nil},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := map[string]*env.Resources{}
			var order []string
			for _, v := range views(&tc.snap, config.Default(), now, nil) {
				got[v.Name] = v.Used
				order = append(order, v.Name)
			}
			if diff := cmp.Diff(tc.wantUsed, got); diff != "" {
				t.Errorf("used by environment (-want +got):\n%s", diff)
			}
			for i := 1; i < len(order); i++ {
				if order[i-1] > order[i] {
					t.Errorf("views not sorted by name: %v", order)
				}
			}
		})
	}
}
