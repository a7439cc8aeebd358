package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

func TestDefault(t *testing.T) {
	c := Default()

	type summary struct {
		Pools, Priorities, Teams []string
		Classes                  []string
		Values                   []int32
		Defaults                 string
	}
	got := summary{Defaults: strings.Join([]string{c.Defaults.Image, c.Defaults.CPU.String(),
		c.Defaults.Memory.String(), c.Defaults.Pool, c.Defaults.Priority, c.Defaults.Lifetime.String()}, " ")}
	for _, p := range c.Pools {
		got.Pools = append(got.Pools, p.Name)
	}
	for _, p := range c.Priorities {
		got.Priorities = append(got.Priorities, p.Name)
		got.Classes = append(got.Classes, p.ClassName)
		got.Values = append(got.Values, p.Value)
	}
	for _, tm := range c.Teams {
		got.Teams = append(got.Teams, tm.Name)
	}
	want := summary{
		Pools:      []string{"cpu-small", "cpu-large", "gpu-a100", "real"},
		Priorities: []string{"low", "normal", "high"},
		Teams:      []string{"alpha", "beta"},
		Classes:    []string{"devenvs-low", "devenvs-normal", "devenvs-high"},
		Values:     []int32{1000, 10000, 100000},
		Defaults:   "ubuntu:24.04 1 2Gi cpu-small normal 8h",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Default() (-want +got):\n%s", diff)
	}

	gpu, ok := c.Pool("gpu-a100")
	if !ok || !gpu.GPU || gpu.ExtraResources.Name("nvidia.com/gpu", resource.DecimalSI).String() != "1" {
		t.Errorf("gpu-a100 = %+v, want gpu: true and extraResources nvidia.com/gpu: 1", gpu)
	}

	beta, _ := c.Team("beta")
	type limits struct {
		Pools, Priorities, Images []string
		CPU, Memory               string
		Lifetime                  time.Duration
		OnExpiry                  ExpiryAction
	}
	gotBeta := limits{beta.Pools, beta.Priorities, beta.Images, beta.MaxCPU.String(),
		beta.MaxMemory.String(), time.Duration(beta.MaxLifetime), beta.OnExpiry}
	wantBeta := limits{[]string{"cpu-small", "cpu-large", "real"}, []string{"low", "normal"},
		[]string{"ubuntu:*", "debian:*"}, "4", "8Gi", 24 * time.Hour, ExpiryStop}
	if diff := cmp.Diff(wantBeta, gotBeta); diff != "" {
		t.Errorf("team beta (-want +got):\n%s", diff)
	}

	// Each call must return an independent copy.
	c.Teams[0].Name = "mutated"
	if Default().Teams[0].Name != "alpha" {
		t.Error("Default() shares state between calls")
	}
}

// TestDefaultMatchesHackPools keeps the product's pools and the cluster's nodes
// (hack/pools.yaml, from which hack/cluster.sh makes nodes) from drifting apart.
func TestDefaultMatchesHackPools(t *testing.T) {
	data, err := os.ReadFile("../../hack/pools.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var hack struct {
		Pools []struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"pools"`
	}
	if err := yaml.Unmarshal(data, &hack); err != nil {
		t.Fatalf("hack/pools.yaml: %v", err)
	}
	type pool struct{ Name, Description string }
	var want, got []pool
	for _, p := range hack.Pools {
		want = append(want, pool{p.Name, p.Description})
	}
	for _, p := range Default().Pools {
		got = append(got, pool{p.Name, p.Description})

		if diff := cmp.Diff(map[string]string{"pool": p.Name}, p.NodeSelector); diff != "" {
			t.Errorf("pool %s nodeSelector (-want +got):\n%s", p.Name, diff)
		}
		taint := corev1.Toleration{Key: "pool", Operator: corev1.TolerationOpEqual, Value: p.Name, Effect: corev1.TaintEffectNoSchedule}
		if diff := cmp.Diff([]corev1.Toleration{taint}, p.Tolerations); diff != "" {
			t.Errorf("pool %s tolerations (-want +got):\n%s", p.Name, diff)
		}
	}
	if len(want) == 0 {
		t.Fatal("hack/pools.yaml lists no pools")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("default pools differ from hack/pools.yaml (-want +got):\n%s", diff)
	}
}

func TestParseDecodeErrors(t *testing.T) {
	base := string(defaultYAML)
	tests := []struct {
		name, yaml, want string
	}{{
		name: "unknown top-level field",
		yaml: base + "colour: blue\n",
		want: `unknown field "colour"`,
	}, {
		name: "unknown nested field",
		yaml: strings.Replace(base, "  port: 22\n", "  port: 22\n  prot: 23\n", 1),
		want: `unknown field "prot"`,
	}, {
		name: "duplicate key",
		yaml: base + "baseDomain: example.com\n",
		want: `"baseDomain" already set`,
	}, {
		name: "bad duration",
		yaml: strings.Replace(base, "lifetime: 8h", "lifetime: 8 hours", 1),
		want: `invalid duration "8 hours"`,
	}, {
		name: "bad quantity",
		yaml: strings.Replace(base, `maxCPU: "8"`, `maxCPU: eight`, 1),
		want: "quantities must match",
	}, {
		name: "not yaml",
		yaml: "pools: [",
		want: "decoding",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse() error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(good, defaultYAML, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(good)
	if err != nil {
		t.Fatalf("Load(default.yaml copy) = %v", err)
	}
	if diff := cmp.Diff(Default(), c); diff != "" {
		t.Errorf("Load differs from Default (-want +got):\n%s", diff)
	}

	if _, err := Load(filepath.Join(dir, "missing.yaml")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}

	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("teams: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Load(bad) = %v, want an error naming the file", err)
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		out  string
	}{
		{`"8h"`, 8 * time.Hour, `"8h"`},
		{`"90m"`, 90 * time.Minute, `"1h30m"`},
		{`"45s"`, 45 * time.Second, `"45s"`},
		{`"1h0m30s"`, time.Hour + 30*time.Second, `"1h0m30s"`},
		{`"0s"`, 0, `"0s"`},
	}
	for _, tc := range tests {
		var d Duration
		if err := d.UnmarshalJSON([]byte(tc.in)); err != nil {
			t.Fatalf("UnmarshalJSON(%s) = %v", tc.in, err)
		}
		if time.Duration(d) != tc.want {
			t.Errorf("UnmarshalJSON(%s) = %v, want %v", tc.in, time.Duration(d), tc.want)
		}
		out, err := d.MarshalJSON()
		if err != nil || string(out) != tc.out {
			t.Errorf("MarshalJSON(%v) = %s, %v, want %s", time.Duration(d), out, err, tc.out)
		}
	}
	for _, in := range []string{`8`, `"8"`, `"soon"`, `null`} {
		var d Duration
		if err := d.UnmarshalJSON([]byte(in)); err == nil {
			t.Errorf("UnmarshalJSON(%s) = nil error, want one", in)
		}
	}
}
