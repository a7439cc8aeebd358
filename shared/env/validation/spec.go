// Package validation checks requests against the configuration: a create's Spec and an
// update, every error naming its JSON field and the rule. It is apart from package env,
// which every function links, because the image rule links Docker's reference grammar,
// whose regexps are compiled when a process starts (1.1 ms, docs/PERFORMANCE.md): only
// createenv and updateenv pay for it.
package validation

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/distribution/reference"
	"k8s.io/apimachinery/pkg/api/resource"
	"knative.dev/pkg/apis"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

var (
	// packageRE admits "name" or "name=version" in the alphabet of apt, apk and rpm names.
	// The first character cannot be '-', so a package can never be read as an option.
	// Compiled on first use: its bounded repetitions make it costly to compile, and only
	// creates use it.
	packageRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[a-z0-9][a-z0-9+._-]{0,99}(=[A-Za-z0-9.+~:_-]{1,64})?$`)
	})
	envKeyRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// reservedEnvPrefixes are set by Kubernetes and by the platform; letting users set them
// would confuse tools in the environment or the start script.
var reservedEnvPrefixes = []string{"KUBERNETES_", "DEVENVS_"}

// ValidateSpec checks a defaulted Spec against cfg. Every error names the JSON field path
// and the rule; checks that need the team are skipped when the team is unknown, which is
// itself reported on "team".
func ValidateSpec(s *env.Spec, cfg *config.Config) *apis.FieldError {
	var errs *apis.FieldError
	team, ok := cfg.Team(s.Team)
	switch {
	case s.Team == "":
		errs = errs.Also(apis.ErrMissingField("team"))
		team = nil
	case !ok:
		errs = errs.Also(apis.ErrInvalidValue(s.Team, "team", "unknown team"))
	}

	errs = errs.Also(validateName(s.Name))
	errs = errs.Also(validateImage(s.Image, team))
	errs = errs.Also(validatePackages(s.Packages))
	errs = errs.Also(validateCPU(s.CPU, team).ViaField("cpu"))
	errs = errs.Also(validateMemory(s.Memory, team).ViaField("memory"))
	errs = errs.Also(validatePool(cfg, s.Pool, team))
	errs = errs.Also(validatePriority(cfg, s.Priority, team))
	errs = errs.Also(validateLifetime(s.Lifetime, env.MinLifetime, team).ViaField("lifetime"))
	errs = errs.Also(validateSSHKeys(s.SSHPublicKeys))
	errs = errs.Also(validateHome(s.Home, s.PersistentHome))
	errs = errs.Also(validateEnv(s.Env))
	errs = errs.Also(validateIdleStop(s.IdleStop, team))
	return errs
}

// validateIdleStop refuses turning the idle stop off where the team does not allow it.
func validateIdleStop(idleStop *bool, team *config.Team) *apis.FieldError {
	if idleStop == nil || *idleStop || team == nil || team.IdleStopOffAllowed() {
		return nil
	}
	return apis.ErrInvalidValue(false, "idleStop", fmt.Sprintf("team %q does not allow turning the idle stop off", team.Name))
}

func validateName(name string) *apis.FieldError { return env.ValidateName(name, "name") }

// validateImage parses the reference the way the kubelet does and matches the team's
// globs against it as written, in its familiar form ("ubuntu:24.04") and fully qualified
// ("docker.io/library/ubuntu:24.04"), with the implied ":latest" made explicit.
func validateImage(image string, team *config.Team) *apis.FieldError {
	if image == "" {
		return apis.ErrMissingField("image")
	}
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return apis.ErrInvalidValue(image, "image", fmt.Sprintf("not a container image reference: %v", err))
	}
	if team == nil {
		return nil
	}
	tagged := reference.TagNameOnly(named)
	if !team.AllowsImage(image, reference.FamiliarString(tagged), tagged.String()) {
		return apis.ErrInvalidValue(image, "image",
			fmt.Sprintf("not allowed for team %q; allowed: %s", team.Name, strings.Join(team.Images, ", ")))
	}
	return nil
}

func validatePackages(pkgs []string) *apis.FieldError {
	if len(pkgs) > env.MaxPackages {
		return apis.ErrOutOfBoundsValue(len(pkgs), 0, env.MaxPackages, "packages")
	}
	var errs *apis.FieldError
	seen := map[string]int{}
	for i, p := range pkgs {
		if re := packageRE(); !re.MatchString(p) {
			errs = errs.Also(apis.ErrInvalidValue(p, apis.CurrentField, "must match "+re.String()).ViaFieldIndex("packages", i))
			continue
		}
		name, _, _ := strings.Cut(p, "=")
		if j, dup := seen[name]; dup {
			errs = errs.Also(apis.ErrGeneric(fmt.Sprintf("duplicate package %q (also packages[%d])", name, j),
				apis.CurrentField).ViaFieldIndex("packages", i))
			continue
		}
		seen[name] = i
	}
	return errs
}

// validateCPU and validateMemory return errors at the current field so Spec and Update
// can put them under their own path.
func validateCPU(v string, team *config.Team) *apis.FieldError {
	var max *resource.Quantity
	if team != nil {
		m := team.MaxCPU.DeepCopy()
		max = &m
	}
	return validateQuantity(v, env.MinCPU, max)
}

func validateMemory(v string, team *config.Team) *apis.FieldError {
	var max *resource.Quantity
	if team != nil {
		m := team.MaxMemory.DeepCopy()
		max = &m
	}
	return validateQuantity(v, env.MinMemory, max)
}

// validateQuantity checks v against min and max. Both must be the caller's own copies:
// Quantity.String caches its text in the value, a write that races on a shared config.
func validateQuantity(v string, min resource.Quantity, max *resource.Quantity) *apis.FieldError {
	if v == "" {
		return apis.ErrMissingField(apis.CurrentField)
	}
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return apis.ErrInvalidValue(v, apis.CurrentField, "not a quantity such as \"500m\", \"2\" or \"4Gi\"")
	}
	upper := "∞"
	if max != nil {
		upper = max.String()
	}
	if q.Cmp(min) < 0 || (max != nil && q.Cmp(*max) > 0) {
		return apis.ErrOutOfBoundsValue(v, min.String(), upper, apis.CurrentField)
	}
	return nil
}

func validatePool(cfg *config.Config, pool string, team *config.Team) *apis.FieldError {
	if pool == "" {
		return apis.ErrMissingField("pool")
	}
	if _, ok := cfg.Pool(pool); !ok {
		return apis.ErrInvalidValue(pool, "pool", "unknown pool")
	}
	if team != nil && !team.AllowsPool(pool) {
		return apis.ErrInvalidValue(pool, "pool",
			fmt.Sprintf("not allowed for team %q; allowed: %s", team.Name, strings.Join(team.Pools, ", ")))
	}
	return nil
}

func validatePriority(cfg *config.Config, priority string, team *config.Team) *apis.FieldError {
	if priority == "" {
		return apis.ErrMissingField("priority")
	}
	if _, ok := cfg.Priority(priority); !ok {
		return apis.ErrInvalidValue(priority, "priority", "unknown priority")
	}
	if team != nil && !team.AllowsPriority(priority) {
		return apis.ErrInvalidValue(priority, "priority",
			fmt.Sprintf("not allowed for team %q; allowed: %s", team.Name, strings.Join(team.Priorities, ", ")))
	}
	return nil
}

// validateLifetime checks a Go duration between min and the team's maximum.
func validateLifetime(v string, min time.Duration, team *config.Team) *apis.FieldError {
	if v == "" {
		return apis.ErrMissingField(apis.CurrentField)
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return apis.ErrInvalidValue(v, apis.CurrentField, "not a duration such as \"8h\" or \"90m\"")
	}
	upper := "∞"
	if team != nil {
		upper = team.MaxLifetime.String()
	}
	if d < min || (team != nil && d > time.Duration(team.MaxLifetime)) {
		return apis.ErrOutOfBoundsValue(v, config.Duration(min).String(), upper, apis.CurrentField)
	}
	return nil
}

func validateSSHKeys(keys []string) *apis.FieldError {
	if len(keys) == 0 {
		return apis.ErrMissingField("sshPublicKeys")
	}
	if len(keys) > env.MaxSSHKeys {
		return apis.ErrOutOfBoundsValue(len(keys), 1, env.MaxSSHKeys, "sshPublicKeys")
	}
	// A private key pasted line by line has lines that look like nothing in particular: one
	// marker anywhere makes the whole field a private key, said once, on the field.
	if slices.ContainsFunc(keys, LooksPrivate) {
		return apis.ErrGeneric(ErrPrivateKey.Error(), "sshPublicKeys")
	}
	var errs *apis.FieldError
	for i, k := range keys {
		err := checkAuthorizedKey(k)
		switch {
		case errors.Is(err, ErrPrivateKey):
			// Said as it is: "invalid public key" would invite pasting it again elsewhere.
			errs = errs.Also(apis.ErrGeneric(err.Error(), apis.CurrentField).ViaFieldIndex("sshPublicKeys", i))
		case err != nil:
			// The key itself is not echoed: it is long and the index is enough.
			errs = errs.Also(apis.ErrGeneric("invalid SSH public key: "+err.Error(), apis.CurrentField).ViaFieldIndex("sshPublicKeys", i))
		}
	}
	return errs
}

func validateHome(home, size string) *apis.FieldError {
	switch config.HomeKind(home) {
	case "", config.HomePersistent:
	case config.HomeScratch:
		if size != "" {
			return apis.ErrGeneric("a scratch home has no size: leave persistentHome empty, or ask for a persistent home", "persistentHome")
		}
		return nil
	default:
		return apis.ErrInvalidValue(home, "home", "must be persistent (kept across stops) or scratch (discarded by every stop)")
	}
	if size == "" {
		return nil
	}
	return validateQuantity(size, env.MinPersistentHome, &env.MaxPersistentHome).ViaField("persistentHome")
}

func validateEnv(vars map[string]string) *apis.FieldError {
	if len(vars) > env.MaxEnvVars {
		return apis.ErrOutOfBoundsValue(len(vars), 0, env.MaxEnvVars, "env")
	}
	var errs *apis.FieldError
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if len(k) > env.MaxEnvKeyBytes {
			// The name is not echoed: it is long, and its first bytes say which it is.
			errs = errs.Also(apis.ErrInvalidKeyName(k[:32]+"…", "env", fmt.Sprintf("names are at most %d bytes", env.MaxEnvKeyBytes)))
			continue
		}
		if !envKeyRE.MatchString(k) {
			errs = errs.Also(apis.ErrInvalidKeyName(k, "env", "must match "+envKeyRE.String()))
			continue
		}
		for _, p := range reservedEnvPrefixes {
			if strings.HasPrefix(k, p) {
				errs = errs.Also(apis.ErrInvalidKeyName(k, "env", "the prefix "+p+" is reserved"))
			}
		}
		switch v := vars[k]; {
		case len(v) > env.MaxEnvValueBytes:
			errs = errs.Also(apis.ErrGeneric(fmt.Sprintf("value longer than %d bytes", env.MaxEnvValueBytes), apis.CurrentField).ViaFieldKey("env", k))
		case strings.ContainsRune(v, 0):
			errs = errs.Also(apis.ErrGeneric("value contains a NUL byte", apis.CurrentField).ViaFieldKey("env", k))
		case strings.ContainsAny(v, "\r\n"):
			// Each variable is one line of ~/.ssh/environment: a line break would start another.
			errs = errs.Also(apis.ErrGeneric("value must be a single line", apis.CurrentField).ViaFieldKey("env", k))
		}
	}
	return errs
}
