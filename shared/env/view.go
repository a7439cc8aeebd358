package env

import (
	"fmt"
	"hash/fnv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/rightsize"
)

// Environment is the API's JSON view of one environment.
type Environment struct {
	Team     string `json:"team"`
	Name     string `json:"name"`
	Owner    string `json:"owner"`
	Image    string `json:"image"`
	Pool     string `json:"pool"`
	Priority string `json:"priority"`
	Phase    Phase  `json:"phase"`
	Reason   string `json:"reason,omitempty"`
	Message  string `json:"message,omitempty"`
	// Requested is what the environment asked for; Used is filled by the caller from the
	// metrics API and stays nil when metrics are unavailable.
	Requested Resources  `json:"requested"`
	Used      *Resources `json:"used"`
	// SSH and SFTP are single-line commands a user can paste into a terminal.
	SSH  string `json:"ssh"`
	SFTP string `json:"sftp"`
	// SSHConfig is a ~/.ssh/config Host entry for editors (VS Code Remote-SSH, JetBrains
	// Gateway) when an SSH gateway is configured; empty otherwise.
	SSHConfig string    `json:"sshConfig,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// Home is persistent (kept across stops) or scratch (discarded by every stop).
	Home           string   `json:"home"`
	PersistentHome string   `json:"persistentHome,omitempty"`
	IdleStop       bool     `json:"idleStop"`
	Replicas       int32    `json:"replicas"`
	Packages       []string `json:"packages"`
	// Warning is a coming idle or expiry stop the platform has announced; nil when none.
	Warning *Warning `json:"warning,omitempty"`
	// Progress is where a start stands while Pending or Starting (listenvs fills it).
	Progress *Progress `json:"progress,omitempty"`
	// Recommendation is right-sizing advice from Prometheus (listenvs fills it when
	// rightSizing is configured and Prometheus answered in time); absent otherwise.
	Recommendation *rightsize.Recommendation `json:"recommendation,omitempty"`
}

// Resources is an amount of CPU and memory in the units the UI computes with.
type Resources struct {
	CPUMilli    int64 `json:"cpuMilli"`
	MemoryBytes int64 `json:"memoryBytes"`
}

// HomeOf says whether the environment's home survives a stop: it does when it has a size,
// i.e. a volume claim.
func HomeOf(d *appsv1.Deployment) string {
	if d.Annotations[PersistentHomeAnnotation] != "" {
		return string(config.HomePersistent)
	}
	return string(config.HomeScratch)
}

// StoppedHome says what a stop did to the environment's home, for log entries: a
// scratch home is gone, so the log never claims it was kept.
func StoppedHome(d *appsv1.Deployment) string {
	if HomeOf(d) == string(config.HomeScratch) {
		return "scratch home discarded"
	}
	return "home kept"
}

// ResourcesFrom reads CPU and memory from a resource list, e.g. requests or pod metrics.
func ResourcesFrom(l corev1.ResourceList) Resources {
	return Resources{CPUMilli: l.Cpu().MilliValue(), MemoryBytes: l.Memory().Value()}
}

// FromDeployment builds the view of an environment from its Deployment (as written by
// resources.MakeDeployment and later actions) and its pods.
func FromDeployment(d *appsv1.Deployment, pods []corev1.Pod, cfg *config.Config, now time.Time) Environment {
	a := d.Annotations
	st := Derive(d, pods, now)
	e := Environment{
		Team:           d.Labels[TeamLabel],
		Name:           d.Name,
		Owner:          a[CreatedByAnnotation],
		Image:          a[ImageAnnotation],
		Pool:           d.Labels[PoolLabel],
		Priority:       a[PriorityAnnotation],
		Phase:          st.Phase,
		Reason:         st.Reason,
		Message:        st.Message,
		Home:           HomeOf(d),
		PersistentHome: a[PersistentHomeAnnotation],
		// Only an explicit "false" turns idle stop off, matching the Spec default.
		IdleStop: a[IdleStopAnnotation] != "false",
		Replicas: 1, // the Kubernetes default when spec.replicas is unset
		Packages: []string{},
	}
	if d.Spec.Replicas != nil {
		e.Replicas = *d.Spec.Replicas
	}
	if cs := d.Spec.Template.Spec.Containers; len(cs) > 0 {
		e.Requested = ResourcesFrom(cs[0].Resources.Requests)
		if e.Image == "" {
			e.Image = cs[0].Image
		}
		e.Packages = append(e.Packages, cs[0].Args...)
	}
	if t, ok := timeAnnotation(a, CreatedAtAnnotation); ok {
		e.CreatedAt = t
	} else {
		e.CreatedAt = d.CreationTimestamp.UTC()
	}
	if t, ok := timeAnnotation(a, ExpiresAtAnnotation); ok {
		e.ExpiresAt = t
	}
	e.SSH, e.SFTP, e.SSHConfig = AccessCommands(cfg, e.Team, d.Namespace, d.Name)
	if team, ok := cfg.Team(e.Team); ok {
		e.Warning = warningOf(d, team, e.ExpiresAt)
	}
	return e
}

// AccessCommands returns the ssh and sftp commands for an environment, and the ssh config
// entry for editors. In order of preference:
//   - through the SSH gateway (ProxyJump, named <env>.<team>): end-to-end encrypted to the
//     environment's own sshd, no cluster credentials, one address for every environment;
//   - with a base domain, the Service's own DNS name (external-dns);
//   - otherwise kubectl port-forward on a local port derived from the team and name
//     (ForwardPort), so two environments' commands do not fight over one port, with a
//     HostKeyAlias so known_hosts keeps each environment's key apart.
func AccessCommands(cfg *config.Config, team, namespace, name string) (ssh, sftp, sshConfig string) {
	port, user := cfg.SSH.Port, cfg.SSH.User
	if g := cfg.SSH.Gateway; g.Enabled() {
		target := GatewayTarget(name, team)
		jump := target + "@" + g.Address()
		sshConfig = fmt.Sprintf("Host %s\n    HostName %s\n    User %s\n    ProxyJump %s\n", target, target, user, jump)
		return fmt.Sprintf("ssh -J %s %s@%s", jump, user, target), fmt.Sprintf("sftp -J %s %s@%s", jump, user, target), sshConfig
	}
	if cfg.BaseDomain != "" {
		host := Hostname(name, team, cfg.BaseDomain)
		return fmt.Sprintf("ssh -p %d %s@%s", port, user, host), fmt.Sprintf("sftp -P %d %s@%s", port, user, host), ""
	}
	local := ForwardPort(team, name)
	forward := fmt.Sprintf("kubectl -n %s port-forward svc/%s %d:%d & ", namespace, name, local, port)
	alias := "-o HostKeyAlias=" + GatewayTarget(name, team) + " "
	return forward + fmt.Sprintf("ssh %s-p %d %s@127.0.0.1", alias, local, user),
		forward + fmt.Sprintf("sftp %s-P %d %s@127.0.0.1", alias, local, user), ""
}

// GatewayTarget is how users name an environment to the SSH gateway: <env>.<team>.
func GatewayTarget(name, team string) string { return name + "." + team }

// ForwardPort is the local port of an environment's port-forward command: 20000-29999 from
// a hash of team and name, so each environment's command keeps its own port (two of 10,000
// collide with probability 1/10,000; the second port-forward then fails loudly).
func ForwardPort(team, name string) int {
	h := fnv.New32a()
	_, _ = h.Write([]byte(team + "/" + name))
	return 20000 + int(h.Sum32()%10000)
}

// Hostname is the DNS name of an environment's SSH Service under a base domain.
func Hostname(env, team, baseDomain string) string {
	return strings.Join([]string{env, team, strings.TrimSuffix(baseDomain, ".")}, ".")
}
