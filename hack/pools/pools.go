// Package pools reads hack/pools.yaml, the one definition of the node pools that the local
// cluster, kind-config.yaml and the product configuration are built from or checked against.
package pools

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// Pool is one node pool: its nodes carry the label pool=<Name> and the taint pool=<Name>:NoSchedule.
type Pool struct {
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Nodes       int               `json:"nodes"`
	CPU         resource.Quantity `json:"cpu"`
	Memory      resource.Quantity `json:"memory"`
	GPUs        int64             `json:"gpus,omitempty"`
	// Real marks the pool of the one real node (hack/realnode.sh); KWOK simulates the others.
	// Its cpu and memory are what the machine gives, not what the file says.
	Real bool `json:"real,omitempty"`
}

// Label and taint key shared by every pool.
const Key = "pool"

// GPUResource is the extended resource a GPU node advertises.
const GPUResource = "nvidia.com/gpu"

// DefaultPath is hack/pools.yaml, found relative to this source file so tests in any
// package of the module can load it.
func DefaultPath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "pools.yaml")
}

// Load parses a pools file strictly: a typo in a field name is an error, not a silent default.
func Load(path string) ([]Pool, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read pools: %w", err)
	}
	var doc struct {
		Pools []Pool `json:"pools"`
	}
	if err := yaml.UnmarshalStrict(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	seen := map[string]bool{}
	for i, p := range doc.Pools {
		switch {
		case p.Name == "":
			return nil, fmt.Errorf("%s: pools[%d].name is empty", path, i)
		case seen[p.Name]:
			return nil, fmt.Errorf("%s: pools[%d].name %q is defined twice", path, i, p.Name)
		case p.Nodes < 1:
			return nil, fmt.Errorf("%s: pools[%d].nodes must be at least 1", path, i)
		}
		seen[p.Name] = true
	}
	return doc.Pools, nil
}
