// Command kwoknodes prints the KWOK Node objects of every pool in hack/pools.yaml as a YAML
// List for `kubectl apply -f -`. KWOK's controller then keeps these fake nodes Ready and
// runs the pods scheduled onto them.
//
//	go run ./hack/kwoknodes [-pools hack/pools.yaml] [-scale 50]
package main

import (
	"flag"
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/devenvs/devenvs/hack/pools"
)

func main() {
	path := flag.String("pools", pools.DefaultPath(), "pools file")
	scale := flag.Int("scale", 0, "if set, make this many extra untainted cpu nodes (pool=bench) for scale benchmarks")
	flag.Parse()
	if err := run(*path, *scale); err != nil {
		fmt.Fprintln(os.Stderr, "kwoknodes:", err)
		os.Exit(1)
	}
}

func run(path string, scale int) error {
	ps, err := pools.Load(path)
	if err != nil {
		return err
	}
	list := &corev1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
	for _, p := range ps {
		if p.Real {
			continue // a kubelet registers it (hack/realnode.sh)
		}
		for i := 0; i < p.Nodes; i++ {
			list.Items = append(list.Items, runtime.RawExtension{Object: makeNode(p, i, true)})
		}
	}
	bench := pools.Pool{Name: "bench", CPU: resource.MustParse("64"), Memory: resource.MustParse("256Gi")}
	for i := 0; i < scale; i++ {
		list.Items = append(list.Items, runtime.RawExtension{Object: makeNode(bench, i, false)})
	}
	out, err := yaml.Marshal(list)
	if err != nil {
		return fmt.Errorf("encode nodes: %w", err)
	}
	_, err = os.Stdout.Write(out)
	return err
}

func makeNode(p pools.Pool, i int, tainted bool) *corev1.Node {
	name := fmt.Sprintf("kwok-%s-%d", p.Name, i)
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    p.CPU,
		corev1.ResourceMemory: p.Memory,
		corev1.ResourcePods:   resource.MustParse("250"),
	}
	if p.GPUs > 0 {
		capacity[pools.GPUResource] = *resource.NewQuantity(p.GPUs, resource.DecimalSI)
	}
	n := &corev1.Node{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Node"},
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Annotations: map[string]string{
				"node.alpha.kubernetes.io/ttl": "0",
				"kwok.x-k8s.io/node":           "fake",
				// Lets metrics-server scrape KWOK's simulated kubelet resource metrics.
				"metrics.k8s.io/resource-metrics-path": "/metrics/nodes/" + name + "/metrics/resource",
			},
			Labels: map[string]string{
				pools.Key:                name,
				"type":                   "kwok",
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
			},
		},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity,
			NodeInfo:    corev1.NodeSystemInfo{Architecture: "amd64", OperatingSystem: "linux", KubeletVersion: "fake"},
			Phase:       corev1.NodeRunning,
		},
	}
	n.Labels[pools.Key] = p.Name
	if tainted {
		n.Spec.Taints = []corev1.Taint{{Key: pools.Key, Value: p.Name, Effect: corev1.TaintEffectNoSchedule}}
	}
	return n
}
