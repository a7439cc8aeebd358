package kube

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

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
// It usually takes two round trips to the apiserver. The first sends three requests at
// once: the count of environments, the Deployment and a server-side dry run of its pod (so
// the ResourceQuota admission answers now: a Deployment itself is never refused, its
// ReplicaSet would fail later, out of the caller's sight). The Deployment's creation is the
// one atomic claim on the name: of many concurrent creates exactly one wins, and the losers
// return ErrExists without touching the winner's objects. When a check refuses, the claimed
// Deployment is deleted again (the garbage collector removes a ReplicaSet it may have
// begun). The second round trip creates the owned objects with an owner reference; if any
// fails, everything made so far is deleted. If that undoing fails too, the error is a
// *CleanupError, whatever the first failure was.
//
// The Deployment is not created paused to be started in the second round trip, which would
// spare a refused create that brief ReplicaSet: resuming a paused Deployment costs its first
// pod about 140 ms more on the local cluster (docs/PERFORMANCE.md), and a developer waits
// on every create for the pod, while refusals are rare.
func (c *Client) Create(ctx context.Context, objs Objects, maxEnvironments int) (*appsv1.Deployment, error) {
	ns := objs.Deployment.Namespace
	var claimed *appsv1.Deployment
	// In the order their errors rank: the limit before the name (a full team hears that it
	// is full), the name before the quota (a retry of a create that went through hears that
	// the environment exists, not that the quota is now used up by it).
	steps := []func() error{
		func() error {
			d, err := c.claim(ctx, objs.Deployment)
			claimed = d
			return err
		},
		func() error { return c.admitPod(ctx, objs.Deployment) },
	}
	if maxEnvironments > 0 {
		steps = slices.Insert(steps, 0, func() error {
			return c.checkLimit(ctx, ns, objs.Deployment.Name, maxEnvironments)
		})
	}
	if err := runAll(steps); err != nil {
		if claimed != nil {
			return nil, c.undo(ctx, claimed, metav1.DeletePropagationBackground, err)
		}
		return nil, err
	}
	owner := *metav1.NewControllerRef(claimed, appsv1.SchemeGroupVersion.WithKind("Deployment"))
	if err := runAll(c.ownedSteps(ctx, owner, objs)); err != nil {
		// In the foreground: the name stays taken until what the Deployment owns is gone.
		return nil, c.undo(ctx, claimed, metav1.DeletePropagationForeground, err)
	}
	return claimed, nil
}

// cleanupBudget bounds undoing a failed create. The caller's context may have ended (it may
// be why the create failed), so the clean-up gets its own.
const cleanupBudget = 10 * time.Second

// undo deletes the Deployment of a failed create (and through it what it owns) and returns
// cause, or a *CleanupError when the deletion fails. A refused create's Deployment owns
// nothing of this create's yet but perhaps a ReplicaSet just begun, so it goes at once
// (background) and the garbage collector follows: a foreground delete would leave it in
// the team's list until then. The UID precondition keeps undo from deleting a later
// namesake; one already gone is fine.
func (c *Client) undo(ctx context.Context, d *appsv1.Deployment, policy metav1.DeletionPropagation, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupBudget)
	defer cancel()
	err := c.deployments(d.Namespace).delete(ctx, d.Name, metav1.DeleteOptions{
		PropagationPolicy: &policy,
		Preconditions:     metav1.NewUIDPreconditions(string(d.UID)),
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return &CleanupError{Cause: cause, Cleanup: fmt.Errorf("delete deployment %s/%s: %w", d.Namespace, d.Name, err)}
	}
	return cause
}

// claim creates the Deployment, which holds the name.
func (c *Client) claim(ctx context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error) {
	created := &appsv1.Deployment{}
	err := c.deployments(d.Namespace).create(ctx, d, created, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) || (isQuota(err) && c.exists(ctx, d.Namespace, d.Name)) {
		// Quota admission charges every attempt before storage checks the name, so a
		// count quota can refuse the losers of a race for a name that is simply taken.
		return nil, ErrExists
	}
	if err != nil {
		return nil, fmt.Errorf("create deployment %s/%s: %w", d.Namespace, d.Name, classify(err))
	}
	return created, nil
}

// checkLimit counts the environments in ns, reading only their metadata, a page of at most
// most+1 at a time and only while the count could still be under the limit: its cost does
// not grow with the team. It leaves out the one being created (whose Deployment, created
// at the same time, the count may or may not see) and those being deleted (the garbage
// collector may hold a deleted environment's Deployment for a while; its quota is the dry
// run's business). The limit is a guard, not a lock: two creates racing for a team's last
// place may both be refused (each counting the other) or, if neither sees the other, both
// pass.
func (c *Client) checkLimit(ctx context.Context, ns, creating string, most int) error {
	opts := metav1.ListOptions{LabelSelector: env.Selector(), Limit: int64(most + 1)}
	count := 0
	for {
		var list metav1.PartialObjectMetadataList
		err := c.deployments(ns).at(c.apps.Get()).SetHeader("Accept", partialMetadataList).
			VersionedParams(&opts, parameterCodec).Do(ctx).Into(&list)
		if err != nil {
			return fmt.Errorf("count environments in %s: %w", ns, err)
		}
		for _, item := range list.Items {
			if item.Name != creating && item.DeletionTimestamp == nil {
				count++
			}
		}
		if count >= most {
			return &LimitError{Max: most}
		}
		if list.Continue == "" {
			return nil
		}
		opts.Continue = list.Continue
	}
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

// ownedSteps create the owned objects. They depend only on the Deployment, so they run
// together: every object is tried, and the error runAll returns is that of the first failed
// object in Secret, Service, PVC order.
func (c *Client) ownedSteps(ctx context.Context, owner metav1.OwnerReference, objs Objects) []func() error {
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
	return steps
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
