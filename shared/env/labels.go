// Package env is a dev environment as the API sees it: the create request (Spec), the
// update request (Update), the labels and annotations that carry its state on Kubernetes
// objects, and the status and JSON view derived from those objects. It has no Kubernetes
// client: everything here is a pure function, so handlers stay thin and tests are tables.
package env

import (
	"strings"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// Label keys and values. Labels carry what list calls select on, so listing and reaping
// need no store besides the cluster.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedByValue = "devenvs"
	TeamLabel      = "devenvs.dev/team"
	NameLabel      = "devenvs.dev/env"
	// OwnerLabel holds the creator sanitized into a label value (see OwnerLabelValue);
	// the exact user name is in CreatedByAnnotation.
	OwnerLabel = "devenvs.dev/owner"
	PoolLabel  = "devenvs.dev/pool"
)

// Annotation keys. Annotations hold what is not selected on, or does not fit a label value.
const (
	CreatedByAnnotation      = "devenvs.dev/created-by"
	CreatedAtAnnotation      = "devenvs.dev/created-at" // RFC 3339, UTC
	ExpiresAtAnnotation      = "devenvs.dev/expires-at" // RFC 3339, UTC
	IdleStopAnnotation       = "devenvs.dev/idle-stop"  // "true" or "false"
	ImageAnnotation          = "devenvs.dev/image"
	PriorityAnnotation       = "devenvs.dev/priority"
	PersistentHomeAnnotation = "devenvs.dev/persistent-home" // a quantity, or "" when off
	StoppedReasonAnnotation  = "devenvs.dev/stopped-reason"
	MemoryWarningAnnotation  = "devenvs.dev/memory-warning"
	// ExpiryWarnedAnnotation records that the reaper has logged the coming expiry, so the
	// warning is written once, not on every tick.
	ExpiryWarnedAnnotation = "devenvs.dev/expiry-warned"
	// IdleWarnedAnnotation (RFC 3339) records when the alert handler warned that the
	// environment will be stopped for idleness; it is removed when the environment is used
	// again (the warning alert resolves) or stopped. The idle stop waits for it.
	IdleWarnedAnnotation = "devenvs.dev/idle-warned"
)

// Selector selects every object devenvs manages, in any namespace.
func Selector() string {
	return labels.Set{ManagedByLabel: ManagedByValue}.String()
}

// NameSelector selects the objects of one environment; environment names are unique
// within a team namespace, so use it with that namespace.
func NameSelector(name string) string {
	return labels.Set{ManagedByLabel: ManagedByValue, NameLabel: name}.String()
}

// NamesSelector selects the objects of the named environments of one team namespace. A
// name that cannot be a label value (no environment made by devenvs has one) makes it fall
// back to Selector, which selects more, never less.
func NamesSelector(names []string) string {
	managed, err := labels.NewRequirement(ManagedByLabel, selection.Equals, []string{ManagedByValue})
	if err != nil {
		return Selector()
	}
	named, err := labels.NewRequirement(NameLabel, selection.In, names)
	if err != nil {
		return Selector()
	}
	return labels.NewSelector().Add(*managed, *named).String()
}

// Labels returns the labels every object of an environment carries.
func Labels(team, env, owner, pool string) map[string]string {
	return map[string]string{
		ManagedByLabel: ManagedByValue,
		TeamLabel:      team,
		NameLabel:      env,
		OwnerLabel:     OwnerLabelValue(owner),
		PoolLabel:      pool,
	}
}

// SelectorLabels are the immutable subset of Labels a Deployment and Service select pods
// by. Owner and pool are left out: they describe the environment, not identify it.
func SelectorLabels(team, env string) map[string]string {
	return map[string]string{TeamLabel: team, NameLabel: env}
}

// OwnerLabelValue turns a user name (often an e-mail address or an OIDC subject) into a
// valid label value: lowercased, characters a label value cannot hold replaced by '-',
// at most 63 characters, starting and ending with an alphanumeric character. Different
// users can map to the same value, so authorization must use CreatedByAnnotation.
func OwnerLabelValue(user string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(user) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	s := b.String()
	if len(s) > 63 {
		s = s[:63]
	}
	return strings.TrimFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
}
