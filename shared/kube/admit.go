package kube

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
)

// Admit asks the apiserver whether the Deployment's pod would be admitted now (a dry run:
// nothing is stored), so that starting a stopped environment the team's ResourceQuota
// cannot hold is refused at once (*QuotaError) rather than leaving it without a pod.
func (c *Client) Admit(ctx context.Context, d *appsv1.Deployment) error { return c.admitPod(ctx, d) }
