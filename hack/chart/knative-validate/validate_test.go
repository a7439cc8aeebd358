package knativevalidate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	eventingv1 "knative.dev/eventing/pkg/apis/eventing/v1"
	sourcesv1 "knative.dev/eventing/pkg/apis/sources/v1"
	"knative.dev/pkg/apis"
	servingv1 "knative.dev/serving/pkg/apis/serving/v1"
	"sigs.k8s.io/yaml"
)

// knativeObject is what the webhooks of Knative Serving and Eventing do on admission:
// default, then validate.
type knativeObject interface {
	SetDefaults(context.Context)
	Validate(context.Context) *apis.FieldError
}

// newObject returns an empty typed object for a Knative kind, or nil for any other kind.
func newObject(apiVersion, kind string) knativeObject {
	switch apiVersion + "/" + kind {
	case "serving.knative.dev/v1/Service":
		return &servingv1.Service{}
	case "eventing.knative.dev/v1/Broker":
		return &eventingv1.Broker{}
	case "eventing.knative.dev/v1/Trigger":
		return &eventingv1.Trigger{}
	case "sources.knative.dev/v1/PingSource":
		return &sourcesv1.PingSource{}
	case "sources.knative.dev/v1/SinkBinding":
		return &sourcesv1.SinkBinding{}
	}
	return nil
}

// doc is one YAML document of a rendered manifest.
type doc struct {
	source     string // file and index, for messages
	apiVersion string
	kind       string
	name       string
	raw        []byte
}

func (d doc) String() string {
	return fmt.Sprintf("%s %s/%s (%s)", d.kind, d.apiVersion, d.name, d.source)
}

// manifestFiles are config/*.yaml plus the comma-separated files in DEVENVS_MANIFESTS
// (hack/chart/check.sh passes the chart rendered with each values file).
func manifestFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("../../../config/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no config/*.yaml found (err=%v)", err)
	}
	sort.Strings(files)
	for _, f := range strings.Split(os.Getenv("DEVENVS_MANIFESTS"), ",") {
		if f = strings.TrimSpace(f); f != "" {
			files = append(files, f)
		}
	}
	return files
}

func readDocs(t *testing.T, file string) []doc {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []doc
	for i, part := range bytes.Split(append([]byte("\n"), data...), []byte("\n---\n")) {
		var meta struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(part, &meta); err != nil {
			t.Fatalf("%s document %d: %v", file, i, err)
		}
		if meta.Kind == "" {
			continue // comments only
		}
		out = append(out, doc{source: fmt.Sprintf("%s#%d", file, i), apiVersion: meta.APIVersion, kind: meta.Kind, name: meta.Metadata.Name, raw: part})
	}
	return out
}

// decode strictly decodes d into its Knative type (unknown fields are errors, as the CRD's
// structural schema would prune them silently) and stands in for `ko resolve` the way ko
// would: a ko:// image becomes a digest reference.
func decode(d doc) (knativeObject, error) {
	obj := newObject(d.apiVersion, d.kind)
	if obj == nil {
		return nil, nil
	}
	if err := yaml.UnmarshalStrict(d.raw, obj); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	if svc, ok := obj.(*servingv1.Service); ok {
		for i := range svc.Spec.Template.Spec.Containers {
			c := &svc.Spec.Template.Spec.Containers[i]
			if strings.HasPrefix(c.Image, "ko://") {
				c.Image = "ko-resolved/" + path.Base(c.Image) + "@sha256:" + strings.Repeat("0", 64)
			}
		}
	}
	return obj, nil
}

// check runs the webhook's steps on d, as on a create.
func check(d doc) error {
	obj, err := decode(d)
	if err != nil || obj == nil {
		return err
	}
	ctx := apis.WithinCreate(context.Background())
	obj.SetDefaults(ctx)
	if fe := obj.Validate(ctx); fe != nil {
		return fe
	}
	return nil
}

// TestRenderedKnativeObjectsValidate decodes every Knative object of config/ (and of the extra
// renderings) into Knative's own Go types and runs SetDefaults and Validate on it.
func TestRenderedKnativeObjectsValidate(t *testing.T) {
	for _, file := range manifestFiles(t) {
		counts := map[string]int{}
		for _, d := range readDocs(t, file) {
			if newObject(d.apiVersion, d.kind) == nil {
				continue
			}
			counts[d.kind]++
			if err := check(d); err != nil {
				t.Errorf("%s: %v", d, err)
			}
		}
		t.Logf("%s: validated %v", file, counts)
	}
}

// TestConfigHasEveryKnativeObject guards the test above against validating nothing: config/
// must hold the eight functions, both Brokers, both Triggers and the two sources.
func TestConfigHasEveryKnativeObject(t *testing.T) {
	got := map[string][]string{}
	files, _ := filepath.Glob("../../../config/*.yaml")
	for _, file := range files {
		for _, d := range readDocs(t, file) {
			if newObject(d.apiVersion, d.kind) != nil {
				got[d.kind] = append(got[d.kind], d.name)
			}
		}
	}
	want := map[string][]string{
		"Service":     {"alerthandler", "alertsource", "createenv", "deleteenv", "listenvs", "reaper", "updateenv", "web"},
		"Broker":      {"dead-letter", "default"},
		"Trigger":     {"alerthandler-firing", "alerthandler-resolved"},
		"PingSource":  {"reaper"},
		"SinkBinding": {"alertsource"},
	}
	for kind, names := range want {
		sort.Strings(got[kind])
		if strings.Join(got[kind], ",") != strings.Join(names, ",") {
			t.Errorf("config/ %ss = %v, want %v", kind, got[kind], names)
		}
	}
}

// TestValidationCatchesBrokenObjects proves the checks above can fail: each case mutates a
// rendered object of config/ and must be refused, with a message naming the problem.
func TestValidationCatchesBrokenObjects(t *testing.T) {
	byName := map[string]doc{}
	files, _ := filepath.Glob("../../../config/*.yaml")
	for _, file := range files {
		for _, d := range readDocs(t, file) {
			byName[d.kind+"/"+d.name] = d
		}
	}
	mutate := func(key string, change func(map[string]any)) doc {
		t.Helper()
		d, ok := byName[key]
		if !ok {
			t.Fatalf("config/ has no %s", key)
		}
		var m map[string]any
		if err := yaml.Unmarshal(d.raw, &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		raw, err := yaml.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		d.raw = raw
		return d
	}
	spec := func(m map[string]any) map[string]any { return m["spec"].(map[string]any) }
	container := func(m map[string]any) map[string]any {
		tmpl := spec(m)["template"].(map[string]any)
		return tmpl["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)
	}

	cases := []struct {
		name string
		doc  doc
		want string
	}{{
		name: "trigger without subscriber",
		doc:  mutate("Trigger/alerthandler-firing", func(m map[string]any) { delete(spec(m), "subscriber") }),
		want: "subscriber",
	}, {
		name: "trigger with a non-ISO 8601 backoff delay",
		doc: mutate("Trigger/alerthandler-resolved", func(m map[string]any) {
			spec(m)["delivery"].(map[string]any)["backoffDelay"] = "1s"
		}),
		want: "backoffDelay",
	}, {
		name: "trigger with a misspelt field",
		doc: mutate("Trigger/alerthandler-firing", func(m map[string]any) {
			spec(m)["delivry"] = spec(m)["delivery"]
			delete(spec(m), "delivery")
		}),
		want: "delivry",
	}, {
		name: "service with a container concurrency above the maximum",
		doc: mutate("Service/createenv", func(m map[string]any) {
			spec(m)["template"].(map[string]any)["spec"].(map[string]any)["containerConcurrency"] = 5000
		}),
		want: "containerConcurrency",
	}, {
		name: "service with a pod-level security context (off by default in Knative)",
		doc: mutate("Service/listenvs", func(m map[string]any) {
			spec(m)["template"].(map[string]any)["spec"].(map[string]any)["securityContext"] = map[string]any{"runAsNonRoot": true}
		}),
		want: "securityContext",
	}, {
		name: "service with an image that is not a reference",
		doc:  mutate("Service/web", func(m map[string]any) { container(m)["image"] = "<your-registry>/web" }),
		want: "image",
	}, {
		name: "ping source with a malformed schedule",
		doc:  mutate("PingSource/reaper", func(m map[string]any) { spec(m)["schedule"] = "every minute" }),
		want: "schedule",
	}, {
		name: "sink binding without a subject",
		doc:  mutate("SinkBinding/alertsource", func(m map[string]any) { delete(spec(m), "subject") }),
		want: "subject",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := check(tc.doc)
			if err == nil {
				t.Fatalf("%s was accepted; want an error about %q", tc.doc, tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %q does not mention %q", err, tc.want)
			}
			t.Logf("refused: %v", strings.ReplaceAll(err.Error(), "\n", " "))
		})
	}
}
