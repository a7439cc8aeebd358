package env

import (
	"fmt"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"

	"github.com/devenvs/devenvs/shared/config"
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
	SSH       string    `json:"ssh"`
	SFTP      string    `json:"sftp"`
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
	e.SSH, e.SFTP = AccessCommands(cfg, e.Team, d.Namespace, d.Name)
	if team, ok := cfg.Team(e.Team); ok {
		e.Warning = warningOf(d, team, e.ExpiresAt)
	}
	return e
}

// AccessCommands returns the ssh and sftp commands for an environment. With a base
// domain the Service has a DNS name (external-dns); without one the commands go through
// kubectl port-forward on local port 2222, backgrounded so each stays one line.
func AccessCommands(cfg *config.Config, team, namespace, name string) (ssh, sftp string) {
	port, user := cfg.SSH.Port, cfg.SSH.User
	if cfg.BaseDomain != "" {
		host := Hostname(name, team, cfg.BaseDomain)
		return fmt.Sprintf("ssh -p %d %s@%s", port, user, host), fmt.Sprintf("sftp -P %d %s@%s", port, user, host)
	}
	forward := fmt.Sprintf("kubectl -n %s port-forward svc/%s 2222:%d & ", namespace, name, port)
	return forward + "ssh -p 2222 " + user + "@127.0.0.1", forward + "sftp -P 2222 " + user + "@127.0.0.1"
}

// Hostname is the DNS name of an environment's SSH Service under a base domain.
func Hostname(env, team, baseDomain string) string {
	return strings.Join([]string{env, team, strings.TrimSuffix(baseDomain, ".")}, ".")
}
