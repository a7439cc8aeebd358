package env

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func running(p *corev1.Pod) {
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "workspace", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
}

// readyAfter makes a pod that became Ready took after it was created, with no restart.
func readyAfter(took time.Duration) podOpt {
	return func(p *corev1.Pod) {
		running(p)
		p.Status.ContainerStatuses[0].Ready = true
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(p.CreationTimestamp.Add(took))})
	}
}

func withImage(d *appsv1.Deployment, image string, createdAgo time.Duration, packages ...string) *appsv1.Deployment {
	d.Annotations[ImageAnnotation] = image
	d.Annotations[CreatedAtAnnotation] = testNow.Add(-createdAgo).Format(time.RFC3339)
	d.Spec.Template.Spec.Containers = []corev1.Container{{Name: "workspace", Args: packages}}
	return d
}

func TestProgressOf(t *testing.T) {
	since := testNow.Add(-time.Minute)
	// Three first starts of debian with git took 20, 22 and 40 s; one restart took 4 s.
	est := Estimates{}
	for _, took := range []time.Duration{20 * time.Second, 40 * time.Second, 22 * time.Second} {
		p := pod(corev1.PodRunning, created(2*time.Hour), readyAfter(took))
		est.Add(withImage(deployment(1), "debian:bookworm", 2*time.Hour, "git"), &p)
	}
	restarted := pod(corev1.PodRunning, created(time.Hour), readyAfter(4*time.Second))
	est.Add(withImage(deployment(1), "debian:bookworm", 3*time.Hour, "git"), &restarted)
	crashed := pod(corev1.PodRunning, created(time.Hour), readyAfter(3*time.Second))
	crashed.Status.ContainerStatuses[0].RestartCount = 2 // its Ready time is not its start's end
	est.Add(withImage(deployment(1), "debian:bookworm", time.Hour, "git"), &crashed)

	tests := []struct {
		name    string
		d       *appsv1.Deployment
		pod     corev1.Pod
		logStep string
		want    *Progress
	}{{
		name: "waiting for a node",
		d:    withImage(deployment(1), "debian:bookworm", time.Minute, "git"),
		pod:  pod(corev1.PodPending, cond(corev1.PodScheduled, corev1.ConditionFalse, "Unschedulable", "0/4 nodes")),
		want: &Progress{Step: StepScheduling, Since: since, EstimateSeconds: 22, EstimateFrom: 3},
	}, {
		name: "on the node, container not started",
		d:    withImage(deployment(1), "debian:bookworm", time.Minute, "git"),
		pod:  pod(corev1.PodPending, scheduled, waiting("ContainerCreating", "")),
		want: &Progress{Step: StepPreparing, Since: since, EstimateSeconds: 22, EstimateFrom: 3},
	}, {
		name:    "installing, as the script announced",
		d:       withImage(deployment(1), "debian:bookworm", time.Minute, "git"),
		pod:     pod(corev1.PodRunning, scheduled, notReady, running),
		logStep: StepInstallingPackages,
		want:    &Progress{Step: StepInstallingPackages, Since: since, EstimateSeconds: 22, EstimateFrom: 3},
	}, {
		name:    "a restart is estimated from restarts",
		d:       withImage(deployment(1), "debian:bookworm", 5*time.Hour, "git"),
		pod:     pod(corev1.PodRunning, scheduled, notReady, running),
		logStep: StepRestoringPackages,
		want:    &Progress{Step: StepRestoringPackages, Since: since, EstimateSeconds: 4, EstimateFrom: 1},
	}, {
		name:    "past the packages: starting SSH",
		d:       withImage(deployment(1), "debian:bookworm", time.Minute, "git"),
		pod:     pod(corev1.PodRunning, scheduled, notReady, running),
		logStep: StepStartingSSH,
		want:    &Progress{Step: StepStartingSSH, Since: since, EstimateSeconds: 22, EstimateFrom: 3},
	}, {
		name: "other packages have no estimate: none is made up",
		d:    withImage(deployment(1), "debian:bookworm", time.Minute, "git", "curl"),
		pod:  pod(corev1.PodRunning, scheduled, notReady, running),
		want: &Progress{Step: StepStartingSSH, Since: since},
	}, {
		name: "running: no progress",
		d:    withImage(deployment(1), "debian:bookworm", time.Minute, "git"),
		pod:  pod(corev1.PodRunning, scheduled, ready, running),
		want: nil,
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st := Derive(tc.d, []corev1.Pod{tc.pod}, testNow)
			if diff := cmp.Diff(tc.want, ProgressOf(tc.d, &tc.pod, st, tc.logStep, est)); diff != "" {
				t.Errorf("ProgressOf() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLastStep(t *testing.T) {
	for log, want := range map[string]string{
		"": "",
		"devenvs-step: installing-packages\nGet:1 http://x bookworm InRelease\n":                          StepInstallingPackages,
		"devenvs-step: installing-packages\nSetting up git\ndevenvs-step: starting-ssh\nServer listening": StepStartingSSH,
	} {
		if got := LastStep(log); got != want {
			t.Errorf("LastStep(%q) = %q, want %q", log, got, want)
		}
	}
}

func TestStepStatus(t *testing.T) {
	installing := &Progress{Step: StepInstallingPackages}
	for _, tc := range []struct {
		p                  *Progress
		reason, msg, wantR string
	}{
		{installing, ReasonNotReady, "waiting for SSH to accept connections", ReasonInstallingPackages},
		{&Progress{Step: StepRestoringPackages}, ReasonNotReady, "x", ReasonRestoringPackages},
		{&Progress{Step: StepStartingSSH}, ReasonNotReady, "x", ReasonNotReady},
		{installing, "CrashLoopBackOff", "x", "CrashLoopBackOff"},
		{nil, ReasonNotReady, "x", ReasonNotReady},
	} {
		if got, _ := StepStatus(tc.p, tc.reason, tc.msg); got != tc.wantR {
			t.Errorf("StepStatus(%v, %s) = %s, want %s", tc.p, tc.reason, got, tc.wantR)
		}
	}
}
