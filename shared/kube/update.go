package kube

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/retry"
)

// Get returns an environment's Deployment, or ErrNotFound.
func (c *Client) Get(ctx context.Context, ns, name string) (*appsv1.Deployment, error) {
	d := &appsv1.Deployment{}
	err := c.deployments(ns).get(ctx, name, d)
	if apierrors.IsNotFound(err) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("get environment %s/%s: %w", ns, name, err)
	}
	return d, nil
}

// Update reads the environment's Deployment, lets change modify it and writes it back,
// retrying on write conflicts so that concurrent stop/extend/resize calls all take effect.
// change returns false when there is nothing to write (already stopped, say), which keeps
// repeated requests from producing repeated writes.
func (c *Client) Update(ctx context.Context, ns, name string, change func(*appsv1.Deployment) (bool, error)) (*appsv1.Deployment, error) {
	var out *appsv1.Deployment
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		d, err := c.Get(ctx, ns, name)
		if err != nil {
			return err
		}
		if d.DeletionTimestamp != nil {
			return ErrNotFound
		}
		changed, err := change(d)
		if err != nil || !changed {
			out = d
			return err
		}
		out = &appsv1.Deployment{}
		return classify(c.deployments(ns).update(ctx, name, d, out))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Start is Update for a start: when change scales a stopped environment up, the apiserver is
// asked first (a dry run of its pod) whether the team's ResourceQuota admits it, so a start
// it cannot hold is refused at once (*QuotaError), not answered 200 and left without a pod.
func (c *Client) Start(ctx context.Context, ns, name string, change func(*appsv1.Deployment) (bool, error)) (*appsv1.Deployment, error) {
	return c.Update(ctx, ns, name, func(d *appsv1.Deployment) (bool, error) {
		stopped := d.Spec.Replicas != nil && *d.Spec.Replicas == 0
		changed, err := change(d)
		if err != nil || !changed || !stopped {
			return changed, err
		}
		return true, c.admitPod(ctx, d)
	})
}
