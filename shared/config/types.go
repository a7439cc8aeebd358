// Package config is the product configuration: teams, node pools, priorities, image
// allowlists and limits. It is data, not code, so a platform team changes policy by editing
// the ConfigMap the Helm chart renders, and every function reads the same file.
package config

import (
	"path"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Config is the whole product configuration. Field names are the camelCase YAML keys.
type Config struct {
	// BaseDomain, when set, gives every SSH Service the external-dns hostname
	// <env>.<team>.<baseDomain>; when empty users reach SSH through kubectl port-forward.
	BaseDomain string `json:"baseDomain"`
	SSH        SSH    `json:"ssh"`
	// Homes says where persistent homes come from.
	Homes Homes `json:"homes"`
	// Defaults fill the fields a create request leaves empty.
	Defaults Defaults `json:"defaults"`
	// Pools, Priorities and Teams are lists rather than maps so the UI can keep their order.
	Pools      []Pool     `json:"pools"`
	Priorities []Priority `json:"priorities"`
	Teams      []Team     `json:"teams"`
	// Network shapes the NetworkPolicies of team namespaces; optional, see network.go.
	Network Network `json:"network,omitempty"`
	// SignIn is what the sign-in page says about where tokens come from; optional.
	SignIn SignIn `json:"signIn,omitempty"`
	// RightSizing turns on per-environment size advice from Prometheus; optional, off.
	RightSizing RightSizing `json:"rightSizing,omitzero"`
}

// SignIn is the sign-in page's help: a sentence and a link, e.g. to the page where the
// platform team hands out tokens. The UI shows them as text, never as markup.
type SignIn struct {
	Help     string `json:"help,omitempty"`
	LinkText string `json:"linkText,omitempty"`
	LinkURL  string `json:"linkURL,omitempty"`
	// OIDCProvider names the identity provider on the OIDC sign-in button ("Sign in with
	// Example SSO"); the issuer's host name when empty. OIDCScopes are the scopes asked for,
	// space-separated ("openid profile email groups" when empty). Both matter only when the
	// functions verify OIDC ID tokens (DEVENVS_OIDC_ISSUER and DEVENVS_OIDC_CLIENT_ID).
	OIDCProvider string `json:"oidcProvider,omitempty"`
	OIDCScopes   string `json:"oidcScopes,omitempty"`
}

// SSH says how environments are reached.
type SSH struct {
	// ServiceType is ClusterIP, NodePort or LoadBalancer.
	ServiceType corev1.ServiceType `json:"serviceType"`
	// Port is the Service port; the container always listens on 22.
	Port int32 `json:"port"`
	// User is the login created in every environment; its home is /home/<user>.
	User string `json:"user"`
	// Gateway is the SSH gateway users connect through; without one, port-forward.
	Gateway SSHGateway `json:"gateway,omitzero"`
}

// Homes configures the volumes that keep an environment's home across stops.
type Homes struct {
	// StorageClass of the home claims; empty means the cluster's default class.
	StorageClass string `json:"storageClass,omitempty"`
	// Size of a home when the request names none; zero means DefaultHomeSize.
	Size resource.Quantity `json:"size,omitempty"`
}

// DefaultHomeSize is the size of a persistent home when neither request nor configuration names one.
var DefaultHomeSize = resource.MustParse("10Gi")

// HomeSize is the size of a persistent home the request did not size.
func (c *Config) HomeSize() resource.Quantity {
	if c.Homes.Size.IsZero() {
		return DefaultHomeSize.DeepCopy()
	}
	return c.Homes.Size.DeepCopy()
}

// HomeKind is whether an environment's home survives a stop.
type HomeKind string

const (
	// HomePersistent keeps the home on a volume claim that outlives the pod.
	HomePersistent HomeKind = "persistent"
	// HomeScratch keeps the home in the pod: every stop discards it.
	HomeScratch HomeKind = "scratch"
)

// Defaults are applied to a create request before validation.
type Defaults struct {
	Image    string            `json:"image"`
	CPU      resource.Quantity `json:"cpu"`
	Memory   resource.Quantity `json:"memory"`
	Pool     string            `json:"pool"`
	Priority string            `json:"priority"`
	Lifetime Duration          `json:"lifetime"`
}

// Pool is a set of nodes carrying a label and a NoSchedule taint; environments select it
// with NodeSelector and tolerate it with Tolerations.
type Pool struct {
	Name         string              `json:"name"`
	Description  string              `json:"description"`
	GPU          bool                `json:"gpu"`
	NodeSelector map[string]string   `json:"nodeSelector,omitempty"`
	Tolerations  []corev1.Toleration `json:"tolerations,omitempty"`
	// ExtraResources are added to both requests and limits (extended resources such as
	// nvidia.com/gpu must have requests equal to limits).
	ExtraResources corev1.ResourceList `json:"extraResources,omitempty"`
	// ScratchHomes makes scratch the default home on this pool, for nodes that cannot mount
	// the home volumes (the local cluster's simulated KWOK nodes). A request may still ask
	// for a persistent home.
	ScratchHomes bool `json:"scratchHomes,omitempty"`
}

// Priority maps a user-facing priority name to a PriorityClass.
type Priority struct {
	Name        string `json:"name"`
	ClassName   string `json:"className"`
	Value       int32  `json:"value"`
	Description string `json:"description"`
	// Preempts lets pods of this priority evict lower-priority pods to make room. Priority
	// classes are cluster-wide, so on shared pools that means other teams' environments:
	// false (the default) only orders the scheduling queue (preemptionPolicy: Never).
	Preempts bool `json:"preempts,omitempty"`
}

// ExpiryAction is what the reaper does with an environment whose lifetime has passed.
type ExpiryAction string

const (
	// ExpiryStop scales the environment to zero and keeps its objects (and home).
	ExpiryStop ExpiryAction = "stop"
	// ExpiryDelete removes the environment.
	ExpiryDelete ExpiryAction = "delete"
)

// Team is a group of users sharing a namespace, limits and allowlists.
type Team struct {
	Name      string `json:"name"`
	Namespace string `json:"namespace"`
	// Pools and Priorities name entries of Config.Pools and Config.Priorities.
	Pools      []string `json:"pools"`
	Priorities []string `json:"priorities"`
	// Images are path.Match globs such as "ubuntu:*".
	Images []string `json:"images"`
	// MaxCPU and MaxMemory bound a single environment's request.
	MaxCPU    resource.Quantity `json:"maxCPU"`
	MaxMemory resource.Quantity `json:"maxMemory"`
	// MaxEnvironments bounds how many environments the team may have at once.
	MaxEnvironments int `json:"maxEnvironments"`
	// MaxLifetime bounds one lifetime: at creation, and each extension from now.
	MaxLifetime Duration `json:"maxLifetime"`
	// MaxTotalLifetime bounds an environment's whole life from its creation, however often
	// it is extended; 0 means DefaultTotalLifetimeFactor x MaxLifetime (TotalLifetime).
	MaxTotalLifetime Duration `json:"maxTotalLifetime,omitempty"`
	// MaxGPUs is the team's GPU quota (GPUQuotaResource in its ResourceQuota), 0 by default
	// so a team gets GPUs only when given them; a quota line written in Quota wins.
	MaxGPUs  int          `json:"maxGPUs,omitempty"`
	OnExpiry ExpiryAction `json:"onExpiry"`
	// Home is the team's default home: persistent (when empty) or scratch.
	Home HomeKind `json:"home,omitempty"`
	// StopWarning is the least notice the activity log and the UI give before the platform
	// stops an environment for idleness or expiry (unset: DefaultStopWarning; "0s": no
	// warnings, stops come unannounced). See StopNotice.
	StopWarning *Duration `json:"stopWarning,omitempty"`
	// AllowIdleStopOff lets members turn the idle stop off for an environment; unset means
	// true. See IdleStopOffAllowed.
	AllowIdleStopOff *bool `json:"allowIdleStopOff,omitempty"`
	// SSHInputWindow: SSH input through the gateway this recent keeps the idle stop away
	// (unset: DefaultSSHInputWindow; "0s": SSH input does not count). See SSHInputKeeps.
	SSHInputWindow *Duration `json:"sshInputWindow,omitempty"`
	// Quota is the hard list of the team namespace's ResourceQuota.
	Quota corev1.ResourceList `json:"quota,omitempty"`
}

// DefaultTotalLifetimeFactor gives TotalLifetime when MaxTotalLifetime is not set.
const DefaultTotalLifetimeFactor = 3

// GPUQuotaResource is the ResourceQuota line that MaxGPUs sets.
const GPUQuotaResource corev1.ResourceName = "requests.nvidia.com/gpu"

// TotalLifetime is the longest an environment of the team may live from its creation.
func (t *Team) TotalLifetime() time.Duration {
	if t.MaxTotalLifetime > 0 {
		return time.Duration(t.MaxTotalLifetime)
	}
	return DefaultTotalLifetimeFactor * time.Duration(t.MaxLifetime)
}

// Team returns the team called name.
func (c *Config) Team(name string) (*Team, bool) {
	for i := range c.Teams {
		if c.Teams[i].Name == name {
			return &c.Teams[i], true
		}
	}
	return nil, false
}

// Pool returns the pool called name.
func (c *Config) Pool(name string) (*Pool, bool) {
	for i := range c.Pools {
		if c.Pools[i].Name == name {
			return &c.Pools[i], true
		}
	}
	return nil, false
}

// Priority returns the priority called name.
func (c *Config) Priority(name string) (*Priority, bool) {
	for i := range c.Priorities {
		if c.Priorities[i].Name == name {
			return &c.Priorities[i], true
		}
	}
	return nil, false
}

// DefaultHome is the home an environment of the team on pool gets when its request does not say.
func (c *Config) DefaultHome(t *Team, pool string) HomeKind {
	if p, ok := c.Pool(pool); ok && p.ScratchHomes {
		return HomeScratch
	}
	if t != nil && t.Home == HomeScratch {
		return HomeScratch
	}
	return HomePersistent
}

// AllowsPool reports whether the team may use the pool.
func (t *Team) AllowsPool(name string) bool { return contains(t.Pools, name) }

// AllowsPriority reports whether the team may use the priority.
func (t *Team) AllowsPriority(name string) bool { return contains(t.Priorities, name) }

// AllowsImage reports whether any of the given spellings of one image reference matches
// one of the team's globs. Callers pass several spellings (as written, familiar,
// fully qualified) so an allowlist entry need not guess which one users type.
func (t *Team) AllowsImage(spellings ...string) bool {
	for _, glob := range t.Images {
		for _, s := range spellings {
			if ok, err := path.Match(glob, s); err == nil && ok {
				return true
			}
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
