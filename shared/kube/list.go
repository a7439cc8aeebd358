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

	"github.com/devenvs/devenvs/shared/env"
)

// Snapshot is one page of a namespace's environments: their Deployments, the pods of
// those Deployments and the pods' metrics.
type Snapshot struct {
	Deployments []appsv1.Deployment
	Pods        []corev1.Pod
	// PodMetrics is nil when the metrics API is not installed or not answering; callers
	// then report usage as unknown rather than failing.
	PodMetrics []metricsv1beta1.PodMetrics
	// Continue is the apiserver's token for the next page, "" after the last one.
	Continue string
}

// Page selects part of a list: at most Limit items (0 means all), after Continue (a
// Snapshot's Continue from an earlier call). Expect, when above 0, is the most environments
// the namespace should hold (its team's maxEnvironments).
type Page struct {
	Limit    int64
	Continue string
	Expect   int
}

// List reads one page of the environments in namespace ns in three requests, whatever their
// number: the page of Deployments, the pods of those environments and the pods' metrics.
//
// On the first page of a namespace expected to fit in it, the three go out at once with the
// environments' common label. Otherwise the Deployments come first and the pods and metrics
// are then selected by the page's names, so a page of 500 out of 5,000 environments reads
// 500 pods, not 5,000.
func (c *Client) List(ctx context.Context, ns string, page Page) (*Snapshot, error) {
	whole := page.Continue == "" && page.Expect > 0 && (page.Limit == 0 || int64(page.Expect) <= page.Limit)
	var (
		wg         sync.WaitGroup
		pods       corev1.PodList
		podsErr    error
		metrics    []metricsv1beta1.PodMetrics
		metricsErr error
	)
	readPods := func(selector string) {
		wg.Go(func() { podsErr = c.pods(ns).list(ctx, metav1.ListOptions{LabelSelector: selector}, &pods) })
		wg.Go(func() { metrics, metricsErr = c.PodMetrics(ctx, ns, selector) })
	}
	if whole {
		readPods(env.Selector())
	}
	var deps appsv1.DeploymentList
	opts := metav1.ListOptions{LabelSelector: env.Selector(), Limit: page.Limit, Continue: page.Continue}
	if err := c.deployments(ns).list(ctx, opts, &deps); err != nil {
		wg.Wait()
		return nil, fmt.Errorf("list environments in %s: %w", ns, err)
	}
	snap := &Snapshot{Deployments: deps.Items, Continue: deps.Continue}
	if !whole {
		if len(deps.Items) == 0 {
			return snap, nil
		}
		// When more environments than expected exist (made outside devenvs), the pods read
		// alongside are a superset of this page's, which the caller matches by name.
		selector := env.Selector()
		if page.Continue != "" || deps.Continue != "" {
			names := make([]string, len(deps.Items))
			for i := range deps.Items {
				names[i] = deps.Items[i].Name
			}
			selector = env.NamesSelector(names)
		}
		readPods(selector)
	}
	wg.Wait()
	if len(deps.Items) == 0 {
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

// Pods returns the pods matching selector in ns, e.g. one environment's (env.NameSelector),
// so an action's answer can report the environment's real state.
func (c *Client) Pods(ctx context.Context, ns, selector string) ([]corev1.Pod, error) {
	var pods corev1.PodList
	if err := c.pods(ns).list(ctx, metav1.ListOptions{LabelSelector: selector}, &pods); err != nil {
		return nil, fmt.Errorf("list pods in %s: %w", ns, err)
	}
	return pods.Items, nil
}
