package env

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Phase is the one-word state of an environment shown in the UI.
type Phase string

const (
	PhasePending  Phase = "Pending"  // waiting for a node, an image, or the pod to exist
	PhaseStarting Phase = "Starting" // the container is starting or not yet accepting SSH
	PhaseRunning  Phase = "Running"  // SSH is accepting connections
	PhaseStopped  Phase = "Stopped"  // scaled to zero; objects and home are kept
	PhaseFailed   Phase = "Failed"   // needs the user to change something
	PhaseExpired  Phase = "Expired"  // past its lifetime, waiting for the reaper
)

// Status is a Phase with a machine-readable Reason and a human Message.
type Status struct {
	Phase   Phase  `json:"phase"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// Reasons set by Derive in addition to those copied from Kubernetes.
const (
	ReasonLifetimeExceeded = "LifetimeExceeded"
	ReasonUnschedulable    = "Unschedulable"
	ReasonNoPod            = "NoPod"
	ReasonNotReady         = "NotReady"
	ReasonPodFailed        = "PodFailed"
	ReasonScheduling       = "Scheduling"
	// ReasonVolumeNotBound is an Unschedulable pod whose home volume claim is not bound
	// yet: no node is the problem, storage is (a missing or slow provisioner).
	ReasonVolumeNotBound = "VolumeNotBound"
)

// waitingPhase maps container waiting reasons that deserve the user's attention. Image
// pull errors stay Pending because the kubelet keeps retrying and a registry hiccup heals
// by itself; the others will not heal without a change.
var waitingPhase = map[string]Phase{
	"ErrImagePull":               PhasePending,
	"ImagePullBackOff":           PhasePending,
	"CrashLoopBackOff":           PhaseFailed,
	"InvalidImageName":           PhaseFailed,
	"CreateContainerConfigError": PhaseFailed,
	"CreateContainerError":       PhaseFailed,
	"RunContainerError":          PhaseFailed,
}

// Derive computes an environment's status from its Deployment and the pods selected by
// NameSelector. It looks only at the given objects and now, so list calls need no events
// or extra requests. Precedence: expired, stopped, then the newest live pod.
func Derive(d *appsv1.Deployment, pods []corev1.Pod, now time.Time) Status {
	if d == nil {
		return Status{Phase: PhasePending, Reason: ReasonNoPod}
	}
	if exp, ok := timeAnnotation(d.Annotations, ExpiresAtAnnotation); ok && !now.Before(exp) {
		return Status{Phase: PhaseExpired, Reason: ReasonLifetimeExceeded,
			Message: "lifetime ended at " + exp.UTC().Format(time.RFC3339)}
	}
	if d.Spec.Replicas != nil && *d.Spec.Replicas == 0 {
		return Status{Phase: PhaseStopped, Reason: d.Annotations[StoppedReasonAnnotation]}
	}
	pod := newestPod(pods)
	if pod == nil {
		return Status{Phase: PhasePending, Reason: ReasonNoPod, Message: "waiting for the pod to be created"}
	}
	return podStatus(pod)
}

func podStatus(pod *corev1.Pod) Status {
	switch pod.Status.Phase {
	case corev1.PodFailed, corev1.PodSucceeded:
		// A Deployment pod never exits on purpose: Succeeded means sshd stopped.
		reason := pod.Status.Reason
		if reason == "" {
			reason = ReasonPodFailed
		}
		return Status{Phase: PhaseFailed, Reason: reason, Message: pod.Status.Message}
	}
	if c := condition(pod, corev1.PodScheduled); c != nil && c.Status == corev1.ConditionFalse {
		// The scheduler's wording for a claim it cannot place the pod with ("pod has unbound
		// immediate PersistentVolumeClaims") is stable across releases.
		if strings.Contains(c.Message, "unbound") && strings.Contains(c.Message, "PersistentVolumeClaim") {
			return Status{Phase: PhasePending, Reason: ReasonVolumeNotBound, Message: c.Message}
		}
		return Status{Phase: PhasePending, Reason: ReasonUnschedulable, Message: c.Message}
	}

	// Failed reasons win over pull reasons, whichever container reports them.
	var pending *Status
	statuses := slices.Concat(pod.Status.InitContainerStatuses, pod.Status.ContainerStatuses)
	for _, cs := range statuses {
		if st, ok := startFailure(cs); ok {
			return st
		}
		w := cs.State.Waiting
		if w == nil {
			continue
		}
		switch waitingPhase[w.Reason] {
		case PhaseFailed:
			return Status{Phase: PhaseFailed, Reason: w.Reason, Message: w.Message}
		case PhasePending:
			if pending == nil {
				pending = &Status{Phase: PhasePending, Reason: w.Reason, Message: w.Message}
			}
		}
	}
	if pending != nil {
		return *pending
	}

	switch pod.Status.Phase {
	case corev1.PodRunning:
		if c := condition(pod, corev1.PodReady); c != nil && c.Status == corev1.ConditionTrue {
			return Status{Phase: PhaseRunning}
		}
		return Status{Phase: PhaseStarting, Reason: ReasonNotReady, Message: "waiting for SSH to accept connections"}
	case corev1.PodPending, "": // "" is a pod the kubelet has not reported on yet
		if c := condition(pod, corev1.PodScheduled); c != nil && c.Status == corev1.ConditionTrue {
			reason := "ContainerCreating"
			for _, cs := range statuses {
				if cs.State.Waiting != nil && cs.State.Waiting.Reason != "" {
					reason = cs.State.Waiting.Reason
					break
				}
			}
			return Status{Phase: PhaseStarting, Reason: reason}
		}
		return Status{Phase: PhasePending, Reason: ReasonScheduling, Message: "waiting for the scheduler"}
	}
	// PodUnknown: the node stopped reporting.
	return Status{Phase: PhasePending, Reason: string(pod.Status.Phase)}
}

// startMessageRE is what the start script writes to the termination log when it fails:
// "<Reason>: <what happened and what to do>".
var startMessageRE = regexp.MustCompile(`^([A-Z][A-Za-z]{2,40}): (.+)`)

// startFailure reports a container whose start failed and has not since become ready: the
// start script's own reason and words when it left them, else the exit code and the last
// lines it printed. The kubelet keeps retrying, so a transient cause (a mirror hiccup)
// heals by itself; until then the user sees why it is not starting.
func startFailure(cs corev1.ContainerStatus) (Status, bool) {
	last := cs.LastTerminationState.Terminated
	if cs.Ready || last == nil || last.ExitCode == 0 {
		return Status{}, false
	}
	msg := strings.TrimSpace(last.Message)
	if m := startMessageRE.FindStringSubmatch(msg); m != nil {
		return Status{Phase: PhaseFailed, Reason: m[1], Message: m[2]}, true
	}
	st := Status{Phase: PhaseFailed, Reason: "ContainerExited",
		Message: "the environment's start exited with code " + strconv.Itoa(int(last.ExitCode))}
	if msg != "" {
		st.Message += "; it printed last: " + lastLine(msg)
	}
	return st, true
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// NewestPod is the pod that speaks for the environment (see newestPod), or nil.
func NewestPod(pods []corev1.Pod) *corev1.Pod { return newestPod(pods) }

// newestPod prefers pods that are not being deleted (during a Recreate rollout the old
// pod lingers while terminating), then the most recently created one.
func newestPod(pods []corev1.Pod) *corev1.Pod {
	var best *corev1.Pod
	for i := range pods {
		p := &pods[i]
		if best == nil {
			best = p
			continue
		}
		pLive, bLive := p.DeletionTimestamp == nil, best.DeletionTimestamp == nil
		if pLive != bLive {
			if pLive {
				best = p
			}
			continue
		}
		if best.CreationTimestamp.Before(&p.CreationTimestamp) {
			best = p
		}
	}
	return best
}

func condition(pod *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == t {
			return &pod.Status.Conditions[i]
		}
	}
	return nil
}

// timeAnnotation parses an RFC 3339 annotation.
func timeAnnotation(annotations map[string]string, key string) (time.Time, bool) {
	v, ok := annotations[key]
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}
