package kube

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	return nil
}

// deleteDeployment deletes in the foreground: the Deployment stays (with a deletion
// timestamp) until the garbage collector has removed what it owns, so the name cannot be
// reused while an old Secret or Service of the same name still exists.
func (c *Client) deleteDeployment(ctx context.Context, ns, name string) error {
	policy := metav1.DeletePropagationForeground
	return c.deployments(ns).delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy})
}
