package env

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devenvs/devenvs/shared/rightsize"
	"github.com/devenvs/devenvs/shared/testbed"
)

// TestOpenAPIMatchesTypes keeps docs/openapi.yaml honest: its request and response schemas
// list exactly the JSON fields of the Go types.
func TestOpenAPIMatchesTypes(t *testing.T) {
	for schema, typ := range map[string]reflect.Type{
		"Spec":        reflect.TypeFor[Spec](),
		"Update":      reflect.TypeFor[Update](),
		"Environment": reflect.TypeFor[Environment](),
		"Resources":   reflect.TypeFor[Resources](),
		"Warning":     reflect.TypeFor[Warning](),
		// Right-sizing advice (shared/rightsize), part of Environment.
		"Recommendation": reflect.TypeFor[rightsize.Recommendation](),
		"Advice":         reflect.TypeFor[rightsize.Advice](),
	} {
		documented := testbed.OpenAPIProperties(t, "../../docs/openapi.yaml", schema)
		if diff := cmp.Diff(testbed.JSONFields(typ), documented); diff != "" {
			t.Errorf("docs/openapi.yaml schema %s vs Go type %s (-go +doc):\n%s", schema, typ, diff)
		}
	}
}
