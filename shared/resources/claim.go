package resources

import (
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

// A team's environment limit is enforced where the apiserver serialises: its ResourceQuota
// admission. Every environment holds one Lease (its place, MakePlace), and the team
// namespace's ResourceQuota EnvironmentsQuotaName allows maxEnvironments Leases, so of any
// number of concurrent creates exactly as many as there are free places get one; the quota
// status update is an optimistic-concurrency write, so two creates cannot both take the last
// place. Only a create that has already won its name (MakeNameClaim, not counted) takes a
// place, because quota admission charges a create before storage checks its name: losers
// of a race for one name taking places would inflate the count until the quota controller
// recounts. See kube.Create for the order.
const (
	// EnvironmentsQuotaName names the ResourceQuota that counts a team's places.
	EnvironmentsQuotaName = "devenvs-environments"
	// PlaceQuotaResource is what that quota counts: Leases, which nothing else creates in a
	// team namespace.
	PlaceQuotaResource corev1.ResourceName = "count/leases.coordination.k8s.io"
	// NameClaimSuffix ends the name of the ConfigMap that claims an environment's name;
	// environment names hold no dot, so it cannot meet another ConfigMap of the team's.
	NameClaimSuffix = ".name-claim"
)

// MakeEnvironmentsQuota builds the ResourceQuota allowing team.MaxEnvironments places.
func MakeEnvironmentsQuota(team *config.Team) *corev1.ResourceQuota {
	return &corev1.ResourceQuota{
		ObjectMeta: metav1.ObjectMeta{
			Name:      EnvironmentsQuotaName,
			Namespace: team.Namespace,
			Labels:    teamLabels(team, nil),
		},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			PlaceQuotaResource: *resource.NewQuantity(int64(team.MaxEnvironments), resource.DecimalSI),
		}},
	}
}

// MakeNameClaim builds the ConfigMap whose creation claims an environment's name before
// anything else of it exists. It is not counted by any quota, so the losers of a race for a
// name are refused here (AlreadyExists) without touching the team's count. The create that
// wins gives it to the Deployment (owner reference) once that exists, so it lives and goes
// with the environment.
func MakeNameClaim(team, namespace, name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{
			Name:      name + NameClaimSuffix,
			Namespace: namespace,
			Labels:    claimLabels(team, name),
		},
	}
}

// MakePlace builds the Lease that takes one of the team's places, owned by the name claim
// (so a create that dies half-way releases the place with its claim). Its name is
// generated: a create never meets an old place of the same environment name.
func MakePlace(claim *corev1.ConfigMap) *coordinationv1.Lease {
	return &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: claim.Labels[env.NameLabel] + "-",
			Namespace:    claim.Namespace,
			Labels:       claim.Labels,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "v1", Kind: "ConfigMap", Name: claim.Name, UID: claim.UID,
			}},
		},
	}
}

func claimLabels(team, name string) map[string]string {
	l := env.SelectorLabels(team, name)
	l[env.ManagedByLabel] = env.ManagedByValue
	return l
}
