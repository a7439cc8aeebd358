package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"

	"github.com/devenvs/devenvs/shared/env"
)

// NodeFullError means the node running the environment cannot hold the new size, or cannot
// resize a running pod at all; the pod keeps its old size.
type NodeFullError struct{ Message string }

func (e *NodeFullError) Error() string { return e.Message }

// resizeWait bounds how long Resize waits for the kubelet to refuse, apply or make room for
// a new size, and resizeSettle how long it waits for a size the kubelet made room for to be
// applied. The real kubelet answers within about a second; a simulated (KWOK) node never
// answers, and then the size the apiserver admitted stands.
const (
	resizeWait   = 4 * time.Second
	resizeSettle = 30 * time.Second
)

// Resize changes a running environment's size in place: the pod's resize subresource
// (Kubernetes' in-place pod resize, no restart), then the ReplicaSet's and the Deployment's
// pod templates, so that a later start or a recreated pod gets the same size. The
// Deployment is paused meanwhile: a template that differs from its ReplicaSet's for a moment
// would otherwise roll out a new pod. The quota (admission, at once) and the node (the
// kubelet, within resizeWait) can refuse; then nothing changes and the error is a
// *QuotaError or *NodeFullError. set applies the new size to a container's resources and
// reports whether it changed anything.
func (c *Client) Resize(ctx context.Context, ns, name string, set func(*corev1.ResourceRequirements) (bool, error)) (*appsv1.Deployment, error) {
	d, err := c.Get(ctx, ns, name)
	if err != nil {
		return nil, err
	}
	want := d.Spec.Template.Spec.Containers[0].Resources.DeepCopy()
	changed, err := set(want)
	if err != nil || !changed {
		return d, err
	}
	pods, err := c.livePods(ctx, ns, d)
	if err != nil {
		return nil, err
	}
	if len(pods) > 0 {
		if d, err = c.setPaused(ctx, ns, name, true); err != nil {
			return nil, err
		}
		for i := range pods {
			if err := c.resizePod(ctx, &pods[i], *want); err != nil {
				_, _ = c.setPaused(context.WithoutCancel(ctx), ns, name, false)
				return nil, err
			}
		}
		if err := c.resizeReplicaSets(ctx, ns, pods, *want); err != nil {
			return nil, err
		}
	}
	return c.Update(ctx, ns, name, func(d *appsv1.Deployment) (bool, error) {
		d.Spec.Template.Spec.Containers[0].Resources = *want.DeepCopy()
		d.Spec.Paused = false
		return true, nil
	})
}

func (c *Client) setPaused(ctx context.Context, ns, name string, paused bool) (*appsv1.Deployment, error) {
	return c.Update(ctx, ns, name, func(d *appsv1.Deployment) (bool, error) {
		if d.Spec.Paused == paused {
			return false, nil
		}
		d.Spec.Paused = paused
		return true, nil
	})
}

// livePods are the environment's pods that are not being deleted.
func (c *Client) livePods(ctx context.Context, ns string, d *appsv1.Deployment) ([]corev1.Pod, error) {
	var list corev1.PodList
	sel := labels.SelectorFromSet(env.SelectorLabels(d.Labels[env.TeamLabel], d.Name)).String()
	if err := c.pods(ns).list(ctx, metav1.ListOptions{LabelSelector: sel}, &list); err != nil {
		return nil, fmt.Errorf("list pods of %s/%s: %w", ns, d.Name, err)
	}
	live := list.Items[:0]
	for _, p := range list.Items {
		if p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			live = append(live, p)
		}
	}
	return live, nil
}

// resizePod asks for the new size through the pod's resize subresource and waits for the
// kubelet's verdict; a refusal puts the old size back.
func (c *Client) resizePod(ctx context.Context, pod *corev1.Pod, want corev1.ResourceRequirements) error {
	old := pod.Spec.Containers[0].Resources
	if err := c.patchPodResources(ctx, pod, want); err != nil {
		return err
	}
	if pod.Spec.NodeName == "" {
		return nil // not scheduled yet: it will start with the new size
	}
	var (
		refusal string
		heard   bool // the kubelet has made room for the new size: wait for it to apply it
		asked   = time.Now()
	)
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, resizeSettle, false, func(ctx context.Context) (bool, error) {
		var p corev1.Pod
		if err := c.pods(pod.Namespace).get(ctx, pod.Name, &p); err != nil {
			return false, err
		}
		for _, cond := range p.Status.Conditions {
			switch {
			case cond.Type == corev1.PodResizePending && cond.Status == corev1.ConditionTrue &&
				(cond.Reason == corev1.PodReasonInfeasible || cond.Reason == corev1.PodReasonDeferred):
				refusal = cond.Message
				return true, nil
			case cond.Type == corev1.PodResizeInProgress && cond.Status == corev1.ConditionTrue:
				heard = true
			}
		}
		for _, cs := range p.Status.ContainerStatuses {
			if cs.Name == pod.Spec.Containers[0].Name && cs.Resources != nil &&
				equalQuantities(cs.Resources.Limits, want.Limits) {
				return true, nil
			}
		}
		if !heard && time.Since(asked) > resizeWait {
			return false, errKubeletSilent
		}
		return false, nil
	})
	switch {
	case refusal != "":
		_ = c.patchPodResources(context.WithoutCancel(ctx), pod, old)
		return &NodeFullError{Message: "the node cannot hold the new size: " + refusal}
	case errors.Is(err, errKubeletSilent), errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil:
		// The kubelet has not answered (a simulated node), or has made room for the new size
		// and is slow applying it: either way the admitted size stands.
		return nil
	}
	return err
}

// errKubeletSilent ends the wait for a kubelet that has not taken a resize up in resizeWait.
var errKubeletSilent = errors.New("the kubelet has not taken the resize up")

func (c *Client) patchPodResources(ctx context.Context, pod *corev1.Pod, res corev1.ResourceRequirements) error {
	patch, err := json.Marshal(map[string]any{"spec": map[string]any{"containers": []map[string]any{{
		"name": pod.Spec.Containers[0].Name, "resources": res,
	}}}})
	if err != nil {
		return err
	}
	err = c.core.Patch(types.StrategicMergePatchType).Namespace(pod.Namespace).Resource("pods").Name(pod.Name).
		SubResource("resize").Body(patch).Do(ctx).Error()
	switch {
	case err == nil:
		return nil
	case !isQuota(err) && (apierrors.IsForbidden(err) || apierrors.IsInvalid(err) || apierrors.IsBadRequest(err)):
		// E.g. a node that does not declare in-place resize support (simulated KWOK nodes).
		return &NodeFullError{Message: "the node cannot resize this environment while it runs (" + statusMessage(err) +
			"); stop it, resize it, and start it again"}
	}
	return fmt.Errorf("resize pod %s/%s: %w", pod.Namespace, pod.Name, classify(err))
}

// resizeReplicaSets gives the ReplicaSets of the pods the new size, so a pod they recreate
// has it and the Deployment, once its template says the same, sees no change to roll out.
func (c *Client) resizeReplicaSets(ctx context.Context, ns string, pods []corev1.Pod, want corev1.ResourceRequirements) error {
	done := map[string]bool{}
	for _, p := range pods {
		ref := metav1.GetControllerOf(&p)
		if ref == nil || ref.Kind != "ReplicaSet" || done[ref.Name] {
			continue
		}
		done[ref.Name] = true
		// The ReplicaSet controller writes a fresh ReplicaSet too (status, annotations), so
		// a conflict is expected right after a create: read again and retry.
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			rs := &appsv1.ReplicaSet{}
			if err := c.replicaSets(ns).get(ctx, ref.Name, rs); err != nil {
				return fmt.Errorf("get replicaset %s/%s: %w", ns, ref.Name, err)
			}
			rs.Spec.Template.Spec.Containers[0].Resources = *want.DeepCopy()
			return c.replicaSets(ns).update(ctx, rs.Name, rs, &appsv1.ReplicaSet{})
		})
		if err != nil {
			return fmt.Errorf("resize replicaset %s/%s: %w", ns, ref.Name, err)
		}
	}
	return nil
}

func equalQuantities(a, b corev1.ResourceList) bool {
	for name, q := range b {
		if got, ok := a[name]; !ok || got.Cmp(q) != 0 {
			return false
		}
	}
	return true
}
