package resources

import (
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

// PodSecurityEnforceLabel is the Pod Security Admission level of team namespaces.
// Environments run as root with the runtime's default capabilities (see MakeDeployment),
// which "baseline" allows and "restricted" does not; baseline still forbids privileged
// pods, host namespaces and host paths.
const PodSecurityEnforceLabel = "pod-security.kubernetes.io/enforce"

// MakeNamespace builds a team's namespace.
func MakeNamespace(team *config.Team) *corev1.Namespace {
	return &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{
			Name:   team.Namespace,
			Labels: teamLabels(team, map[string]string{PodSecurityEnforceLabel: "baseline"}),
		},
	}
}

// MakeResourceQuota builds the ResourceQuota named QuotaName capping a team namespace: the
// team's quota lines and always its GPU line (config.Team.MaxGPUs, 0 unless given), so a team
// never gets GPUs by default.
func MakeResourceQuota(team *config.Team) *corev1.ResourceQuota {
	hard := team.Quota.DeepCopy()
	if hard == nil {
		hard = corev1.ResourceList{}
	}
	if _, explicit := hard[config.GPUQuotaResource]; !explicit {
		hard[config.GPUQuotaResource] = *resource.NewQuantity(int64(team.MaxGPUs), resource.DecimalSI)
	}
	return &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{
			Name:      QuotaName,
			Namespace: team.Namespace,
			Labels:    teamLabels(team, nil),
		},
		Spec: corev1.ResourceQuotaSpec{Hard: hard},
	}
}

// MakePriorityClasses builds one cluster-scoped PriorityClass per configured priority.
// None is the global default: pods outside devenvs keep their own priorities.
func MakePriorityClasses(cfg *config.Config) []schedulingv1.PriorityClass {
	out := make([]schedulingv1.PriorityClass, 0, len(cfg.Priorities))
	for _, p := range cfg.Priorities {
		out = append(out, schedulingv1.PriorityClass{
			ObjectMeta:       metav1.ObjectMeta{Name: p.ClassName, Labels: map[string]string{env.ManagedByLabel: env.ManagedByValue}},
			Value:            p.Value,
			GlobalDefault:    false,
			Description:      p.Description,
			PreemptionPolicy: preemptionPolicy(p),
		})
	}
	return out
}

func teamLabels(team *config.Team, extra map[string]string) map[string]string {
	l := map[string]string{env.ManagedByLabel: env.ManagedByValue, env.TeamLabel: team.Name}
	for k, v := range extra {
		l[k] = v
	}
	return l
}

// preemptionPolicy: only a priority configured to preempt does; the others never evict
// anyone (PriorityClasses are cluster-wide, so it would be other teams' environments).
func preemptionPolicy(p config.Priority) *corev1.PreemptionPolicy {
	if p.Preempts {
		return new(corev1.PreemptLowerPriority)
	}
	return new(corev1.PreemptNever)
}
