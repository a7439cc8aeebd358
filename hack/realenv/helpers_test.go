// Package realenv proves what happens inside an environment on the local cluster's real
// node (hack/realnode.sh): real containerd, runc and kubelet, a Debian image, real sshd and
// a real OpenSSH client. Every test drives the real functions (createenv, listenvs,
// updateenv, deleteenv) as a user would and then looks inside over SSH.
package realenv

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/functions/alerthandler"
	"github.com/devenvs/devenvs/hack/realstack"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

const startBudget = realstack.StartBudget

// stack is the four user-facing functions over one fixture, and the alert handler.
type stack struct {
	*realstack.Stack
	fx     *fixture.Fixture
	alerts string
	// steps are the start steps listenvs reported per environment, in order, without repeats.
	steps map[string][]string
}

func newStack(t *testing.T) *stack { t.Helper(); return newStackWith(t, nil) }

// newStackWith changes the fixture's configuration first (nil: none) and also serves the
// alert handler.
func newStackWith(t *testing.T, modify func(*config.Config)) *stack {
	t.Helper()
	testbed.RealNode(t)
	fx := fixture.New(t, modify)
	return &stack{
		Stack:  realstack.New(t, fx),
		fx:     fx,
		alerts: fx.Serve(t, alerthandler.New(), nil).URL,
		steps:  map[string][]string{},
	}
}

type key = realstack.Key

func newKey(t *testing.T) key { t.Helper(); return realstack.TestKey(t, "test@realenv") }

// createEnv creates an environment on the real node as alice in team alpha.
func (s *stack) createEnv(t *testing.T, spec map[string]any) {
	t.Helper()
	base := map[string]any{"team": "alpha", "image": "debian:bookworm", "pool": "real", "cpu": "500m", "memory": "512Mi"}
	for k, v := range spec {
		base[k] = v
	}
	s.CreateEnv(t, "alice", base)
}

// environment reads one environment as listenvs shows it.
func (s *stack) environment(t *testing.T, name string) env.Environment {
	t.Helper()
	return s.Environment(t, "alice", "alpha", name)
}

// waitPhase polls listenvs until the environment reaches phase, recording the start steps it
// reports and failing with the container's log when the budget runs out.
func (s *stack) waitPhase(t *testing.T, name string, phase env.Phase, budget time.Duration) env.Environment {
	t.Helper()
	return s.WaitPhase(t, "alice", "alpha", name, phase, realstack.Wait{
		Budget: budget,
		Seen: func(e env.Environment) {
			if p := e.Progress; p != nil {
				if seen := s.steps[name]; len(seen) == 0 || seen[len(seen)-1] != p.Step {
					s.steps[name] = append(seen, p.Step)
				}
			}
		},
		Explain: func() string { return s.logs(t, name) },
	})
}

// action sends one updateenv action and returns the status and body.
func (s *stack) action(t *testing.T, name string, body map[string]any) (int, []byte) {
	t.Helper()
	return fixture.Do(t, http.MethodPatch, s.Update+"/alpha/"+name, "alice", body)
}

// pod returns the environment's one live pod.
func (s *stack) pod(t *testing.T, name string) *corev1.Pod {
	t.Helper()
	pods, err := s.fx.Clientset.CoreV1().Pods(s.fx.Namespace("alpha")).List(context.Background(),
		metav1.ListOptions{LabelSelector: env.NameLabel + "=" + name})
	if err != nil {
		t.Fatal(err)
	}
	for i := range pods.Items {
		if pods.Items[i].DeletionTimestamp == nil {
			return &pods.Items[i]
		}
	}
	t.Fatalf("%s has no live pod", name)
	return nil
}

func (s *stack) logs(t *testing.T, name string) string {
	pods, err := s.fx.Clientset.CoreV1().Pods(s.fx.Namespace("alpha")).List(context.Background(),
		metav1.ListOptions{LabelSelector: env.NameLabel + "=" + name})
	if err != nil || len(pods.Items) == 0 {
		return "(no pod)"
	}
	raw, err := s.fx.Clientset.CoreV1().Pods(pods.Items[0].Namespace).GetLogs(pods.Items[0].Name,
		&corev1.PodLogOptions{Container: "workspace", TailLines: new(int64(30))}).DoRaw(context.Background())
	if err != nil {
		return fmt.Sprintf("(logs: %v)", err)
	}
	return string(raw)
}

// sshArgs are the real OpenSSH client's options for a test: the test's own key only, no
// agent, no known_hosts file of the machine's, no prompts.
func sshArgs(k key) []string {
	return []string{"-i", k.Private, "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes",
		"-o", "ConnectTimeout=10", "-o", "LogLevel=ERROR"}
}

// ssh runs a command in the environment over SSH to the pod's address on the node's bridge.
func (s *stack) ssh(t *testing.T, name string, k key, command string) (string, error) {
	t.Helper()
	ip := s.pod(t, name).Status.PodIP
	args := append(sshArgs(k), "dev@"+ip, command)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, "ssh", args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// mustSSH is ssh that fails the test on error.
func (s *stack) mustSSH(t *testing.T, name string, k key, command string) string {
	t.Helper()
	out, err := s.ssh(t, name, k, command)
	if err != nil {
		t.Fatalf("ssh %s %q: %v\n%s", name, command, err, out)
	}
	return out
}

var (
	getOpts   = metav1.GetOptions{}
	deleteNow = metav1.DeleteOptions{GracePeriodSeconds: new(int64(0))}
)

// waitNoPods waits until a stopped environment's pod is gone, so a start really starts anew.
func waitNoPods(t *testing.T, s *stack, name string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		pods, err := s.fx.Clientset.CoreV1().Pods(s.fx.Namespace("alpha")).List(t.Context(),
			metav1.ListOptions{LabelSelector: env.NameLabel + "=" + name})
		if err != nil {
			t.Fatal(err)
		}
		if len(pods.Items) == 0 {
			return
		}
	}
	t.Fatalf("%s still has pods a minute after stop", name)
}

// waitReplaced waits until the environment has a live pod other than old.
func waitReplaced(t *testing.T, s *stack, name, old string) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
		pods, err := s.fx.Clientset.CoreV1().Pods(s.fx.Namespace("alpha")).List(t.Context(),
			metav1.ListOptions{LabelSelector: env.NameLabel + "=" + name})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pods.Items {
			if p.Name != old && p.DeletionTimestamp == nil {
				return
			}
		}
	}
	t.Fatalf("%s: no pod replaced %s within a minute", name, old)
}

// idleAlert delivers a firing EnvIdleCPU alert for the environment to the alert handler, as
// the Broker would, and fails unless it is acknowledged.
func (s *stack) idleAlert(t *testing.T, name string) {
	t.Helper()
	e := event.New()
	e.SetID("idle-" + name + "-" + time.Now().Format(time.RFC3339Nano))
	e.SetSource("http://alertmanager/#/receivers/devenvs")
	e.SetType(alerthandler.TypeFiring)
	for k, v := range map[string]string{"alertname": alerthandler.AlertIdleCPU, "team": "alpha", "env": name, "severity": "info"} {
		e.SetExtension(k, v)
	}
	_ = e.SetData(event.ApplicationJSON, map[string]any{"startsAt": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		"annotations": map[string]string{"description": "used 0.00 of 0.50 cores for 30 minutes"}})
	status, body, err := fixture.PostEvent(t.Context(), s.alerts, e)
	if err != nil || status != http.StatusOK {
		t.Fatalf("idle alert for %s: %d %s %v", name, status, body, err)
	}
}
