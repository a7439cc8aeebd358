package listenvs

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"sigs.k8s.io/yaml"
)

// TestOpenAPIListMatchesResponse keeps docs/openapi.yaml's List schema equal to the JSON
// fields of Response (shared/env's test does the same for the types it owns).
func TestOpenAPIListMatchesResponse(t *testing.T) {
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
	var documented, fields []string
	for name := range doc.Components.Schemas["List"].Properties {
		documented = append(documented, name)
	}
	typ := reflect.TypeFor[Response]()
	for i := range typ.NumField() {
		if name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			fields = append(fields, name)
		}
	}
	slices.Sort(documented)
	slices.Sort(fields)
	if diff := cmp.Diff(fields, documented); diff != "" {
		t.Errorf("docs/openapi.yaml schema List vs listenvs.Response (-go +doc):\n%s", diff)
	}
}
