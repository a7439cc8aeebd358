package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/env"
)

// Objects are an environment's Kubernetes objects as the resources builders make them.
// The Deployment owns the rest; PVC is nil when the home is not persistent.
type Objects struct {
	Deployment *appsv1.Deployment
	Secret     *corev1.Secret
	Service    *corev1.Service
	PVC        *corev1.PersistentVolumeClaim
}

// Create makes an environment's objects, or none of them. With maxEnvironments > 0 it
// refuses with a *LimitError when the namespace already holds that many environments.
//
// A server-side dry run of the pod first lets the ResourceQuota admission answer now (a
// Deployment itself is never refused; its ReplicaSet would fail later, out of the caller's
// sight); it stores nothing, so it is sent together with the count of environments. The
// Deployment goes next, so that its creation is the one atomic claim on the name:
// of many concurrent creates exactly one wins, and the losers, which created nothing, return
// ErrExists without touching the winner's objects. The owned objects follow with an owner
// reference; if any fails, everything made so far is deleted.
func (c *Client) Create(ctx context.Context, objs Objects, maxEnvironments int) (*appsv1.Deployment, error) {
	ns := objs.Deployment.Namespace
	checks := []func() error{func() error { return c.admitPod(ctx, objs.Deployment) }}
	if maxEnvironments > 0 {
		// First in the list, so a team at its limit hears about the limit, not the quota.
		checks = slices.Insert(checks, 0, func() error { return c.checkLimit(ctx, ns, maxEnvironments) })
	}
	if err := runAll(checks); err != nil {
		return nil, err
	}
	d := &appsv1.Deployment{}
	err := c.deployments(ns).create(ctx, objs.Deployment, d, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) || (isQuota(err) && c.exists(ctx, ns, objs.Deployment.Name)) {
		// Quota admission charges every attempt before storage checks the name, so a
		// count quota can refuse the losers of a race for a name that is simply taken.
		return nil, ErrExists
	}
	if err != nil {
		return nil, fmt.Errorf("create deployment %s/%s: %w", ns, objs.Deployment.Name, classify(err))
	}
	owner := *metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment"))
	if err := c.createOwned(ctx, owner, objs); err != nil {
		// Use a fresh context: the caller's may be the reason we are failing.
		if cerr := c.deleteDeployment(context.WithoutCancel(ctx), ns, d.Name); cerr != nil {
			return nil, errors.Join(err, fmt.Errorf("clean up after failed create: %w", cerr))
		}
		return nil, err
	}
	return d, nil
}

// checkLimit counts the environments in ns, reading only their metadata and at most most of
// them: the count's cost does not grow with the team.
func (c *Client) checkLimit(ctx context.Context, ns string, most int) error {
	var list metav1.PartialObjectMetadataList
	opts := metav1.ListOptions{LabelSelector: env.Selector(), Limit: int64(most)}
	err := c.deployments(ns).at(c.apps.Get()).SetHeader("Accept", partialMetadataList).
		VersionedParams(&opts, parameterCodec).Do(ctx).Into(&list)
	if err != nil {
		return fmt.Errorf("count environments in %s: %w", ns, err)
	}
	if len(list.Items) >= most {
		return &LimitError{Max: most}
	}
	return nil
}

// admitPod asks the apiserver to admit (but not store) the Deployment's pod.
func (c *Client) admitPod(ctx context.Context, d *appsv1.Deployment) error {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: d.Name + "-",
			Namespace:    d.Namespace,
			Labels:       d.Spec.Template.Labels,
			Annotations:  d.Spec.Template.Annotations,
		},
		Spec: d.Spec.Template.Spec,
	}
	if err := c.pods(d.Namespace).create(ctx, pod, nil, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		return fmt.Errorf("admit pod of %s/%s: %w", d.Namespace, d.Name, classify(err))
	}
	return nil
}

// createOwned creates the owned objects concurrently: they depend only on the Deployment,
// so the create waits for one round trip instead of one per object. Every object is tried;
// the error returned is that of the first failed object in Secret, Service, PVC order.
func (c *Client) createOwned(ctx context.Context, owner metav1.OwnerReference, objs Objects) error {
	ns := objs.Deployment.Namespace
	var steps []func() error
	if s := objs.Secret; s != nil {
		s.OwnerReferences = []metav1.OwnerReference{owner}
		steps = append(steps, func() error {
			if err := c.secrets(ns).create(ctx, s, nil, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create secret %s/%s: %w", ns, s.Name, classify(err))
			}
			return nil
		})
	}
	if s := objs.Service; s != nil {
		s.OwnerReferences = []metav1.OwnerReference{owner}
		steps = append(steps, func() error {
			if err := c.services(ns).create(ctx, s, nil, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create service %s/%s: %w", ns, s.Name, classify(err))
			}
			return nil
		})
	}
	if p := objs.PVC; p != nil {
		p.OwnerReferences = []metav1.OwnerReference{owner}
		steps = append(steps, func() error {
			if err := c.claims(ns).create(ctx, p, nil, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create persistent home %s/%s: %w", ns, p.Name, classify(err))
			}
			return nil
		})
	}
	return runAll(steps)
}

// runAll runs steps concurrently (the last on the calling goroutine) and returns the error
// of the first failed step in list order.
func runAll(steps []func() error) error {
	if len(steps) == 0 {
		return nil
	}
	errs := make([]error, len(steps))
	var wg sync.WaitGroup
	for i, step := range steps[:len(steps)-1] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = step()
		}()
	}
	errs[len(steps)-1] = steps[len(steps)-1]()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) exists(ctx context.Context, ns, name string) bool {
	return c.deployments(ns).get(ctx, name, &appsv1.Deployment{}) == nil
}
