package resources

import (
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OwnedBy makes the Deployment the controller owner of obj, so deleting the Deployment
// deletes the environment's Service, Secret and PVC, and a create that fails half-way is
// cleaned up by deleting the one object. The Deployment must have been created (it needs
// its UID). Any other controller reference is replaced: an object has one controller.
func OwnedBy(obj metav1.Object, d *appsv1.Deployment) {
	ref := metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment"))
	var refs []metav1.OwnerReference
	for _, r := range obj.GetOwnerReferences() {
		if r.UID == d.UID || (r.Controller != nil && *r.Controller) {
			continue
		}
		refs = append(refs, r)
	}
	obj.SetOwnerReferences(append(refs, *ref))
}
