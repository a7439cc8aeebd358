package listenvs

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devenvs/devenvs/shared/testbed"
)

// TestOpenAPIListMatchesResponse keeps docs/openapi.yaml's List schema equal to the JSON
// fields of Response (shared/env's test does the same for the types it owns).
func TestOpenAPIListMatchesResponse(t *testing.T) {
	documented := testbed.OpenAPIProperties(t, "../../docs/openapi.yaml", "List")
	if diff := cmp.Diff(testbed.JSONFields(reflect.TypeFor[Response]()), documented); diff != "" {
		t.Errorf("docs/openapi.yaml schema List vs listenvs.Response (-go +doc):\n%s", diff)
	}
}
