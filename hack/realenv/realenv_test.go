package realenv

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

// TestCreateToSSH: the environment reports Running only once sshd answers; the user logs in
// with their key as the configured user, finds their packages and variables, is not root
// and cannot become root; sftp and scp move files; another key is refused.
func TestCreateToSSH(t *testing.T) {
	s := newStack(t)
	k := newKey(t)
	s.createEnv(t, map[string]any{"name": "work", "packages": []string{"git", "curl"},
		"env": map[string]string{"GREETING": "hello from devenvs"}, "sshPublicKeys": []string{k.Public}})
	s.waitPhase(t, "work", env.PhaseRunning, startBudget)
	// listenvs showed the start's steps as they happened (it polls 4 times a second; the
	// package install alone takes several seconds).
	if steps := strings.Join(s.steps["work"], ","); !strings.Contains(steps, "installing-packages,starting-ssh") {
		t.Errorf("start steps seen in listenvs: %s; want installing-packages then starting-ssh", steps)
	}

	for cmd, want := range map[string]string{
		"id -un":         "dev",
		"echo $GREETING": "hello from devenvs",
		"echo $HOME":     "/home/dev",
		"git --version":  "git version",
		"curl --version": "curl ",
		"test -w /etc/passwd || echo not-writable": "not-writable",
	} {
		if got := s.mustSSH(t, "work", k, cmd); !strings.HasPrefix(got, want) {
			t.Errorf("ssh %q = %q, want it to start with %q", cmd, got, want)
		}
	}
	// No way up: no sudo in the image, and setuid binaries cannot raise privileges.
	if out, err := s.ssh(t, "work", k, "su -c id root </dev/null"); err == nil {
		t.Errorf("su to root succeeded: %s", out)
	}

	// sftp put and get, scp both ways, through the real clients.
	local := t.TempDir()
	src := filepath.Join(local, "notes.txt")
	if err := os.WriteFile(src, []byte("my work\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ip := s.pod(t, "work").Status.PodIP
	batch := filepath.Join(local, "batch")
	_ = os.WriteFile(batch, []byte("put "+src+" notes.txt\nget notes.txt "+filepath.Join(local, "back.txt")+"\n"), 0o600)
	if out, err := exec.Command("sftp", append(sshArgs(k), "-b", batch, "dev@"+ip)...).CombinedOutput(); err != nil {
		t.Fatalf("sftp: %v\n%s", err, out)
	}
	if got, _ := os.ReadFile(filepath.Join(local, "back.txt")); string(got) != "my work\n" {
		t.Errorf("sftp round trip = %q", got)
	}
	if out, err := exec.Command("scp", append(sshArgs(k), src, "dev@"+ip+":copied.txt")...).CombinedOutput(); err != nil {
		t.Fatalf("scp to: %v\n%s", err, out)
	}
	if got := s.mustSSH(t, "work", k, "cat copied.txt notes.txt"); got != "my work\nmy work" {
		t.Errorf("files in the home = %q", got)
	}

	stranger := newKey(t)
	if out, err := s.ssh(t, "work", stranger, "id"); err == nil || !strings.Contains(out, "Permission denied") {
		t.Errorf("a key the environment does not list: err %v, output %q; want Permission denied", err, out)
	}
}

// TestStartFailuresAreVisible: a package that does not exist, a package index that cannot
// be read and an image without a package manager each end in Failed with the start
// script's reason and words, not an endless Starting.
func TestStartFailuresAreVisible(t *testing.T) {
	s := newStack(t)
	k := newKey(t)
	tests := []struct {
		name, image string
		packages    []string
		reason      string
		message     string
	}{
		{"nopkg", "debian:bookworm", []string{"no-such-package-devenvs"}, "PackageInstallFailed", "Unable to locate package no-such-package-devenvs"},
		{"nosources", "debian:broken-sources", nil, "PackageIndexFailed", "could not be updated"},
	}
	for _, tc := range tests {
		s.createEnv(t, map[string]any{"name": tc.name, "image": tc.image, "packages": tc.packages, "sshPublicKeys": []string{k.Public}})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := s.waitPhase(t, tc.name, env.PhaseFailed, startBudget)
			if e.Reason != tc.reason || !strings.Contains(e.Message, tc.message) {
				t.Errorf("status = %s: %q, want %s containing %q", e.Reason, e.Message, tc.reason, tc.message)
			}
		})
	}
}

// TestHomeSurvives: a file in a persistent home (the default on the real pool) survives a
// stop and start, the deletion of the pod and an idle stop; the restart reuses the saved
// package layer instead of installing again.
func TestHomeSurvives(t *testing.T) {
	// The team stops idle environments without a warning period, so the alert stops at once.
	s := newStackWith(t, func(c *config.Config) { c.Teams[0].StopWarning = new(config.Duration(0)) })
	k := newKey(t)
	s.createEnv(t, map[string]any{"name": "keep", "packages": []string{"git"}, "sshPublicKeys": []string{k.Public}})
	if e := s.waitPhase(t, "keep", env.PhaseRunning, startBudget); e.Home != "persistent" {
		t.Fatalf("home = %q, want persistent by default on the real pool", e.Home)
	}
	s.mustSSH(t, "keep", k, "echo precious > ~/work.txt")
	check := func(after string) {
		t.Helper()
		if got := s.mustSSH(t, "keep", k, "cat ~/work.txt"); got != "precious" {
			t.Fatalf("after %s: ~/work.txt = %q", after, got)
		}
	}

	if status, body := s.action(t, "keep", map[string]any{"action": "stop"}); status != http.StatusOK {
		t.Fatalf("stop: %d %s", status, body)
	}
	s.waitPhase(t, "keep", env.PhaseStopped, time.Minute)
	waitNoPods(t, s, "keep")
	s.steps["keep"] = nil
	if status, body := s.action(t, "keep", map[string]any{"action": "start"}); status != http.StatusOK {
		t.Fatalf("start: %d %s", status, body)
	}
	s.waitPhase(t, "keep", env.PhaseRunning, startBudget)
	check("stop and start")
	// Restoring takes about a second, so listenvs may not catch it; installing it must never show.
	if steps := s.steps["keep"]; slices.Contains(steps, "installing-packages") {
		t.Errorf("start steps seen in listenvs on the restart: %v; want no install", steps)
	}
	if logs := s.logs(t, "keep"); !strings.Contains(logs, "devenvs-step: restoring-packages") {
		t.Errorf("the restart installed packages again instead of restoring the saved layer:\n%s", logs)
	}
	if got := s.mustSSH(t, "keep", k, "git --version"); !strings.HasPrefix(got, "git version") {
		t.Errorf("git after a restored start: %q", got)
	}

	pod := s.pod(t, "keep")
	if err := s.fx.Clientset.CoreV1().Pods(pod.Namespace).Delete(t.Context(), pod.Name, deleteNow); err != nil {
		t.Fatal(err)
	}
	waitReplaced(t, s, "keep", pod.Name)
	s.waitPhase(t, "keep", env.PhaseRunning, startBudget)
	check("pod deletion")

	s.idleAlert(t, "keep")
	if e := s.waitPhase(t, "keep", env.PhaseStopped, time.Minute); e.Reason != "IdleCPU" {
		t.Errorf("after the idle alert: %s (%s), want Stopped by IdleCPU", e.Phase, e.Reason)
	}
	waitNoPods(t, s, "keep")
	if status, body := s.action(t, "keep", map[string]any{"action": "start"}); status != http.StatusOK {
		t.Fatalf("start after idle stop: %d %s", status, body)
	}
	s.waitPhase(t, "keep", env.PhaseRunning, startBudget)
	check("idle stop")
	events, err := s.fx.EventLog(t).Latest(t.Context(), "alpha", 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Action == "idle-stop" && e.Outcome == "success" && !strings.Contains(e.Reason, "home kept") {
			t.Errorf("the idle stop's log entry does not say the home was kept: %q", e.Reason)
		}
	}
}

// TestResizeInPlace: a resize changes the running container's CPU and memory without a
// restart (a process started before it still runs, the SSH session survives), keeps the
// Deployment's template in step, and is refused at once when the quota cannot hold it.
func TestResizeInPlace(t *testing.T) {
	s := newStack(t)
	k := newKey(t)
	s.createEnv(t, map[string]any{"name": "grow", "sshPublicKeys": []string{k.Public}})
	s.waitPhase(t, "grow", env.PhaseRunning, startBudget)
	pid := s.mustSSH(t, "grow", k, "nohup sleep 3600 >/dev/null 2>&1 & echo $!")
	before := s.pod(t, "grow")

	status, body := s.action(t, "grow", map[string]any{"action": "resize", "cpu": "1", "memory": "1Gi"})
	if status != http.StatusOK {
		t.Fatalf("resize: %d %s", status, body)
	}
	after := s.pod(t, "grow")
	if after.Name != before.Name || after.Status.ContainerStatuses[0].RestartCount != 0 {
		t.Fatalf("resize replaced or restarted the pod: %s -> %s, restarts %d", before.Name, after.Name, after.Status.ContainerStatuses[0].RestartCount)
	}
	if got := s.mustSSH(t, "grow", k, "kill -0 "+pid+" && echo alive"); got != "alive" {
		t.Errorf("the process started before the resize: %q", got)
	}
	// cgroup v1 here: the CFS quota is the CPU limit in 100 ms periods, memory.limit_in_bytes the memory limit.
	if got := s.mustSSH(t, "grow", k, "cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us /sys/fs/cgroup/memory/memory.limit_in_bytes"); got != "100000\n1073741824" {
		t.Errorf("cgroup limits inside after resize = %q, want 1 CPU and 1Gi", got)
	}
	d, err := s.fx.Clientset.AppsV1().Deployments(after.Namespace).Get(t.Context(), "grow", getOpts)
	if err != nil {
		t.Fatal(err)
	}
	if res := d.Spec.Template.Spec.Containers[0].Resources.Limits; res.Cpu().String() != "1" || res.Memory().String() != "1Gi" || d.Spec.Paused {
		t.Errorf("Deployment template after resize: limits %v, paused %v", res, d.Spec.Paused)
	}

	status, body = s.action(t, "grow", map[string]any{"action": "resize", "cpu": "8", "memory": "32Gi"})
	if status != http.StatusForbidden && status != http.StatusConflict {
		t.Fatalf("resize beyond what the quota and node hold: %d %s", status, body)
	}
	if now := s.pod(t, "grow"); now.Name != before.Name || now.Status.ContainerStatuses[0].RestartCount != 0 {
		t.Errorf("a refused resize touched the running pod")
	}
	if got := s.mustSSH(t, "grow", k, "kill -0 "+pid+" && echo alive"); got != "alive" {
		t.Errorf("after the refused resize: %q", got)
	}
}

// TestRealUsage: listenvs' used figures come from the real kubelet through metrics-server: a
// CPU burner started over SSH shows as used CPU near the environment's limit.
func TestRealUsage(t *testing.T) {
	s := newStack(t)
	k := newKey(t)
	s.createEnv(t, map[string]any{"name": "busy", "sshPublicKeys": []string{k.Public}})
	s.waitPhase(t, "busy", env.PhaseRunning, startBudget)
	s.mustSSH(t, "busy", k, "nohup timeout 300 sh -c 'while :; do :; done' >/dev/null 2>&1 &")
	var used *env.Resources
	for deadline := time.Now().Add(3 * time.Minute); time.Now().Before(deadline); time.Sleep(3 * time.Second) {
		if used = s.environment(t, "busy").Used; used != nil && used.CPUMilli >= 300 {
			t.Logf("used %dm CPU of 500m, %d MiB", used.CPUMilli, used.MemoryBytes>>20)
			return
		}
	}
	t.Fatalf("listenvs never saw the burner: used = %+v", used)
}
