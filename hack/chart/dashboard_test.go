package chart

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"

	"github.com/devenvs/devenvs/shared/testbed"
)

// helmBinary is HELM, or the helm `hack/build-tools.sh helm` caches at hack/lib.sh's pin.
// Missing, it fails under CI and skips elsewhere.
func helmBinary(t *testing.T) string {
	t.Helper()
	if h := os.Getenv("HELM"); h != "" {
		return h
	}
	lib, err := os.ReadFile(filepath.Join(root, "hack/lib.sh"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^HELM_VERSION=\$\{HELM_VERSION:-(v[0-9][^}]*)\}`).FindSubmatch(lib)
	if m == nil {
		t.Fatal("hack/lib.sh: no HELM_VERSION=${HELM_VERSION:-vX.Y.Z} line")
	}
	bin := filepath.Join(testbed.CacheDir(), "helm-"+string(m[1]), "helm")
	if _, err := os.Stat(bin); err != nil {
		msg := "helm " + string(m[1]) + " not built (" + bin + "): run `hack/build-tools.sh helm`"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI is set, so this is a failure, not a skip)")
		}
		t.Skip(msg)
	}
	return bin
}

// render runs helm template on the chart with the given --set values.
func render(t *testing.T, sets ...string) rendered {
	t.Helper()
	args := []string{"template", "devenvs", filepath.Join(root, "charts/devenvs"), "--namespace", "devenvs"}
	for _, s := range sets {
		args = append(args, "--set", s)
	}
	out, err := exec.Command(helmBinary(t), args...).Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("helm %v: %v\n%s", args, err, stderr)
	}
	path := filepath.Join(t.TempDir(), "render.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return readManifest(t, path)
}

// dashboardConfigMaps are the rendered ConfigMaps that hold the Grafana dashboard.
func dashboardConfigMaps(t *testing.T, r rendered) []corev1.ConfigMap {
	t.Helper()
	var out []corev1.ConfigMap
	for _, o := range r.all("ConfigMap") {
		var cm corev1.ConfigMap
		o.into(t, &cm)
		if _, ok := cm.Data["devenvs.json"]; ok {
			out = append(out, cm)
		}
	}
	return out
}

// TestGrafanaDashboardConfigMap: the dashboard is rendered only when enabled, as a ConfigMap
// with the sidecar's label (default or configured), the folder annotation only when a folder
// is set, and the generated JSON (hack/dashboard) byte for byte.
func TestGrafanaDashboardConfigMap(t *testing.T) {
	want, err := os.ReadFile(filepath.Join(root, "charts/devenvs/files/devenvs-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(want) {
		t.Fatal("charts/devenvs/files/devenvs-dashboard.json is not JSON")
	}
	if got := dashboardConfigMaps(t, loadConfigDir(t)); len(got) != 0 {
		t.Errorf("config/ (dashboard off) has %d dashboard ConfigMaps", len(got))
	}
	for _, tc := range []struct {
		name            string
		sets            []string
		wantCMs         int
		wantNamespace   string
		wantLabels      map[string]string // beyond the chart's own
		wantAnnotations map[string]string
	}{
		{name: "default values: off"},
		{name: "explicitly off", sets: []string{"grafanaDashboard.enabled=false"}},
		{name: "on with the sidecar's default label", sets: []string{"grafanaDashboard.enabled=true"},
			wantCMs: 1, wantNamespace: "devenvs", wantLabels: map[string]string{"grafana_dashboard": "1"}},
		{name: "configured label, folder, namespace", sets: []string{"grafanaDashboard.enabled=true",
			"grafanaDashboard.label=dashboards.example.com/load", "grafanaDashboard.labelValue=yes",
			"grafanaDashboard.folder=Platform", "grafanaDashboard.namespace=monitoring", "grafanaDashboard.labels.team=platform"},
			wantCMs: 1, wantNamespace: "monitoring", wantLabels: map[string]string{"dashboards.example.com/load": "yes", "team": "platform"},
			wantAnnotations: map[string]string{"grafana_folder": "Platform"}},
		{name: "configured folder annotation", sets: []string{"grafanaDashboard.enabled=true",
			"grafanaDashboard.folder=devenvs", "grafanaDashboard.folderAnnotation=k8s-sidecar-target-directory"},
			wantCMs: 1, wantNamespace: "devenvs", wantLabels: map[string]string{"grafana_dashboard": "1"},
			wantAnnotations: map[string]string{"k8s-sidecar-target-directory": "devenvs"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cms := dashboardConfigMaps(t, render(t, tc.sets...))
			if len(cms) != tc.wantCMs {
				t.Fatalf("%d dashboard ConfigMaps, want %d", len(cms), tc.wantCMs)
			}
			if tc.wantCMs == 0 {
				return
			}
			cm := cms[0]
			if cm.Namespace != tc.wantNamespace {
				t.Errorf("namespace %q, want %q", cm.Namespace, tc.wantNamespace)
			}
			labels := map[string]string{}
			for k, v := range cm.Labels {
				if !regexp.MustCompile(`^app\.kubernetes\.io/`).MatchString(k) {
					labels[k] = v
				}
			}
			if diff := cmp.Diff(tc.wantLabels, labels); diff != "" {
				t.Errorf("labels (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantAnnotations, cm.Annotations); diff != "" {
				t.Errorf("annotations (-want +got):\n%s", diff)
			}
			if got := cm.Data["devenvs.json"]; got+"\n" != string(want) {
				t.Errorf("ConfigMap's devenvs.json differs from charts/devenvs/files/devenvs-dashboard.json")
			}
		})
	}
}
