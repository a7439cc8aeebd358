package hack

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"

	"github.com/devenvs/devenvs/hack/pools"
	"github.com/devenvs/devenvs/shared/testbed"
)

// TestPoolScheduling proves the local cluster behaves like a pooled one: a pod that selects
// and tolerates a pool runs on that pool's KWOK node, and one that does not tolerate the
// taint stays Pending with the scheduler's own explanation.
func TestPoolScheduling(t *testing.T) {
	cs := testbed.Clientset(t)
	ns := testbed.Namespace(t, cs, "smoke")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	tolerating := smokeDeployment("tolerating", "cpu-large", true)
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, tolerating, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	untolerating := smokeDeployment("untolerating", "cpu-large", false)
	if _, err := cs.AppsV1().Deployments(ns).Create(ctx, untolerating, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	pod := waitPod(ctx, t, cs, ns, "tolerating", func(p *corev1.Pod) bool { return p.Status.Phase == corev1.PodRunning })
	node, err := cs.CoreV1().Nodes().Get(ctx, pod.Spec.NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := node.Labels[pools.Key]; got != "cpu-large" {
		t.Errorf("pod ran on node %s of pool %q, want cpu-large", node.Name, got)
	}

	pending := waitPod(ctx, t, cs, ns, "untolerating", func(p *corev1.Pod) bool {
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				return true
			}
		}
		return false
	})
	if pending.Status.Phase != corev1.PodPending {
		t.Errorf("untolerating pod phase = %s, want Pending", pending.Status.Phase)
	}
	msg := scheduledCondition(pending).Message
	if !strings.Contains(msg, "untolerated taint") {
		t.Errorf("scheduler message = %q, want it to name the untolerated taint", msg)
	}
}

func smokeDeployment(name, pool string, tolerate bool) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	spec := corev1.PodSpec{
		NodeSelector: map[string]string{pools.Key: pool},
		Containers: []corev1.Container{{
			Name:  "main",
			Image: "busybox",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi"),
			}},
		}},
	}
	if tolerate {
		spec.Tolerations = []corev1.Toleration{{Key: pools.Key, Operator: corev1.TolerationOpEqual, Value: pool, Effect: corev1.TaintEffectNoSchedule}}
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](1),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec},
		},
	}
}

func waitPod(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns, app string, done func(*corev1.Pod) bool) *corev1.Pod {
	t.Helper()
	var found *corev1.Pod
	err := wait.PollUntilContextCancel(ctx, 200*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: "app=" + app})
		if err != nil {
			return false, err
		}
		for i := range pods.Items {
			if done(&pods.Items[i]) {
				found = &pods.Items[i]
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("pod of %s never reached the expected state: %v", app, err)
	}
	return found
}

func scheduledCondition(p *corev1.Pod) corev1.PodCondition {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled {
			return c
		}
	}
	return corev1.PodCondition{}
}
