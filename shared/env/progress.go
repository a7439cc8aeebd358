package env

import (
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Start steps, in order, each read from an observable fact: the pod's scheduling condition,
// its container's state, and the step the start script last announced in its log.
const (
	StepScheduling         = "scheduling"          // waiting for a node
	StepPreparing          = "preparing"           // sandbox, image, volumes on the node
	StepInstallingPackages = "installing-packages" // the package manager at work
	StepRestoringPackages  = "restoring-packages"  // the saved package layer unpacked
	StepStartingSSH        = "starting-ssh"        // user, keys, sshd until it accepts connections
)

// StepPrefix starts the lines by which the start script announces a step.
const StepPrefix = "devenvs-step: "

// Progress is where a start stands: its step, since when the start runs, and how long
// starts like it took recently. Every figure is observed, never assumed: without recent
// starts to learn from there is no estimate.
type Progress struct {
	Step  string    `json:"step"`
	Since time.Time `json:"since"`
	// EstimateSeconds is the median start time of EstimateFrom recent starts of the same
	// image and packages in the team, first starts and restarts apart.
	EstimateSeconds int `json:"estimateSeconds,omitempty"`
	EstimateFrom    int `json:"estimateFrom,omitempty"`
}

// StartKey identifies starts that take alike: the same image and packages, and whether it is
// the environment's first start (packages installed) or a restart (packages restored).
type StartKey struct {
	Image, Packages string
	Restart         bool
}

// firstStartWindow: a pod created this soon after its Deployment belongs to the first start.
const firstStartWindow = 30 * time.Second

// StartKeyOf is the key of the start that made pod.
func StartKeyOf(d *appsv1.Deployment, pod *corev1.Pod) StartKey {
	k := StartKey{Image: d.Annotations[ImageAnnotation]}
	if cs := d.Spec.Template.Spec.Containers; len(cs) > 0 {
		k.Packages = strings.Join(cs[0].Args, " ")
		if k.Image == "" {
			k.Image = cs[0].Image
		}
	}
	if created, ok := timeAnnotation(d.Annotations, CreatedAtAnnotation); ok {
		k.Restart = pod.CreationTimestamp.Sub(created) > firstStartWindow
	}
	return k
}

// StartDuration is how long a ready pod took from creation to Ready, when it became ready
// once and never restarted since (so the Ready condition's time is its start's end).
func StartDuration(pod *corev1.Pod) (time.Duration, bool) {
	if len(pod.Status.ContainerStatuses) == 0 || pod.Status.ContainerStatuses[0].RestartCount > 0 {
		return 0, false
	}
	if c := condition(pod, corev1.PodReady); c != nil && c.Status == corev1.ConditionTrue {
		if d := c.LastTransitionTime.Sub(pod.CreationTimestamp.Time); d > 0 {
			return d, true
		}
	}
	return 0, false
}

// Estimates are recent start durations by key.
type Estimates map[StartKey][]time.Duration

// Add records the start of a ready pod.
func (e Estimates) Add(d *appsv1.Deployment, pod *corev1.Pod) {
	if took, ok := StartDuration(pod); ok {
		k := StartKeyOf(d, pod)
		e[k] = append(e[k], took)
	}
}

// ProgressOf says where the environment's start stands, or nil when it is not starting.
// logStep is the last step the start script announced ("" when unknown).
func ProgressOf(d *appsv1.Deployment, pod *corev1.Pod, st Status, logStep string, est Estimates) *Progress {
	if pod == nil || (st.Phase != PhasePending && st.Phase != PhaseStarting) {
		return nil
	}
	p := &Progress{Since: pod.CreationTimestamp.Time}
	switch {
	case st.Reason == ReasonUnschedulable || st.Reason == ReasonScheduling:
		p.Step = StepScheduling
	case !containerStarted(pod):
		p.Step = StepPreparing
	case logStep == StepInstallingPackages || logStep == StepRestoringPackages:
		p.Step = logStep
	default:
		p.Step = StepStartingSSH
	}
	if ds := est[StartKeyOf(d, pod)]; len(ds) > 0 {
		ds = slices.Clone(ds)
		slices.Sort(ds)
		p.EstimateSeconds = int(ds[len(ds)/2].Round(time.Second) / time.Second)
		p.EstimateFrom = len(ds)
	}
	return p
}

func containerStarted(pod *corev1.Pod) bool {
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.State.Running != nil || cs.LastTerminationState.Terminated != nil {
			return true
		}
	}
	return false
}

// LastStep is the last step announced in a start script's log.
func LastStep(log string) string {
	step := ""
	for _, line := range strings.Split(log, "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(line), StepPrefix); ok {
			step = s
		}
	}
	return step
}

// Reasons a Starting environment gets from its observed step instead of the pod's NotReady,
// which only says SSH does not answer yet.
const (
	ReasonInstallingPackages = "InstallingPackages"
	ReasonRestoringPackages  = "RestoringPackages"
)

// StepStatus refines a Starting environment's NotReady reason with the step the start
// script announced; any other reason and message stay as they are.
func StepStatus(p *Progress, reason, message string) (string, string) {
	if p == nil || reason != ReasonNotReady {
		return reason, message
	}
	switch p.Step {
	case StepInstallingPackages:
		return ReasonInstallingPackages, "installing the image's SSH server and the packages asked for"
	case StepRestoringPackages:
		return ReasonRestoringPackages, "restoring the packages saved by the first start"
	}
	return reason, message
}
