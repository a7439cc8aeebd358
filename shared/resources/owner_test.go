package resources

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func TestOwnedBy(t *testing.T) {
	d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", UID: types.UID("uid-web")}}
	want := metav1.OwnerReference{
		APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "uid-web",
		Controller: new(true), BlockOwnerDeletion: new(true),
	}
	other := metav1.OwnerReference{APIVersion: "v1", Kind: "ConfigMap", Name: "x", UID: "uid-x"}
	oldController := metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", UID: "uid-rs", Controller: new(true)}

	tests := []struct {
		name     string
		existing []metav1.OwnerReference
		want     []metav1.OwnerReference
	}{
		{"no references", nil, []metav1.OwnerReference{want}},
		{"idempotent", []metav1.OwnerReference{want}, []metav1.OwnerReference{want}},
		{"keeps non-controller references", []metav1.OwnerReference{other}, []metav1.OwnerReference{other, want}},
		{"replaces another controller", []metav1.OwnerReference{oldController, other}, []metav1.OwnerReference{other, want}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{OwnerReferences: tc.existing}}
			OwnedBy(svc, d)
			if diff := cmp.Diff(tc.want, svc.OwnerReferences); diff != "" {
				t.Errorf("OwnedBy() (-want +got):\n%s", diff)
			}
		})
	}
}
