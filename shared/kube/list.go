package kube

import (
	"context"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metricsv1beta1 "k8s.io/metrics/pkg/apis/metrics/v1beta1"
)

// Snapshot is everything needed to show a namespace's environments, read in three concurrent
// calls whatever their number: Deployments, their pods, and the pods' metrics.
type Snapshot struct {
	Deployments []appsv1.Deployment
	Pods        []corev1.Pod
	// PodMetrics is nil when the metrics API is not installed or not answering; callers
	// then report usage as unknown rather than failing.
	PodMetrics []metricsv1beta1.PodMetrics
}

// List reads the objects matching selector in namespace ns. The three lists are independent,
// so they are sent at once and a list waits for the slowest of them rather than for their
// sum; with no Deployments the pods and metrics read alongside are dropped, so the Snapshot
// is the same as reading the Deployments alone.
func (c *Client) List(ctx context.Context, ns, selector string) (*Snapshot, error) {
	opts := metav1.ListOptions{LabelSelector: selector}
	var (
		wg         sync.WaitGroup
		pods       corev1.PodList
		podsErr    error
		metrics    []metricsv1beta1.PodMetrics
		metricsErr error
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		podsErr = c.pods(ns).list(ctx, opts, &pods)
	}()
	go func() {
		defer wg.Done()
		metrics, metricsErr = c.PodMetrics(ctx, ns, selector)
	}()
	deps, err := c.Deployments(ctx, ns, selector)
	wg.Wait()
	if err != nil {
		return nil, err
	}
	snap := &Snapshot{Deployments: deps}
	if len(deps) == 0 {
		return snap, nil
	}
	if podsErr != nil {
		return nil, fmt.Errorf("list pods in %s: %w", ns, podsErr)
	}
	snap.Pods = pods.Items
	switch {
	case metricsErr == nil:
		snap.PodMetrics = metrics
	case metricsUnavailable(metricsErr):
		// No metrics-server, or it is still warming up: usage is unknown, not an error.
	default:
		return nil, metricsErr
	}
	return snap, nil
}

// Deployments returns the environments' Deployments matching selector in ns.
func (c *Client) Deployments(ctx context.Context, ns, selector string) ([]appsv1.Deployment, error) {
	var deps appsv1.DeploymentList
	if err := c.deployments(ns).list(ctx, metav1.ListOptions{LabelSelector: selector}, &deps); err != nil {
		return nil, fmt.Errorf("list environments in %s: %w", ns, err)
	}
	return deps.Items, nil
}

// PodMetrics returns the usage of the pods matching selector in ns, from the metrics API.
func (c *Client) PodMetrics(ctx context.Context, ns, selector string) ([]metricsv1beta1.PodMetrics, error) {
	var list metricsv1beta1.PodMetricsList
	if err := c.podMetrics(ns).list(ctx, metav1.ListOptions{LabelSelector: selector}, &list); err != nil {
		return nil, fmt.Errorf("list pod metrics in %s: %w", ns, err)
	}
	return list.Items, nil
}

func metricsUnavailable(err error) bool {
	return apierrors.IsNotFound(err) || apierrors.IsServiceUnavailable(err) ||
		apierrors.IsTimeout(err) || apierrors.IsInternalError(err)
}
