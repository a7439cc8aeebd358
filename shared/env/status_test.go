package env

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func deployment(replicas int32, annotations ...string) *appsv1.Deployment {
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "devenvs-alpha", Annotations: map[string]string{
			ExpiresAtAnnotation: testNow.Add(time.Hour).Format(time.RFC3339),
		}},
		Spec: appsv1.DeploymentSpec{Replicas: new(replicas)},
	}
	for i := 0; i+1 < len(annotations); i += 2 {
		d.Annotations[annotations[i]] = annotations[i+1]
	}
	return d
}

type podOpt func(*corev1.Pod)

func pod(phase corev1.PodPhase, opts ...podOpt) corev1.Pod {
	p := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web-abc", CreationTimestamp: metav1.NewTime(testNow.Add(-time.Minute))},
		Status:     corev1.PodStatus{Phase: phase},
	}
	for _, o := range opts {
		o(&p)
	}
	return p
}

func cond(t corev1.PodConditionType, s corev1.ConditionStatus, reason, msg string) podOpt {
	return func(p *corev1.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: t, Status: s, Reason: reason, Message: msg})
	}
}

func waiting(reason, msg string) podOpt {
	return func(p *corev1.Pod) {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: "workspace", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: reason, Message: msg}}})
	}
}

// lastExit gives the workspace container a last termination with code and message, as the
// kubelet reports after the start script failed; ready says whether it has since come up.
func lastExit(code int32, msg string, isReady bool) podOpt {
	return func(p *corev1.Pod) {
		if len(p.Status.ContainerStatuses) == 0 {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "workspace"}}
		}
		cs := &p.Status.ContainerStatuses[0]
		cs.Ready = isReady
		cs.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: code, Message: msg}
	}
}

func created(ago time.Duration) podOpt {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(testNow.Add(-ago)) }
}

func terminating(p *corev1.Pod) { p.DeletionTimestamp = new(metav1.NewTime(testNow)) }

func failedWith(reason, msg string) podOpt {
	return func(p *corev1.Pod) { p.Status.Reason, p.Status.Message = reason, msg }
}

var (
	scheduled = cond(corev1.PodScheduled, corev1.ConditionTrue, "", "")
	ready     = cond(corev1.PodReady, corev1.ConditionTrue, "", "")
	notReady  = cond(corev1.PodReady, corev1.ConditionFalse, "ContainersNotReady", "")
)

func TestDerive(t *testing.T) {
	const schedMsg = "0/4 nodes are available: 4 Insufficient cpu."
	const claimMsg = "0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling."
	tests := []struct {
		name string
		d    *appsv1.Deployment
		pods []corev1.Pod
		want Status
	}{
		{"no deployment", nil, nil, Status{Phase: PhasePending, Reason: ReasonNoPod}},
		{"expired at exactly now", deployment(1, ExpiresAtAnnotation, testNow.Format(time.RFC3339)),
			[]corev1.Pod{pod(corev1.PodRunning, scheduled, ready)},
			Status{Phase: PhaseExpired, Reason: "LifetimeExceeded", Message: "lifetime ended at 2026-03-01T12:00:00Z"}},
		{"expired beats stopped", deployment(0, ExpiresAtAnnotation, testNow.Add(-time.Hour).Format(time.RFC3339), StoppedReasonAnnotation, "Idle"),
			nil, Status{Phase: PhaseExpired, Reason: "LifetimeExceeded", Message: "lifetime ended at 2026-03-01T11:00:00Z"}},
		{"stopped with reason", deployment(0, StoppedReasonAnnotation, "IdleCPU"),
			[]corev1.Pod{pod(corev1.PodRunning, terminating)}, Status{Phase: PhaseStopped, Reason: "IdleCPU"}},
		{"stopped without reason", deployment(0), nil, Status{Phase: PhaseStopped}},
		{"unparsable expires-at is ignored", deployment(1, ExpiresAtAnnotation, "tomorrow"),
			[]corev1.Pod{pod(corev1.PodRunning, scheduled, ready)}, Status{Phase: PhaseRunning}},
		{"no pod", deployment(1), nil,
			Status{Phase: PhasePending, Reason: ReasonNoPod, Message: "waiting for the pod to be created"}},
		{"unschedulable", deployment(1),
			[]corev1.Pod{pod(corev1.PodPending, cond(corev1.PodScheduled, corev1.ConditionFalse, "Unschedulable", schedMsg))},
			Status{Phase: PhasePending, Reason: "Unschedulable", Message: schedMsg}},
		{"home volume not bound", deployment(1),
			[]corev1.Pod{pod(corev1.PodPending, cond(corev1.PodScheduled, corev1.ConditionFalse, "Unschedulable", claimMsg))},
			Status{Phase: PhasePending, Reason: ReasonVolumeNotBound, Message: claimMsg}},
		{"not yet seen by the scheduler", deployment(1), []corev1.Pod{pod(corev1.PodPending)},
			Status{Phase: PhasePending, Reason: ReasonScheduling, Message: "waiting for the scheduler"}},
		{"no status yet", deployment(1), []corev1.Pod{pod("")},
			Status{Phase: PhasePending, Reason: ReasonScheduling, Message: "waiting for the scheduler"}},
		{"container creating", deployment(1), []corev1.Pod{pod(corev1.PodPending, scheduled, waiting("ContainerCreating", ""))},
			Status{Phase: PhaseStarting, Reason: "ContainerCreating"}},
		{"scheduled without container statuses", deployment(1), []corev1.Pod{pod(corev1.PodPending, scheduled)},
			Status{Phase: PhaseStarting, Reason: "ContainerCreating"}},
		{"image pull back-off", deployment(1), []corev1.Pod{pod(corev1.PodPending, scheduled, waiting("ImagePullBackOff", "Back-off pulling image \"ubuntu:99\""))},
			Status{Phase: PhasePending, Reason: "ImagePullBackOff", Message: "Back-off pulling image \"ubuntu:99\""}},
		{"image pull error", deployment(1), []corev1.Pod{pod(corev1.PodPending, scheduled, waiting("ErrImagePull", "not found"))},
			Status{Phase: PhasePending, Reason: "ErrImagePull", Message: "not found"}},
		{"crash loop", deployment(1), []corev1.Pod{pod(corev1.PodRunning, scheduled, notReady, waiting("CrashLoopBackOff", "back-off 5m0s restarting failed container"))},
			Status{Phase: PhaseFailed, Reason: "CrashLoopBackOff", Message: "back-off 5m0s restarting failed container"}},
		{"invalid image name", deployment(1), []corev1.Pod{pod(corev1.PodPending, scheduled, waiting("InvalidImageName", "bad"))},
			Status{Phase: PhaseFailed, Reason: "InvalidImageName", Message: "bad"}},
		{"config error", deployment(1), []corev1.Pod{pod(corev1.PodPending, scheduled, waiting("CreateContainerConfigError", `secret "web-ssh" not found`))},
			Status{Phase: PhaseFailed, Reason: "CreateContainerConfigError", Message: `secret "web-ssh" not found`}},
		{"the start script's own reason, while crash-looping", deployment(1), []corev1.Pod{pod(corev1.PodRunning, scheduled, notReady,
			waiting("CrashLoopBackOff", "back-off 10s"), lastExit(1, "PackageInstallFailed: the packages could not be installed (E: Unable to locate package nope)\n", false))},
			Status{Phase: PhaseFailed, Reason: "PackageInstallFailed", Message: "the packages could not be installed (E: Unable to locate package nope)"}},
		{"the start script's reason, while it runs again", deployment(1), []corev1.Pod{pod(corev1.PodRunning, scheduled, notReady,
			lastExit(1, "NoPackageManager: the image has none of apt-get, apk, dnf, microdnf; choose another image", false))},
			Status{Phase: PhaseFailed, Reason: "NoPackageManager", Message: "the image has none of apt-get, apk, dnf, microdnf; choose another image"}},
		{"an exit without the script's words shows the code and last line", deployment(1), []corev1.Pod{pod(corev1.PodRunning, scheduled, notReady,
			waiting("CrashLoopBackOff", "back-off"), lastExit(255, "starting\nsshd: fatal: bad config", false))},
			Status{Phase: PhaseFailed, Reason: "ContainerExited", Message: "the environment's start exited with code 255; it printed last: sshd: fatal: bad config"}},
		{"a failure that healed is forgotten once ready", deployment(1), []corev1.Pod{pod(corev1.PodRunning, scheduled, ready,
			lastExit(1, "PackageIndexFailed: mirror down", true))},
			Status{Phase: PhaseRunning}},
		{"failure wins over pull", deployment(1), []corev1.Pod{pod(corev1.PodPending, scheduled, waiting("ImagePullBackOff", "a"), waiting("CrashLoopBackOff", "b"))},
			Status{Phase: PhaseFailed, Reason: "CrashLoopBackOff", Message: "b"}},
		{"running and ready", deployment(1), []corev1.Pod{pod(corev1.PodRunning, scheduled, ready)}, Status{Phase: PhaseRunning}},
		{"replicas unset means one", &appsv1.Deployment{}, []corev1.Pod{pod(corev1.PodRunning, scheduled, ready)}, Status{Phase: PhaseRunning}},
		{"running not ready", deployment(1), []corev1.Pod{pod(corev1.PodRunning, scheduled, notReady)},
			Status{Phase: PhaseStarting, Reason: ReasonNotReady, Message: "waiting for SSH to accept connections"}},
		{"evicted", deployment(1), []corev1.Pod{pod(corev1.PodFailed, failedWith("Evicted", "The node was low on resource: memory."))},
			Status{Phase: PhaseFailed, Reason: "Evicted", Message: "The node was low on resource: memory."}},
		{"failed without reason", deployment(1), []corev1.Pod{pod(corev1.PodFailed)}, Status{Phase: PhaseFailed, Reason: ReasonPodFailed}},
		{"succeeded counts as failed", deployment(1), []corev1.Pod{pod(corev1.PodSucceeded)}, Status{Phase: PhaseFailed, Reason: ReasonPodFailed}},
		{"node lost", deployment(1), []corev1.Pod{pod(corev1.PodUnknown)}, Status{Phase: PhasePending, Reason: "Unknown"}},
		{"live pod preferred over terminating newer one", deployment(1), []corev1.Pod{
			pod(corev1.PodPending, created(time.Hour)),
			pod(corev1.PodRunning, scheduled, ready, terminating),
		}, Status{Phase: PhasePending, Reason: ReasonScheduling, Message: "waiting for the scheduler"}},
		{"newest live pod wins", deployment(1), []corev1.Pod{
			pod(corev1.PodFailed, created(2*time.Hour)),
			pod(corev1.PodRunning, scheduled, ready, created(time.Minute)),
			pod(corev1.PodFailed, created(time.Hour)),
		}, Status{Phase: PhaseRunning}},
		{"only terminating pods", deployment(1), []corev1.Pod{pod(corev1.PodRunning, scheduled, ready, terminating)}, Status{Phase: PhaseRunning}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Derive(tc.d, tc.pods, testNow)); diff != "" {
				t.Errorf("Derive() (-want +got):\n%s", diff)
			}
		})
	}
}
