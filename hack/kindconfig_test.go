package hack

import (
	"os"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	kind "sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/yaml"

	"github.com/devenvs/devenvs/hack/pools"
)

// TestKindConfigMatchesPools decodes kind-config.yaml with kind's own v1alpha4 types and
// checks its workers carry exactly the pools of hack/pools.yaml, labelled and tainted alike.
func TestKindConfigMatchesPools(t *testing.T) {
	raw, err := os.ReadFile("../kind-config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cluster kind.Cluster
	if err := yaml.UnmarshalStrict(raw, &cluster); err != nil {
		t.Fatalf("kind-config.yaml does not decode as kind v1alpha4: %v", err)
	}
	if cluster.Kind != "Cluster" || cluster.APIVersion != "kind.x-k8s.io/v1alpha4" {
		t.Fatalf("kind/apiVersion = %s/%s", cluster.Kind, cluster.APIVersion)
	}
	ps, err := pools.Load(pools.DefaultPath())
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range ps {
		want = append(want, p.Name)
	}

	var got []string
	controlPlanes := 0
	for i, n := range cluster.Nodes {
		if n.Role == kind.ControlPlaneRole {
			controlPlanes++
			continue
		}
		pool := n.Labels[pools.Key]
		if pool == "" {
			t.Errorf("nodes[%d]: worker without a %q label", i, pools.Key)
			continue
		}
		got = append(got, pool)
		taints := workerTaints(t, n.KubeadmConfigPatches)
		wantTaints := []corev1.Taint{{Key: pools.Key, Value: pool, Effect: corev1.TaintEffectNoSchedule}}
		if diff := cmp.Diff(wantTaints, taints); diff != "" {
			t.Errorf("nodes[%d] (pool %s) taints (-want +got):\n%s", i, pool, diff)
		}
	}
	if controlPlanes != 1 {
		t.Errorf("control planes = %d, want 1", controlPlanes)
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("worker pools differ from hack/pools.yaml (-want +got):\n%s", diff)
	}
}

// workerTaints reads the taints of a worker's kubeadm JoinConfiguration patch.
func workerTaints(t *testing.T, patches []string) []corev1.Taint {
	t.Helper()
	var taints []corev1.Taint
	for _, p := range patches {
		var join struct {
			Kind             string `json:"kind"`
			NodeRegistration struct {
				Taints []corev1.Taint `json:"taints"`
			} `json:"nodeRegistration"`
		}
		if err := yaml.Unmarshal([]byte(p), &join); err != nil {
			t.Fatalf("kubeadm patch: %v", err)
		}
		if join.Kind == "JoinConfiguration" {
			taints = append(taints, join.NodeRegistration.Taints...)
		}
	}
	return taints
}
