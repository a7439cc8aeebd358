package testbed

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// OpenAPIProperties returns the property names of components.schemas[schema] in the OpenAPI
// document at path, sorted, so a test can hold the document to the Go type it describes.
func OpenAPIProperties(t testing.TB, path, schema string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
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
		t.Fatalf("%s: %v", path, err)
	}
	s, ok := doc.Components.Schemas[schema]
	if !ok {
		t.Fatalf("%s has no schema %s", path, schema)
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// JSONFields returns the JSON names of typ's fields, sorted; fields without a name or
// tagged "-" are left out.
func JSONFields(typ reflect.Type) []string {
	var names []string
	for i := range typ.NumField() {
		if name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
