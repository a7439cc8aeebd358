package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/resources"
)

// Objects are an environment's Kubernetes objects as the resources builders make them.
// The Deployment owns the rest; PVC is nil when the home is not persistent.
type Objects struct {
	Deployment *appsv1.Deployment
	Secret     *corev1.Secret
	Service    *corev1.Service
	PVC        *corev1.PersistentVolumeClaim
}

// Create makes an environment's objects, or none of them, in four round trips: claim the
// name (with a pod dry run and a count, at once), take a place the team's ResourceQuota
// counts (*LimitError when full), create the Deployment, then the owned objects. Why this
// order: ARCHITECTURE.md, "Life of a create". When undoing a failed step fails too, the
// error is a *CleanupError.
func (c *Client) Create(ctx context.Context, objs Objects, maxEnvironments int) (*appsv1.Deployment, error) {
	d := objs.Deployment
	ns := d.Namespace
	var claim *corev1.ConfigMap
	// In the order their errors rank: the limit before the name (a full team hears that it
	// is full), the name before the quota (a retry of a create that went through hears that
	// the environment exists, not that the quota is now used up by it).
	err := runAll([]func() error{
		func() error { return c.checkLimit(ctx, ns, d.Name, maxEnvironments) },
		func() error {
			cm, err := c.claimName(ctx, resources.MakeNameClaim(d.Labels[env.TeamLabel], ns, d.Name))
			claim = cm
			return err
		},
		func() error { return c.admitPod(ctx, d) },
	})
	if err != nil {
		return nil, c.release(ctx, claim, nil, err)
	}
	place, err := c.takePlace(ctx, claim, maxEnvironments)
	if err != nil {
		return nil, c.release(ctx, claim, nil, err)
	}
	created := &appsv1.Deployment{}
	if err := c.deployments(ns).create(ctx, d, created, metav1.CreateOptions{}); err != nil {
		if apierrors.IsAlreadyExists(err) {
			// An environment being deleted (its claim already gone) or made before names
			// were claimed.
			err = ErrExists
		} else {
			err = fmt.Errorf("create deployment %s/%s: %w", ns, d.Name, classify(err))
		}
		return nil, c.release(ctx, claim, place, err)
	}
	owner := *metav1.NewControllerRef(created, appsv1.SchemeGroupVersion.WithKind("Deployment"))
	steps := append(c.ownedSteps(ctx, owner, objs), func() error { return c.giveClaim(ctx, claim, owner) })
	if err := runAll(steps); err != nil {
		// In the foreground: the name stays taken until what the Deployment owns is gone.
		err = c.undo(ctx, created, metav1.DeletePropagationForeground, err)
		return nil, c.release(ctx, claim, place, err)
	}
	return created, nil
}

// staleClaimAfter is how old a name claim that no Deployment owns must be before a create
// may take it over: older than any create takes (a few round trips, with cleanupBudget for
// undoing), so only a create that died half-way leaves one.
const staleClaimAfter = time.Minute

// claimName creates the name claim. One that exists means the name is taken (ErrExists),
// unless it is stale: no Deployment owns it and it is older than staleClaimAfter, then it
// is deleted (with its place) and claimed anew, once.
func (c *Client) claimName(ctx context.Context, cm *corev1.ConfigMap) (*corev1.ConfigMap, error) {
	configMaps := c.configMaps(cm.Namespace)
	for attempt := 0; ; attempt++ {
		created := &corev1.ConfigMap{}
		err := configMaps.create(ctx, cm, created, metav1.CreateOptions{})
		if err == nil {
			return created, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("claim name %s/%s: %w", cm.Namespace, cm.Name, classify(err))
		}
		old := &corev1.ConfigMap{}
		if err := configMaps.get(ctx, cm.Name, old); err != nil || attempt > 0 ||
			len(old.OwnerReferences) > 0 || time.Since(old.CreationTimestamp.Time) < staleClaimAfter {
			return nil, ErrExists
		}
		// A create that died between claiming and giving the claim to its Deployment.
		policy := metav1.DeletePropagationBackground
		err = configMaps.delete(ctx, old.Name, metav1.DeleteOptions{PropagationPolicy: &policy, Preconditions: metav1.NewUIDPreconditions(string(old.UID))})
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, ErrExists
		}
	}
}

// placeRetries and placeRetryDelay bound how long takePlace waits for the quota's count to
// catch up: quota admission reads the used count from the ResourceQuota's status, which the
// quota controller lowers only after an environment's place is deleted, and which is unset
// for a moment after the quota is made. Ten seconds: the controller usually catches up in
// well under one, but may take seconds on a loaded control plane. Only a create whose team
// the environments' own count says has room waits that long.
const (
	placeRetries    = 50
	placeRetryDelay = 200 * time.Millisecond
)

// takePlace creates the environment's place. The quota refusing it is a *LimitError, once
// the count of environments agrees that the team is full.
func (c *Client) takePlace(ctx context.Context, claim *corev1.ConfigMap, most int) (*coordinationv1.Lease, error) {
	lease := resources.MakePlace(claim)
	leases := c.leases(claim.Namespace)
	name := claim.Labels[env.NameLabel]
	for attempt := 0; ; attempt++ {
		created := &coordinationv1.Lease{}
		err := leases.create(ctx, lease, created, metav1.CreateOptions{})
		if err == nil {
			return created, nil
		}
		lagging := isQuotaUnknown(err)
		if !isQuota(err) && !lagging {
			return nil, fmt.Errorf("take a place for %s/%s: %w", claim.Namespace, name, classify(err))
		}
		if attempt >= placeRetries {
			if lagging {
				return nil, fmt.Errorf("take a place for %s/%s: %w", claim.Namespace, name, err)
			}
			return nil, &LimitError{Max: most}
		}
		// Full, by the quota's count. When the environments' own count says so too, it is;
		// otherwise the quota's count may lag a deletion: ask again shortly.
		if !lagging {
			var limit *LimitError
			if err := c.checkLimit(ctx, claim.Namespace, name, most); errors.As(err, &limit) {
				return nil, limit
			}
		}
		select {
		case <-ctx.Done():
			return nil, &LimitError{Max: most}
		case <-time.After(placeRetryDelay):
		}
	}
}

// giveClaim makes the Deployment own the name claim (and so, through it, the place).
func (c *Client) giveClaim(ctx context.Context, claim *corev1.ConfigMap, owner metav1.OwnerReference) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"ownerReferences": []metav1.OwnerReference{owner},
		// Only this create's claim: a later namesake's must not be given away.
		"uid": claim.UID,
	}})
	if err != nil {
		return err
	}
	if err := c.configMaps(claim.Namespace).patch(ctx, claim.Name, types.MergePatchType, patch); err != nil {
		return fmt.Errorf("give name claim %s/%s to its deployment: %w", claim.Namespace, claim.Name, err)
	}
	return nil
}

// release deletes a failed create's place and name claim (each may be nil) and returns
// cause, or a *CleanupError when a deletion fails. The place goes first, so the team's
// count never holds a place whose name is free.
func (c *Client) release(ctx context.Context, claim *corev1.ConfigMap, place *coordinationv1.Lease, cause error) error {
	if claim == nil {
		return cause
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupBudget)
	defer cancel()
	policy := metav1.DeletePropagationBackground
	if place != nil {
		err := c.leases(place.Namespace).delete(ctx, place.Name, metav1.DeleteOptions{PropagationPolicy: &policy, Preconditions: metav1.NewUIDPreconditions(string(place.UID))})
		if err != nil && !apierrors.IsNotFound(err) {
			return cleanupError(cause, fmt.Errorf("delete place %s/%s: %w", place.Namespace, place.Name, err))
		}
	}
	err := c.configMaps(claim.Namespace).delete(ctx, claim.Name, metav1.DeleteOptions{PropagationPolicy: &policy, Preconditions: metav1.NewUIDPreconditions(string(claim.UID))})
	if err != nil && !apierrors.IsNotFound(err) {
		return cleanupError(cause, fmt.Errorf("delete name claim %s/%s: %w", claim.Namespace, claim.Name, err))
	}
	return cause
}

// cleanupError adds a failed clean-up to cause, which may already be a *CleanupError.
func cleanupError(cause, cleanup error) error {
	var ce *CleanupError
	if errors.As(cause, &ce) {
		return &CleanupError{Cause: ce.Cause, Cleanup: errors.Join(ce.Cleanup, cleanup)}
	}
	return &CleanupError{Cause: cause, Cleanup: cleanup}
}

// cleanupBudget bounds undoing a failed create. The caller's context may have ended (it may
// be why the create failed), so the clean-up gets its own.
const cleanupBudget = 10 * time.Second

// undo deletes the Deployment of a failed create (and through it what it owns) and returns
// cause, or a *CleanupError when the deletion fails. The UID precondition keeps undo from
// deleting a later namesake; one already gone is fine.
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

// checkLimit counts the environments in ns, reading only their metadata, a page of at most
// most+1 at a time and only while the count could still be under the limit: its cost does
// not grow with the team. It leaves out the one being created and those being deleted (the
// garbage collector may hold a deleted environment's Deployment for a while, after its
// place is gone). It is a guard, not the limit: two creates racing for a team's last place
// may both pass it; the quota on places is what refuses one of them.
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
