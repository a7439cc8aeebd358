package chart

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// funcYAML is the part of func's func.yaml (specVersion 0.36.0, knative.dev/func
// pkg/functions/function.go) that must agree with the chart. Decoding is strict over these
// fields only where they are known; unknown top-level keys are allowed (func has many).
type funcYAML struct {
	SpecVersion string `json:"specVersion"`
	Name        string `json:"name"`
	Runtime     string `json:"runtime"`
	Invoke      string `json:"invoke"`
	Run         struct {
		Envs []struct {
			Name  string `json:"name"`
			Value string `json:"value"`
		} `json:"envs"`
		Volumes []struct {
			Secret    string `json:"secret"`
			ConfigMap string `json:"configMap"`
			Path      string `json:"path"`
		} `json:"volumes"`
	} `json:"run"`
	Deploy struct {
		Namespace          string `json:"namespace"`
		ServiceAccountName string `json:"serviceAccountName"`
		HealthEndpoints    struct {
			Liveness  string `json:"liveness"`
			Readiness string `json:"readiness"`
		} `json:"healthEndpoints"`
		Options struct {
			Scale struct {
				Min *int64 `json:"min"`
				Max *int64 `json:"max"`
			} `json:"scale"`
			Resources struct {
				Requests struct {
					CPU    string `json:"cpu"`
					Memory string `json:"memory"`
				} `json:"requests"`
				Limits struct {
					CPU         string `json:"cpu"`
					Memory      string `json:"memory"`
					Concurrency *int64 `json:"concurrency"`
				} `json:"limits"`
			} `json:"resources"`
		} `json:"options"`
		Subscriptions []struct {
			Source  string            `json:"source"`
			Filters map[string]string `json:"filters"`
		} `json:"subscriptions"`
	} `json:"deploy"`
}

// funcYAMLPath is where each function's func.yaml lives: the root file function at the repo
// root, the others in their folders.
func funcYAMLPath(name string) string {
	if name == "web" {
		return filepath.Join(root, "func.yaml")
	}
	return filepath.Join(root, "functions", name, "func.yaml")
}

// secretOrConfigMapRef is func's "{{ secret:NAME:KEY }}" / "{{ configMap:NAME:KEY }}".
var secretOrConfigMapRef = regexp.MustCompile(`^\{\{\s*(secret|configMap):([-.a-z0-9]+):([-._a-zA-Z0-9]+)\s*\}\}$`)

// envForm renders one env entry in a form both sides share: a literal value, or the
// Secret/ConfigMap key it comes from.
func envFormFunc(value string) string {
	if m := secretOrConfigMapRef.FindStringSubmatch(value); m != nil {
		return fmt.Sprintf("%s %s/%s", m[1], m[2], m[3])
	}
	return "value " + value
}

func envFormKube(e corev1.EnvVar) string {
	switch {
	case e.ValueFrom == nil:
		return "value " + e.Value
	case e.ValueFrom.SecretKeyRef != nil:
		return fmt.Sprintf("secret %s/%s", e.ValueFrom.SecretKeyRef.Name, e.ValueFrom.SecretKeyRef.Key)
	case e.ValueFrom.ConfigMapKeyRef != nil:
		return fmt.Sprintf("configMap %s/%s", e.ValueFrom.ConfigMapKeyRef.Name, e.ValueFrom.ConfigMapKeyRef.Key)
	}
	return fmt.Sprintf("unsupported %+v", e.ValueFrom)
}

// chartOnlyEnvs are set by the chart but not by func.yaml, with the reason.
var chartOnlyEnvs = map[string]string{
	// func's builders bake LISTEN_ADDRESS=[::]:8080 into the image (pkg/oci/go_builder.go) and
	// `func run` sets its own; the chart sets it for images built by ko.
	"LISTEN_ADDRESS": "set by func's builders",
}

// TestFuncYAMLMatchesChart parses every function's func.yaml and checks it against the
// function's Knative Service in config/: name, namespace, service account, envs (values and
// Secret/ConfigMap keys), volumes, scale bounds, resources, concurrency, health endpoints,
// invoke kind, and the alert handler's subscriptions against the Triggers.
func TestFuncYAMLMatchesChart(t *testing.T) {
	r := loadConfigDir(t)
	svcs := r.knativeServices(t)
	var triggers []trigger
	for _, o := range r.all("Trigger") {
		var tr trigger
		o.into(t, &tr)
		triggers = append(triggers, tr)
	}
	var sb sinkBinding
	r.get(t, "SinkBinding", "alertsource").into(t, &sb)
	var ping pingSource
	r.get(t, "PingSource", "reaper").into(t, &ping)

	for _, name := range functions {
		t.Run(name, func(t *testing.T) {
			path := funcYAMLPath(name)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("every function needs a func.yaml: %v", err)
			}
			var f funcYAML
			if err := yaml.Unmarshal(raw, &f); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			svc, ok := svcs[name]
			if !ok {
				t.Fatalf("the chart renders no Knative Service %s", name)
			}
			tmpl := svc.Spec.Template
			c := tmpl.Spec.Containers[0]

			if f.SpecVersion != "0.36.0" || f.Runtime != "go" || f.Name != name {
				t.Errorf("specVersion/runtime/name = %s/%s/%s, want 0.36.0/go/%s", f.SpecVersion, f.Runtime, f.Name, name)
			}
			if f.Deploy.Namespace != svc.Metadata.Namespace {
				t.Errorf("deploy.namespace %q, chart %q", f.Deploy.Namespace, svc.Metadata.Namespace)
			}
			if f.Deploy.ServiceAccountName != tmpl.Spec.ServiceAccountName {
				t.Errorf("deploy.serviceAccountName %q, chart %q", f.Deploy.ServiceAccountName, tmpl.Spec.ServiceAccountName)
			}
			if f.Deploy.HealthEndpoints.Liveness != c.LivenessProbe.HTTPGet.Path || f.Deploy.HealthEndpoints.Readiness != c.ReadinessProbe.HTTPGet.Path {
				t.Errorf("healthEndpoints %+v, chart probes %s / %s", f.Deploy.HealthEndpoints, c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path)
			}

			// Envs: the same names with the same values or Secret/ConfigMap keys.
			want := map[string]string{}
			for _, e := range c.Env {
				if _, skip := chartOnlyEnvs[e.Name]; !skip {
					want[e.Name] = envFormKube(e)
				}
			}
			got := map[string]string{}
			for _, e := range f.Run.Envs {
				got[e.Name] = envFormFunc(e.Value)
			}
			if name == "alertsource" {
				// The chart's SinkBinding injects K_SINK: the Broker it names must be the one
				// func.yaml's K_SINK points at.
				if sb.Spec.Sink.Ref != nil {
					want["K_SINK"] = "value " + brokerURL(svc.Metadata.Namespace, sb.Spec.Sink.Ref.Name)
				}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("run.envs (-chart +func.yaml):\n%s", diff)
			}

			// Volumes: mounted at the same paths from the same Secrets/ConfigMaps.
			wantVols, gotVols := map[string]string{}, map[string]string{}
			for _, m := range c.VolumeMounts {
				for _, v := range tmpl.Spec.Volumes {
					if v.Name != m.Name {
						continue
					}
					switch {
					case v.Secret != nil:
						wantVols[m.MountPath] = "secret " + v.Secret.SecretName
					case v.ConfigMap != nil:
						wantVols[m.MountPath] = "configMap " + v.ConfigMap.Name
					}
				}
			}
			for _, v := range f.Run.Volumes {
				switch {
				case v.Secret != "":
					gotVols[v.Path] = "secret " + v.Secret
				case v.ConfigMap != "":
					gotVols[v.Path] = "configMap " + v.ConfigMap
				}
			}
			if diff := cmp.Diff(wantVols, gotVols); diff != "" {
				t.Errorf("run.volumes (-chart +func.yaml):\n%s", diff)
			}

			// Scale bounds, resources and concurrency.
			ann := tmpl.Metadata.Annotations
			checkInt := func(field string, got *int64, want string) {
				t.Helper()
				if got == nil || strconv.FormatInt(*got, 10) != want {
					t.Errorf("%s = %v, chart %q", field, deref(got), want)
				}
			}
			checkInt("deploy.options.scale.min", f.Deploy.Options.Scale.Min, ann["autoscaling.knative.dev/min-scale"])
			checkInt("deploy.options.scale.max", f.Deploy.Options.Scale.Max, ann["autoscaling.knative.dev/max-scale"])
			if tmpl.Spec.ContainerConcurrency == nil {
				t.Errorf("chart sets no containerConcurrency")
			} else {
				checkInt("deploy.options.resources.limits.concurrency", f.Deploy.Options.Resources.Limits.Concurrency, strconv.FormatInt(*tmpl.Spec.ContainerConcurrency, 10))
			}
			res := f.Deploy.Options.Resources
			for _, q := range []struct {
				field string
				got   string
				want  resource.Quantity
			}{
				{"requests.cpu", res.Requests.CPU, c.Resources.Requests[corev1.ResourceCPU]},
				{"requests.memory", res.Requests.Memory, c.Resources.Requests[corev1.ResourceMemory]},
				{"limits.cpu", res.Limits.CPU, c.Resources.Limits[corev1.ResourceCPU]},
				{"limits.memory", res.Limits.Memory, c.Resources.Limits[corev1.ResourceMemory]},
			} {
				got, err := resource.ParseQuantity(q.got)
				if err != nil || got.Cmp(q.want) != 0 {
					t.Errorf("deploy.options.resources.%s = %q, chart %s", q.field, q.got, q.want.String())
				}
			}

			// Invoke kind: CloudEvents functions are exactly the event sources' sinks.
			var sinkOf []string
			for _, tr := range triggers {
				if ref := tr.Spec.Subscriber.Ref; ref != nil && ref.Kind == "Service" && ref.Name == name {
					sinkOf = append(sinkOf, "Trigger "+tr.Metadata.Name)
				}
			}
			if ref := ping.Spec.Sink.Ref; ref != nil && ref.Kind == "Service" && ref.Name == name {
				sinkOf = append(sinkOf, "PingSource "+ping.Metadata.Name)
			}
			wantInvoke := "http"
			if len(sinkOf) > 0 {
				wantInvoke = "cloudevent"
			}
			if f.Invoke != wantInvoke {
				t.Errorf("invoke %q, want %q (receives events from %v)", f.Invoke, wantInvoke, sinkOf)
			}

			// Subscriptions: one per Trigger feeding this function, same Broker and filters.
			var wantSubs, gotSubs []string
			for _, tr := range triggers {
				if ref := tr.Spec.Subscriber.Ref; ref != nil && ref.Name == name {
					wantSubs = append(wantSubs, subscription(tr.Spec.Broker, tr.Spec.Filter.Attributes))
				}
			}
			for _, s := range f.Deploy.Subscriptions {
				gotSubs = append(gotSubs, subscription(s.Source, s.Filters))
			}
			sort.Strings(wantSubs)
			sort.Strings(gotSubs)
			if diff := cmp.Diff(wantSubs, gotSubs); diff != "" {
				t.Errorf("deploy.subscriptions (-chart Triggers +func.yaml):\n%s", diff)
			}
		})
	}
}

func subscription(broker string, filters map[string]string) string {
	keys := make([]string, 0, len(filters))
	for k := range filters {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := "broker=" + broker
	for _, k := range keys {
		s += " " + k + "=" + filters[k]
	}
	return s
}

// brokerURL is the address Knative's multi-tenant broker ingress gives a Broker.
func brokerURL(namespace, broker string) string {
	return "http://broker-ingress.knative-eventing.svc.cluster.local/" + namespace + "/" + broker
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestEveryFunctionFolderHasFuncYAML: no function folder is left without a func.yaml.
func TestEveryFunctionFolderHasFuncYAML(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join(root, "functions", "*"))
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, f := range functions {
		known[f] = true
	}
	for _, d := range dirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			continue
		}
		name := filepath.Base(d)
		if !known[name] {
			t.Errorf("functions/%s is not deployed by the chart", name)
		}
		if _, err := os.Stat(filepath.Join(d, "func.yaml")); err != nil {
			t.Errorf("functions/%s has no func.yaml", name)
		}
	}
}
