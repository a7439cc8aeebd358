package app

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
	"knative.dev/pkg/apis"
)

// TeamAndName reads the /{team}/{name} path that addresses one environment. A malformed
// path is a field error naming the segment, like any other bad input.
func TeamAndName(path string) (team, name string, fe *apis.FieldError) {
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) != 2 {
		return "", "", apis.ErrGeneric("expected /{team}/{name}, got "+path, "path")
	}
	team, name = parts[0], parts[1]
	for field, v := range map[string]string{"team": team, "name": name} {
		if errs := validation.IsDNS1123Label(v); len(errs) > 0 {
			fe = fe.Also(apis.ErrInvalidValue(v, field, strings.Join(errs, "; ")))
		}
	}
	return team, name, fe
}
