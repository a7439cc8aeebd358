package gateway

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/sshgateway"
)

func fingerprint(t *testing.T, k key) string {
	t.Helper()
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(k.Public))
	if err != nil {
		t.Fatal(err)
	}
	return ssh.FingerprintSHA256(pub)
}

// TestThroughTheGateway: the commands listenvs shows work as they are, with the real
// OpenSSH client, through the gateway, to real sshd: login and a command, the ssh config
// entry, sftp put/get, scp, a -L forward; a wrong key, another team's environment, another
// environment of the same team and a missing one are refused in the same words; a stopped
// one says so and how to start it; every connect and disconnect is in the activity log.
func TestThroughTheGateway(t *testing.T) {
	s := newStack(t, nil, nil)
	alice, bob := newKey(t, "alice@laptop"), newKey(t, "bob@desk")
	s.createEnv(t, "alice", "alpha", "demo", alice.Public)
	// These two are only ever refused, so the simulated pool is enough: routing reads
	// their Secrets, never their pods.
	for _, e := range []struct{ user, team, name string }{{"alice", "alpha", "second"}, {"bob", "beta", "other"}} {
		spec := map[string]any{"team": e.team, "name": e.name, "image": "debian:bookworm", "pool": "cpu-small",
			"cpu": "500m", "memory": "512Mi", "sshPublicKeys": []string{bob.Public}}
		if status, body := doJSON(t, s.Create, e.user, spec); status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", e.name, status, body)
		}
	}
	e := s.waitPhase(t, "alice", "alpha", "demo", env.PhaseRunning)

	t.Run("listenvs shows the gateway command and an ssh config entry", func(t *testing.T) {
		if want := "ssh -J demo.alpha@" + s.gw + " dev@demo.alpha"; e.SSH != want {
			t.Errorf("ssh = %q, want %q", e.SSH, want)
		}
		if want := "ProxyJump demo.alpha@" + s.gw; !strings.Contains(e.SSHConfig, want) {
			t.Errorf("sshConfig = %q, want it to contain %q", e.SSHConfig, want)
		}
	})

	t.Run("the listed command logs in and runs a command", func(t *testing.T) {
		args := append([]string{"-F", s.sshConfig(t, alice)}, strings.Fields(e.SSH)[1:]...)
		out, stderr, err := run(t, "", "ssh", append(args, "id -un; echo $HOME")...)
		if err != nil || out != "dev\n/home/dev" {
			t.Fatalf("ssh %v: %v, out %q, stderr %q", args, err, out, stderr)
		}
	})

	t.Run("the ssh config entry works as an editor would use it", func(t *testing.T) {
		cfg := s.sshConfig(t, alice)
		body, _ := os.ReadFile(cfg)
		if err := os.WriteFile(cfg, []byte(e.SSHConfig+string(body)), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, stderr, err := run(t, "", "ssh", "-F", cfg, "demo.alpha", "id -un"); err != nil || out != "dev" {
			t.Fatalf("ssh demo.alpha: %v, out %q, stderr %q", err, out, stderr)
		}
	})

	t.Run("sftp and scp", func(t *testing.T) {
		cfg := s.sshConfig(t, alice)
		local := t.TempDir()
		src := filepath.Join(local, "notes.txt")
		_ = os.WriteFile(src, []byte("my work\n"), 0o600)
		batch := filepath.Join(local, "batch")
		_ = os.WriteFile(batch, []byte("put "+src+" notes.txt\nget notes.txt "+filepath.Join(local, "back.txt")+"\n"), 0o600)
		if _, stderr, err := run(t, "", "sftp", "-F", cfg, "-J", s.jump("demo.alpha"), "-b", batch, "dev@demo.alpha"); err != nil {
			t.Fatalf("sftp: %v\n%s", err, stderr)
		}
		if got, _ := os.ReadFile(filepath.Join(local, "back.txt")); string(got) != "my work\n" {
			t.Errorf("sftp round trip = %q", got)
		}
		if _, stderr, err := run(t, "", "scp", "-F", cfg, "-J", s.jump("demo.alpha"), src, "dev@demo.alpha:copied.txt"); err != nil {
			t.Fatalf("scp to: %v\n%s", err, stderr)
		}
		if _, stderr, err := run(t, "", "scp", "-F", cfg, "-J", s.jump("demo.alpha"), "dev@demo.alpha:copied.txt", filepath.Join(local, "scp-back.txt")); err != nil {
			t.Fatalf("scp from: %v\n%s", err, stderr)
		}
		if got, _ := os.ReadFile(filepath.Join(local, "scp-back.txt")); string(got) != "my work\n" {
			t.Errorf("scp round trip = %q", got)
		}
	})

	t.Run("a -L forward inside the session", func(t *testing.T) {
		cfg := s.sshConfig(t, alice)
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		// Forward a local port to the environment's own sshd (the only service a bare
		// Debian image has), then log in through the forward.
		fwd := exec.Command("ssh", "-F", cfg, "-J", s.jump("demo.alpha"), "-o", "ExitOnForwardFailure=yes",
			"-L", fmt.Sprintf("%d:127.0.0.1:22", port), "dev@demo.alpha", "sleep 30")
		if err := fwd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = fwd.Process.Kill(); _ = fwd.Wait() }()
		var out, stderr string
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
			if out, stderr, err = run(t, "", "ssh", "-F", cfg, "-p", fmt.Sprint(port), "dev@localhost", "echo forwarded"); err == nil {
				break
			}
		}
		if out != "forwarded" {
			t.Fatalf("through -L: %v, out %q, stderr %q", err, out, stderr)
		}
	})

	refusals := []struct {
		name, target string
		k            key
	}{
		{"a key the environment does not list", "demo.alpha", bob},
		{"another team's environment", "other.beta", alice},
		{"another environment of the same team", "second.alpha", alice},
		{"a missing environment", "nope.alpha", alice},
		{"a missing team", "demo.gamma", alice},
	}
	for _, r := range refusals {
		t.Run("refused: "+r.name, func(t *testing.T) {
			out, stderr, err := s.ssh(t, r.k, r.target, "id")
			want := r.target + ": no environment of that name accepts key " + fingerprint(t, r.k) +
				" (it does not exist, or the key is not one of its keys)"
			if err == nil || !strings.Contains(stderr, want) || !strings.Contains(stderr, "Permission denied (publickey)") {
				t.Errorf("ssh %s with %s: err %v, out %q, stderr %q; want refused with %q", r.target, r.k.Public, err, out, stderr, want)
			}
		})
	}

	t.Run("a shell on the gateway itself says what to type", func(t *testing.T) {
		_, stderr, err := run(t, "", "ssh", "-F", s.sshConfig(t, alice), "-p", portOf(s.gw), "demo.alpha@"+hostOf(s.gw), "id")
		if want := "ssh -J demo.alpha@" + s.gw + " dev@demo.alpha"; err == nil || !strings.Contains(stderr, want) {
			t.Errorf("ssh to the gateway: err %v, stderr %q; want %q", err, stderr, want)
		}
	})

	t.Run("audit", func(t *testing.T) {
		fp := fingerprint(t, alice)
		c := s.waitEvent(t, "alpha", sshgateway.ActionConnect, "(key "+fp+") from")
		if c.Actor != "ssh:alice@laptop" || c.Env != "demo" || c.Outcome != eventlog.OutcomeSuccess || !strings.Contains(c.Reason, "from 127.0.0.1:") {
			t.Errorf("connect entry = %+v", c)
		}
		d := s.waitEvent(t, "alpha", sshgateway.ActionDisconnect, "(key "+fp+") after")
		if d.Actor != "ssh:alice@laptop" || !strings.Contains(d.Reason, " sent, ") || !strings.Contains(d.Reason, " received; last input ") {
			t.Errorf("disconnect entry = %+v", d)
		}
		// The refused key on an existing environment of the team is recorded, with its fingerprint.
		s.waitEvent(t, "alpha", sshgateway.ActionConnect, "key ["+fp+"] not listed")
		for _, ev := range s.events(t, "beta", sshgateway.ActionConnect) {
			if strings.Contains(ev.Reason, "demo") {
				t.Errorf("team beta's log shows alpha's environment: %+v", ev)
			}
		}
	})

	t.Run("a stopped environment says so and how to start it", func(t *testing.T) {
		if status, body := doJSON(t, s.Update+"/alpha/demo", "alice", map[string]any{"action": "stop"}, http.MethodPatch); status != http.StatusOK {
			t.Fatalf("stop: %d %s", status, body)
		}
		s.waitPhase(t, "alice", "alpha", "demo", env.PhaseStopped)
		_, stderr, err := s.ssh(t, alice, "demo.alpha", "id")
		if want := "demo.alpha is stopped (StoppedByUser). Start it from the web page (Start)"; err == nil || !strings.Contains(stderr, want) {
			t.Errorf("ssh to a stopped environment: err %v, stderr %q; want %q", err, stderr, want)
		}
		s.waitEvent(t, "alpha", sshgateway.ActionConnect, "demo.alpha is stopped")
	})
}

func hostOf(hp string) string { h, _, _ := net.SplitHostPort(hp); return h }
func portOf(hp string) string { _, p, _ := net.SplitHostPort(hp); return p }
