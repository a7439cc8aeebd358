package kube

import (
	"context"
	"errors"
	"fmt"
	"sync"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Objects are an environment's Kubernetes objects as the resources builders make them.
// The Deployment owns the rest; PVC is nil when the home is not persistent.
type Objects struct {
	Deployment *appsv1.Deployment
	Secret     *corev1.Secret
	Service    *corev1.Service
	PVC        *corev1.PersistentVolumeClaim
}

// Create makes an environment's objects, or none of them.
//
// A server-side dry run of the pod first lets the ResourceQuota admission answer now (a
// Deployment itself is never refused; its ReplicaSet would fail later, out of the caller's
// sight). The Deployment goes next, so that its creation is the one atomic claim on the name:
// of many concurrent creates exactly one wins, and the losers, which created nothing, return
// ErrExists without touching the winner's objects. The owned objects follow with an owner
// reference; if any fails, everything made so far is deleted.
func (c *Client) Create(ctx context.Context, objs Objects) (*appsv1.Deployment, error) {
	ns := objs.Deployment.Namespace
	if err := c.admitPod(ctx, objs.Deployment); err != nil {
		return nil, err
	}
	d, err := c.Kube.AppsV1().Deployments(ns).Create(ctx, objs.Deployment, metav1.CreateOptions{})
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
	_, err := c.Kube.CoreV1().Pods(d.Namespace).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil {
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
			if _, err := c.Kube.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create secret %s/%s: %w", ns, s.Name, classify(err))
			}
			return nil
		})
	}
	if s := objs.Service; s != nil {
		s.OwnerReferences = []metav1.OwnerReference{owner}
		steps = append(steps, func() error {
			if _, err := c.Kube.CoreV1().Services(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
				return fmt.Errorf("create service %s/%s: %w", ns, s.Name, classify(err))
			}
			return nil
		})
	}
	if p := objs.PVC; p != nil {
		p.OwnerReferences = []metav1.OwnerReference{owner}
		steps = append(steps, func() error {
			if _, err := c.Kube.CoreV1().PersistentVolumeClaims(ns).Create(ctx, p, metav1.CreateOptions{}); err != nil {
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
	_, err := c.Kube.AppsV1().Deployments(ns).Get(ctx, name, metav1.GetOptions{})
	return err == nil
}
