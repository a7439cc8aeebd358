package resources

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/config"
)

func TestMakeNamespace(t *testing.T) {
	team, _ := config.Default().Team("beta")
	want := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: "devenvs-beta",
		Labels: map[string]string{
			"app.kubernetes.io/managed-by":       "devenvs",
			"devenvs.dev/team":                   "beta",
			"pod-security.kubernetes.io/enforce": "baseline",
		},
	}}
	if diff := cmp.Diff(want, MakeNamespace(team)); diff != "" {
		t.Errorf("MakeNamespace() (-want +got):\n%s", diff)
	}
}

func TestMakeResourceQuota(t *testing.T) {
	alpha, _ := config.Default().Team("alpha")
	noQuota := *alpha
	noQuota.Quota, noQuota.MaxGPUs = nil, 0
	tests := []struct {
		name string
		team *config.Team
		want *corev1.ResourceQuota
	}{{
		name: "team quota",
		team: alpha,
		want: &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Name: "devenvs", Namespace: "devenvs-alpha", Labels: map[string]string{
				"app.kubernetes.io/managed-by": "devenvs", "devenvs.dev/team": "alpha",
			}},
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
				"requests.cpu":     resource.MustParse("32"),
				"requests.memory":  resource.MustParse("128Gi"),
				"limits.cpu":       resource.MustParse("32"),
				"limits.memory":    resource.MustParse("128Gi"),
				"requests.storage": resource.MustParse("500Gi"),
				"pods":             resource.MustParse("20"),
				// Issue 14 item 12: the GPU line is always there (maxGPUs: 4 for alpha).
				"requests.nvidia.com/gpu": resource.MustParse("4"),
			}},
		},
	}, {
		// A team without quota lines still gets its GPU line: 0 GPUs unless given.
		name: "no quota lines",
		team: &noQuota,
		want: &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Name: "devenvs", Namespace: "devenvs-alpha", Labels: map[string]string{
				"app.kubernetes.io/managed-by": "devenvs", "devenvs.dev/team": "alpha",
			}},
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests.nvidia.com/gpu": resource.MustParse("0")}},
		},
	}, {
		name: "an explicit GPU line wins over maxGPUs",
		team: &config.Team{Name: "gamma", Namespace: "devenvs-gamma", MaxGPUs: 8, Quota: corev1.ResourceList{"requests.nvidia.com/gpu": resource.MustParse("2")}},
		want: &corev1.ResourceQuota{
			ObjectMeta: metav1.ObjectMeta{Name: "devenvs", Namespace: "devenvs-gamma", Labels: map[string]string{
				"app.kubernetes.io/managed-by": "devenvs", "devenvs.dev/team": "gamma",
			}},
			Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"requests.nvidia.com/gpu": resource.MustParse("2")}},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, MakeResourceQuota(tc.team), cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 })); diff != "" {
				t.Errorf("MakeResourceQuota() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMakePriorityClasses(t *testing.T) {
	pc := func(name string, value int32, desc string, policy corev1.PreemptionPolicy) schedulingv1.PriorityClass {
		return schedulingv1.PriorityClass{
			ObjectMeta:       metav1.ObjectMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/managed-by": "devenvs"}},
			Value:            value,
			Description:      desc,
			PreemptionPolicy: &policy,
		}
	}
	// Issue 14 item 12: by default no priority evicts anyone (other teams' environments
	// share the pools); only one configured with preempts: true does.
	want := []schedulingv1.PriorityClass{
		pc("devenvs-low", 1000, "Background work; preempted first when the cluster is full", corev1.PreemptNever),
		pc("devenvs-normal", 10000, "Everyday interactive work", corev1.PreemptNever),
		pc("devenvs-high", 100000, "Urgent work; scheduled before lower priorities (evicts nobody)", corev1.PreemptNever),
	}
	cfg := config.Default()
	if diff := cmp.Diff(want, MakePriorityClasses(cfg)); diff != "" {
		t.Errorf("MakePriorityClasses() (-want +got):\n%s", diff)
	}
	cfg.Priorities[2].Preempts = true
	if got := MakePriorityClasses(cfg)[2].PreemptionPolicy; *got != corev1.PreemptLowerPriority {
		t.Errorf("high with preempts: true: %s, want PreemptLowerPriority", *got)
	}
}

func TestMakeEnvironmentsQuota(t *testing.T) {
	team := &config.Team{Name: "alpha", Namespace: "devenvs-alpha", MaxEnvironments: 7}
	want := &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{
			Name:      "devenvs-environments",
			Namespace: "devenvs-alpha",
			Labels:    map[string]string{"app.kubernetes.io/managed-by": "devenvs", "devenvs.dev/team": "alpha"},
		},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{"count/leases.coordination.k8s.io": resource.MustParse("7")}},
	}
	if diff := cmp.Diff(want, MakeEnvironmentsQuota(team), cmp.Comparer(func(a, b resource.Quantity) bool { return a.Cmp(b) == 0 })); diff != "" {
		t.Errorf("MakeEnvironmentsQuota() (-want +got):\n%s", diff)
	}
}

func TestMakeNameClaimAndPlace(t *testing.T) {
	claim := MakeNameClaim("alpha", "devenvs-alpha", "demo")
	labels := map[string]string{"app.kubernetes.io/managed-by": "devenvs", "devenvs.dev/team": "alpha", "devenvs.dev/env": "demo"}
	want := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "demo.name-claim", Namespace: "devenvs-alpha", Labels: labels}}
	if diff := cmp.Diff(want, claim); diff != "" {
		t.Errorf("MakeNameClaim() (-want +got):\n%s", diff)
	}
	claim.UID = "uid-1"
	place := MakePlace(claim)
	wantPlace := metav1.ObjectMeta{
		GenerateName:    "demo-",
		Namespace:       "devenvs-alpha",
		Labels:          labels,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "demo.name-claim", UID: "uid-1"}},
	}
	if diff := cmp.Diff(wantPlace, place.ObjectMeta); diff != "" {
		t.Errorf("MakePlace() (-want +got):\n%s", diff)
	}
}
