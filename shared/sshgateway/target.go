package sshgateway

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Target names one environment: <env>.<team>.
type Target struct{ Env, Team string }

func (t Target) String() string { return t.Env + "." + t.Team }

// ParseTarget reads "<env>.<team>", the jump user and the direct-tcpip host. Both parts
// must be DNS-1123 labels (environment and team names are), so nothing else is ever
// looked up.
func ParseTarget(s string) (Target, error) {
	env, team, ok := strings.Cut(s, ".")
	if !ok || env == "" || team == "" {
		return Target{}, fmt.Errorf("%q is not <environment>.<team>", s)
	}
	for _, part := range []string{env, team} {
		if msgs := validation.IsDNS1123Label(part); len(msgs) > 0 {
			return Target{}, fmt.Errorf("%q is not <environment>.<team>: %q %s", s, part, msgs[0])
		}
	}
	return Target{Env: env, Team: team}, nil
}
