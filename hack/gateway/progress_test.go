package gateway

import (
	"strings"
	"testing"
)

// TestWaitsForAStartPrintingProgress: ssh to an environment right after creating it waits
// for the start and prints where it stands (authentication banners, which OpenSSH shows
// even inside ProxyJump and with BatchMode), then logs in.
func TestWaitsForAStartPrintingProgress(t *testing.T) {
	s := newStack(t, nil, nil)
	alice := newKey(t, "alice@laptop")
	s.CreateEnv(t, "alice", map[string]any{"team": "alpha", "name": "fresh", "image": "debian:bookworm", "pool": "real",
		"cpu": "500m", "memory": "512Mi", "sshPublicKeys": []string{alice.Public}, "packages": []string{"jq"}})

	cfg := s.waitingConfig(t, alice)
	out, stderr, err := run(t, "", "ssh", "-F", cfg, "-J", s.jump("fresh.alpha"), "dev@fresh.alpha", "jq --version >/dev/null && echo in")
	if err != nil || out != "in" {
		t.Fatalf("ssh during the start: %v, out %q, stderr %q", err, out, stderr)
	}
	if !strings.Contains(stderr, "devenvs: fresh.alpha is starting") {
		t.Errorf("stderr %q: no progress line", stderr)
	}
	// The start passes through package installation, which takes seconds: a line names it.
	if !strings.Contains(stderr, "fresh.alpha is starting: installing packages (") {
		t.Errorf("stderr %q: no line for the package installation", stderr)
	}
	// A step is printed when it changes and every 10 s while it lasts, not every poll.
	if n := strings.Count(stderr, "installing packages ("); n > 4 {
		t.Errorf("installing packages printed %d times:\n%s", n, stderr)
	}
	t.Logf("progress shown:\n%s", stderr)
}
