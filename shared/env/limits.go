package env

import (
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	"knative.dev/pkg/apis"
)

// Limits of a Spec that do not depend on the team. The checks that apply them are in
// package validation; the limits are part of the API (docs/openapi.yaml).
const (
	// MaxNameLength leaves room in the 63-character label and name limits for the
	// suffixes of the environment's objects ("-home", "-ssh") and pod hashes.
	MaxNameLength    = 40
	MaxPackages      = 50
	MaxSSHKeys       = 10
	MaxEnvVars       = 50
	MaxEnvKeyBytes   = 256
	MaxEnvValueBytes = 4096
	MinLifetime      = 10 * time.Minute
)

// Quantity bounds of a Spec that do not depend on the team.
var (
	MinCPU            = resource.MustParse("100m")
	MinMemory         = resource.MustParse("128Mi")
	MinPersistentHome = resource.MustParse("1Gi")
	MaxPersistentHome = resource.MustParse("500Gi")
)

// ValidateName checks an environment's name by the API's rule, reporting it as field. Every
// door that takes a name (the API, the alert handler's events) uses it, so a name the API
// would refuse is refused everywhere as bad input, never passed on to the cluster.
func ValidateName(name, field string) *apis.FieldError {
	if name == "" {
		return apis.ErrMissingField(field)
	}
	if len(name) > MaxNameLength {
		return apis.ErrInvalidValue(name, field, fmt.Sprintf("must be at most %d characters", MaxNameLength))
	}
	if msgs := validation.IsDNS1123Label(name); len(msgs) > 0 {
		// The apiserver's own wording quotes a regular expression; say the rule in words.
		return apis.ErrInvalidValue(name, field, "use lowercase letters, digits and '-', starting and ending with a letter or digit (a DNS-1123 label)")
	}
	return nil
}
