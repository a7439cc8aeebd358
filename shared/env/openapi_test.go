package env

import (
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestOpenAPIMatchesTypes keeps docs/openapi.yaml honest: its request and response schemas
// list exactly the JSON fields of the Go types.
func TestOpenAPIMatchesTypes(t *testing.T) {
	raw, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	for schema, typ := range map[string]reflect.Type{
		"Spec":        reflect.TypeFor[Spec](),
		"Update":      reflect.TypeFor[Update](),
		"Environment": reflect.TypeFor[Environment](),
		"Resources":   reflect.TypeFor[Resources](),
	} {
		var documented []string
		for name := range doc.Components.Schemas[schema].Properties {
			documented = append(documented, name)
		}
		sort.Strings(documented)
		if diff := cmp.Diff(jsonFields(typ), documented); diff != "" {
			t.Errorf("docs/openapi.yaml schema %s vs Go type %s (-go +doc):\n%s", schema, typ, diff)
		}
	}
}

func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
