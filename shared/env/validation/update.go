package validation

import (
	"time"

	"knative.dev/pkg/apis"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

// ValidateUpdate checks a defaulted Update for an environment of the named team. Each action
// takes only its own arguments: stop and start none, extend a lifetime (counted from now,
// at least a minute and at most the team's maxLifetime), resize a cpu and/or a memory within the team's limits.
func ValidateUpdate(u *env.Update, cfg *config.Config, teamName string) *apis.FieldError {
	team, ok := cfg.Team(teamName)
	if !ok {
		return apis.ErrInvalidValue(teamName, "team", "unknown team")
	}
	set := map[string]bool{"lifetime": u.Lifetime != "", "cpu": u.CPU != "", "memory": u.Memory != "", "idleStop": u.IdleStop != nil}
	disallow := func(fields ...string) *apis.FieldError {
		var bad []string
		for _, f := range fields {
			if set[f] {
				bad = append(bad, f)
			}
		}
		if len(bad) == 0 {
			return nil
		}
		fe := apis.ErrDisallowedFields(bad...)
		fe.Details = "not used by action " + u.Action
		return fe
	}

	switch u.Action {
	case "":
		return apis.ErrMissingField("action")
	case env.ActionStop, env.ActionStart:
		return disallow("lifetime", "cpu", "memory", "idleStop")
	case env.ActionIdleStop:
		errs := disallow("lifetime", "cpu", "memory")
		if u.IdleStop == nil {
			return errs.Also(apis.ErrMissingField("idleStop"))
		}
		return errs.Also(validateIdleStop(u.IdleStop, team))
	case env.ActionExtend:
		// The 10m floor of a new environment does not apply: extending by a few minutes to
		// finish something is legitimate. Under a minute is surely a unit mistake.
		return disallow("cpu", "memory", "idleStop").Also(validateLifetime(u.Lifetime, time.Minute, team).ViaField("lifetime"))
	case env.ActionResize:
		errs := disallow("lifetime", "idleStop")
		if !set["cpu"] && !set["memory"] {
			return errs.Also(apis.ErrGeneric("resize needs cpu, memory or both", "cpu", "memory"))
		}
		if set["cpu"] {
			errs = errs.Also(validateCPU(u.CPU, team).ViaField("cpu"))
		}
		if set["memory"] {
			errs = errs.Also(validateMemory(u.Memory, team).ViaField("memory"))
		}
		return errs
	default:
		return apis.ErrInvalidValue(u.Action, "action", "must be one of stop, start, extend, resize, idle-stop")
	}
}
