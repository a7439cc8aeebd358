package kube

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/env"
)

// Delete removes an environment: its Deployment, and through owner references the pod,
// Secret, Service and home volume. It returns ErrNotFound when there is nothing to delete.
func (c *Client) Delete(ctx context.Context, ns, name string) error {
	err := c.deleteDeployment(ctx, ns, name)
	if apierrors.IsNotFound(err) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("delete environment %s/%s: %w", ns, name, err)
	}
	// Give the team its place back now, not when the garbage collector reaches it through
	// the name claim: the Deployment may linger (foreground deletion, finalizers) and an
	// environment being deleted does not count toward the limit (resources.MakePlace). A
	// failure here is not the delete's: the environment is going, and the garbage collector
	// releases its place with the name claim that owns it.
	_ = c.leases(ns).deleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: env.NameSelector(name)})
	return nil
}

// deleteDeployment deletes in the foreground: the Deployment stays (with a deletion
// timestamp) until the garbage collector has removed what it owns, so the name cannot be
// reused while an old Secret or Service of the same name still exists.
func (c *Client) deleteDeployment(ctx context.Context, ns, name string) error {
	policy := metav1.DeletePropagationForeground
	return c.deployments(ns).delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy})
}
