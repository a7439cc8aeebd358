package chart

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// The repo root, seen from this package.
const root = "../.."

// object is one document of a rendered manifest.
type object struct {
	File       string
	APIVersion string
	Kind       string
	Name       string
	Namespace  string
	Raw        []byte
}

func (o object) String() string {
	return fmt.Sprintf("%s %s/%s (%s)", o.Kind, o.Namespace, o.Name, o.File)
}

// into strictly decodes the object into v.
func (o object) into(t *testing.T, v any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(o.Raw, v); err != nil {
		t.Fatalf("%s: %v", o, err)
	}
}

// readManifest splits a multi-document YAML file into objects.
func readManifest(t *testing.T, path string) []object {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []object
	for _, part := range bytes.Split(append([]byte("\n"), data...), []byte("\n---\n")) {
		var meta struct {
			APIVersion string            `json:"apiVersion"`
			Kind       string            `json:"kind"`
			Metadata   metav1.ObjectMeta `json:"metadata"`
		}
		if err := yaml.Unmarshal(part, &meta); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if meta.Kind == "" {
			continue
		}
		out = append(out, object{File: filepath.Base(path), APIVersion: meta.APIVersion, Kind: meta.Kind,
			Name: meta.Metadata.Name, Namespace: meta.Metadata.Namespace, Raw: part})
	}
	return out
}

// rendered is config/, the chart rendered with hack/chart/config-values.yaml (check.sh keeps
// the two identical).
type rendered []object

func loadConfigDir(t *testing.T) rendered {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "config", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no config/*.yaml (err=%v): run hack/chart/render-config.sh", err)
	}
	sort.Strings(files)
	var all rendered
	for _, f := range files {
		all = append(all, readManifest(t, f)...)
	}
	return all
}

// extraRenderings are the files named in DEVENVS_MANIFESTS (comma-separated): check.sh passes
// the chart rendered with every values file.
func extraRenderings(t *testing.T) map[string]rendered {
	out := map[string]rendered{}
	for _, f := range strings.Split(os.Getenv("DEVENVS_MANIFESTS"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			out[f] = readManifest(t, f)
		}
	}
	return out
}

func (r rendered) all(kind string) []object {
	var out []object
	for _, o := range r {
		if o.Kind == kind {
			out = append(out, o)
		}
	}
	return out
}

func (r rendered) get(t *testing.T, kind, name string) object {
	t.Helper()
	for _, o := range r {
		if o.Kind == kind && o.Name == name {
			return o
		}
	}
	t.Fatalf("no %s %s in the rendering", kind, name)
	return object{}
}

// The parts of Knative and Eventing objects the tests read. The root module does not depend
// on knative.dev/serving or eventing (see hack/chart/knative-validate/go.mod); Knative's own
// validation of these objects runs there.

type knativeService struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Template struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
			Spec     struct {
				corev1.PodSpec       `json:",inline"`
				ContainerConcurrency *int64 `json:"containerConcurrency,omitempty"`
				TimeoutSeconds       *int64 `json:"timeoutSeconds,omitempty"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

type kref struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	Namespace  string `json:"namespace,omitempty"`
}

type destination struct {
	Ref *kref  `json:"ref,omitempty"`
	URI string `json:"uri,omitempty"`
}

type trigger struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Broker string `json:"broker"`
		Filter struct {
			Attributes map[string]string `json:"attributes"`
		} `json:"filter"`
		Subscriber destination `json:"subscriber"`
		Delivery   struct {
			Retry          *int32       `json:"retry"`
			BackoffPolicy  string       `json:"backoffPolicy"`
			BackoffDelay   string       `json:"backoffDelay"`
			DeadLetterSink *destination `json:"deadLetterSink"`
		} `json:"delivery"`
	} `json:"spec"`
}

type sinkBinding struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Subject kref        `json:"subject"`
		Sink    destination `json:"sink"`
	} `json:"spec"`
}

type pingSource struct {
	APIVersion string            `json:"apiVersion"`
	Kind       string            `json:"kind"`
	Metadata   metav1.ObjectMeta `json:"metadata"`
	Spec       struct {
		Schedule    string      `json:"schedule"`
		Sink        destination `json:"sink"`
		CEOverrides *struct {
			Extensions map[string]string `json:"extensions"`
		} `json:"ceOverrides,omitempty"`
	} `json:"spec"`
}

func (r rendered) knativeServices(t *testing.T) map[string]knativeService {
	t.Helper()
	out := map[string]knativeService{}
	for _, o := range r.all("Service") {
		if o.APIVersion != "serving.knative.dev/v1" {
			continue
		}
		var s knativeService
		o.into(t, &s)
		out[s.Metadata.Name] = s
	}
	return out
}

// jsonEqual compares two values through their JSON form (resource.Quantity and friends have
// unexported fields that cmp cannot see into).
func jsonEqual(t *testing.T, a, b any) (string, string, bool) {
	t.Helper()
	ja, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(ja), string(jb), bytes.Equal(ja, jb)
}
