package resources

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

// MakePVC builds the claim for a persistent home, or returns nil when the spec asks for
// none. The home survives stop and start (the Deployment scales to zero, the claim
// stays) and goes away with the environment, since the Deployment owns it.
func MakePVC(spec *env.Spec, team *config.Team, cfg *config.Config, owner string) *corev1.PersistentVolumeClaim {
	if spec.PersistentHome == "" {
		return nil
	}
	size, err := resource.ParseQuantity(spec.PersistentHome)
	if err != nil {
		return nil // not validated; see MakeDeployment
	}
	var class *string
	if cfg.Homes.StorageClass != "" {
		class = new(cfg.Homes.StorageClass)
	}
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name:      PVCName(spec.Name),
			Namespace: team.Namespace,
			Labels:    labels(spec, owner),
		},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			StorageClassName: class,
			Resources: corev1.VolumeResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceStorage: size},
			},
		},
	}
}
