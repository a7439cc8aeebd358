package config

import (
	"errors"
	"fmt"
	"maps"
	"path"
	"regexp"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// maxPriorityValue is the largest value Kubernetes accepts for a user PriorityClass;
// larger values are reserved for system-cluster-critical and system-node-critical.
const maxPriorityValue = 1000000000

// userRE is a login name every distribution's useradd/adduser accepts; it also ends up in
// /home/<user>, sshd_config and ssh commands, so it must need no quoting anywhere.
var userRE = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)

// Validate checks that the configuration is consistent: names are unique and well formed,
// everything a team or the defaults refer to exists, and limits are positive. It returns
// every problem at once, each prefixed with its path, e.g.
// `teams.alpha.pools[1]: unknown pool "x"`.
func (c *Config) Validate() error {
	v := &validator{}
	c.validateSSH(v)
	if c.BaseDomain != "" {
		for _, msg := range validation.IsDNS1123Subdomain(c.BaseDomain) {
			v.add("baseDomain", "%s", msg)
		}
	}
	if c.Homes.Size.Sign() < 0 {
		v.add("homes.size", "must not be negative, got %q", c.Homes.Size.String())
	}
	if c.Homes.StorageClass != "" {
		for _, msg := range validation.IsDNS1123Subdomain(c.Homes.StorageClass) {
			v.add("homes.storageClass", "%q: %s", c.Homes.StorageClass, msg)
		}
	}
	c.validatePools(v)
	c.validatePriorities(v)
	c.validateDefaults(v)
	c.validateTeams(v)
	c.validateNetwork(v)
	c.validateRightSizing(v)
	if u := c.SignIn.LinkURL; u != "" && !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		v.add("signIn.linkURL", "must be an http or https URL, got %q", u)
	}
	return errors.Join(v.errs...)
}

type validator struct{ errs []error }

func (v *validator) add(path, format string, args ...any) {
	v.errs = append(v.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

// name checks a list entry's name: present, a DNS-1123 label (names end up in labels,
// object names and hostnames) and unique within its list.
func (v *validator) name(p, name string, seen map[string]bool) {
	switch {
	case name == "":
		v.add(p+".name", "required")
	case seen[name]:
		v.add(p+".name", "duplicate name %q", name)
	default:
		for _, msg := range validation.IsDNS1123Label(name) {
			v.add(p+".name", "%q: %s", name, msg)
		}
	}
	seen[name] = true
}

func (v *validator) positive(p string, q resource.Quantity) {
	if q.Sign() <= 0 {
		v.add(p, "must be a quantity > 0, got %q", q.String())
	}
}

// entryPath names a list entry by its name when it has one, which is what a human
// searching the YAML looks for, and by index otherwise.
func entryPath(list string, i int, name string) string {
	if name == "" || strings.ContainsAny(name, ".[]") {
		return fmt.Sprintf("%s[%d]", list, i)
	}
	return list + "." + name
}

func (c *Config) validateSSH(v *validator) {
	switch c.SSH.ServiceType {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
	default:
		v.add("ssh.serviceType", "must be one of ClusterIP, NodePort, LoadBalancer, got %q", c.SSH.ServiceType)
	}
	if c.SSH.Port < 1 || c.SSH.Port > 65535 {
		v.add("ssh.port", "must be between 1 and 65535, got %d", c.SSH.Port)
	}
	if !userRE.MatchString(c.SSH.User) || c.SSH.User == "root" {
		v.add("ssh.user", "must match %s and not be root, got %q", userRE, c.SSH.User)
	}
	g := c.SSH.Gateway
	if g.Port < 0 || g.Port > 65535 {
		v.add("ssh.gateway.port", "must be between 1 and 65535 (0: 22), got %d", g.Port)
	}
	if g.Host == "" && (g.Port != 0 || g.HostPublicKey != "") {
		v.add("ssh.gateway.host", "required when port or hostPublicKey is set")
	}
	if g.HostPublicKey != "" {
		if _, err := ParseHostPublicKey(g.HostPublicKey); err != nil {
			v.add("ssh.gateway.hostPublicKey", "must be an authorized_keys line or a PEM certificate: %v", err)
		}
	}
}

func (c *Config) validatePools(v *validator) {
	if len(c.Pools) == 0 {
		v.add("pools", "at least one pool is required")
	}
	seen := map[string]bool{}
	for i, p := range c.Pools {
		pp := entryPath("pools", i, p.Name)
		v.name(pp, p.Name, seen)
		for _, k := range slices.Sorted(maps.Keys(p.NodeSelector)) {
			val := p.NodeSelector[k]
			for _, msg := range validation.IsQualifiedName(k) {
				v.add(pp+".nodeSelector", "key %q: %s", k, msg)
			}
			for _, msg := range validation.IsValidLabelValue(val) {
				v.add(pp+".nodeSelector."+k, "value %q: %s", val, msg)
			}
		}
		for j, t := range p.Tolerations {
			tp := fmt.Sprintf("%s.tolerations[%d]", pp, j)
			switch t.Operator {
			case "", corev1.TolerationOpEqual, corev1.TolerationOpExists:
			default:
				v.add(tp+".operator", "must be Equal or Exists, got %q", t.Operator)
			}
			switch t.Effect {
			case "", corev1.TaintEffectNoSchedule, corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoExecute:
			default:
				v.add(tp+".effect", "must be NoSchedule, PreferNoSchedule or NoExecute, got %q", t.Effect)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(p.ExtraResources)) {
			q := p.ExtraResources[name]
			for _, msg := range validation.IsQualifiedName(string(name)) {
				v.add(pp+".extraResources", "resource name %q: %s", name, msg)
			}
			v.positive(pp+".extraResources."+string(name), q)
		}
	}
}

func (c *Config) validatePriorities(v *validator) {
	if len(c.Priorities) == 0 {
		v.add("priorities", "at least one priority is required")
	}
	seen := map[string]bool{}
	classes := map[string]bool{}
	for i, p := range c.Priorities {
		pp := entryPath("priorities", i, p.Name)
		v.name(pp, p.Name, seen)
		switch {
		case p.ClassName == "":
			v.add(pp+".className", "required")
		case classes[p.ClassName]:
			v.add(pp+".className", "duplicate PriorityClass %q", p.ClassName)
		case strings.HasPrefix(p.ClassName, "system-"):
			v.add(pp+".className", "%q: the system- prefix is reserved by Kubernetes", p.ClassName)
		default:
			for _, msg := range validation.IsDNS1123Subdomain(p.ClassName) {
				v.add(pp+".className", "%q: %s", p.ClassName, msg)
			}
		}
		classes[p.ClassName] = true
		if p.Value > maxPriorityValue {
			v.add(pp+".value", "must be <= %d, got %d", maxPriorityValue, p.Value)
		}
	}
}

func (c *Config) validateDefaults(v *validator) {
	d := c.Defaults
	if d.Image == "" {
		v.add("defaults.image", "required")
	}
	v.positive("defaults.cpu", d.CPU)
	v.positive("defaults.memory", d.Memory)
	if _, ok := c.Pool(d.Pool); !ok {
		v.add("defaults.pool", "unknown pool %q", d.Pool)
	}
	if _, ok := c.Priority(d.Priority); !ok {
		v.add("defaults.priority", "unknown priority %q", d.Priority)
	}
	if d.Lifetime <= 0 {
		v.add("defaults.lifetime", "must be > 0, got %s", d.Lifetime)
	}
}

func (c *Config) validateTeams(v *validator) {
	if len(c.Teams) == 0 {
		v.add("teams", "at least one team is required")
	}
	seen := map[string]bool{}
	namespaces := map[string]string{}
	for i := range c.Teams {
		t := &c.Teams[i]
		tp := entryPath("teams", i, t.Name)
		v.name(tp, t.Name, seen)

		switch other, dup := namespaces[t.Namespace]; {
		case t.Namespace == "":
			v.add(tp+".namespace", "required")
		case dup:
			v.add(tp+".namespace", "%q is already used by team %q", t.Namespace, other)
		default:
			for _, msg := range validation.IsDNS1123Label(t.Namespace) {
				v.add(tp+".namespace", "%q: %s", t.Namespace, msg)
			}
			namespaces[t.Namespace] = t.Name
		}

		refs(v, tp+".pools", "pool", t.Pools, func(n string) bool { _, ok := c.Pool(n); return ok })
		refs(v, tp+".priorities", "priority", t.Priorities, func(n string) bool { _, ok := c.Priority(n); return ok })

		if len(t.Images) == 0 {
			v.add(tp+".images", "at least one image glob is required")
		}
		for j, glob := range t.Images {
			if _, err := path.Match(glob, ""); err != nil || glob == "" {
				v.add(fmt.Sprintf("%s.images[%d]", tp, j), "invalid glob %q", glob)
			}
		}

		v.positive(tp+".maxCPU", t.MaxCPU)
		v.positive(tp+".maxMemory", t.MaxMemory)
		if t.MaxEnvironments <= 0 {
			v.add(tp+".maxEnvironments", "must be > 0, got %d", t.MaxEnvironments)
		}
		if t.MaxLifetime <= 0 {
			v.add(tp+".maxLifetime", "must be > 0, got %s", t.MaxLifetime)
		}
		if t.StopWarning != nil && (*t.StopWarning < 0 || *t.StopWarning >= t.MaxLifetime) {
			v.add(tp+".stopWarning", "must be >= 0s and shorter than maxLifetime (%s), got %s", t.MaxLifetime, *t.StopWarning)
		}
		if t.SSHInputWindow != nil && *t.SSHInputWindow < 0 {
			v.add(tp+".sshInputWindow", "must be >= 0s, got %s", *t.SSHInputWindow)
		}
		if t.MaxTotalLifetime < 0 || (t.MaxTotalLifetime > 0 && t.MaxTotalLifetime < t.MaxLifetime) {
			v.add(tp+".maxTotalLifetime", "must be at least maxLifetime (%s), got %s", t.MaxLifetime, t.MaxTotalLifetime)
		}
		if t.MaxGPUs < 0 {
			v.add(tp+".maxGPUs", "must not be negative, got %d", t.MaxGPUs)
		}
		// A GPU pool without GPUs to use is a configuration mistake, not a quiet refusal at
		// create time: say it here.
		if _, explicit := t.Quota[GPUQuotaResource]; t.MaxGPUs == 0 && !explicit {
			for _, name := range t.Pools {
				if pool, ok := c.Pool(name); ok && pool.GPU {
					v.add(tp+".maxGPUs", "team may use GPU pool %q but has no GPU quota: set maxGPUs", name)
				}
			}
		}
		switch t.OnExpiry {
		case ExpiryStop, ExpiryDelete:
		default:
			v.add(tp+".onExpiry", "must be stop or delete, got %q", t.OnExpiry)
		}
		switch t.Home {
		case "", HomePersistent, HomeScratch:
		default:
			v.add(tp+".home", "must be persistent or scratch, got %q", t.Home)
		}
		for _, name := range slices.Sorted(maps.Keys(t.Quota)) {
			q := t.Quota[name]
			if q.Sign() < 0 {
				v.add(tp+".quota."+string(name), "must not be negative, got %q", q.String())
			}
		}
	}
}

// refs checks a team's list of names referring to pools or priorities: non-empty, each
// known, no duplicates.
func refs(v *validator, p, kind string, names []string, known func(string) bool) {
	if len(names) == 0 {
		v.add(p, "at least one %s is required", kind)
	}
	seen := map[string]bool{}
	for i, n := range names {
		ip := fmt.Sprintf("%s[%d]", p, i)
		switch {
		case !known(n):
			v.add(ip, "unknown %s %q", kind, n)
		case seen[n]:
			v.add(ip, "duplicate %s %q", kind, n)
		}
		seen[n] = true
	}
}
