package resources

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

// ExternalDNSHostnameAnnotation asks external-dns to publish a name for a Service.
const ExternalDNSHostnameAnnotation = "external-dns.alpha.kubernetes.io/hostname"

// MakeService builds the SSH Service of an environment. Its type comes from the
// configuration; with a base domain it also gets the hostname <env>.<team>.<baseDomain>
// through external-dns.
func MakeService(spec *env.Spec, team *config.Team, cfg *config.Config, owner string) *corev1.Service {
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{
			Name:      spec.Name,
			Namespace: team.Namespace,
			Labels:    labels(spec, owner),
		},
		Spec: corev1.ServiceSpec{
			Type:     cfg.SSH.ServiceType,
			Selector: env.SelectorLabels(spec.Team, spec.Name),
			Ports: []corev1.ServicePort{{
				Name:       SSHPortName,
				Protocol:   corev1.ProtocolTCP,
				Port:       cfg.SSH.Port,
				TargetPort: intstr.FromString(SSHPortName),
			}},
		},
	}
	if cfg.BaseDomain != "" {
		svc.Annotations = map[string]string{
			ExternalDNSHostnameAnnotation: env.Hostname(spec.Name, spec.Team, cfg.BaseDomain),
		}
	}
	return svc
}
