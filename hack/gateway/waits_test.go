package gateway

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/sshgateway"
)

// TestWaitsAreBoundedPerKey: one key keeps at most sshgateway.MaxWaitsPerKey connections
// waiting for a start (each reads the apiserver every poll); the next is told so at once
// instead of waiting, another key is not affected, and a slot frees when its client goes.
// Waiting clients hold no handshake slot (sshgateway.Server.MaxHandshakes).
func TestWaitsAreBoundedPerKey(t *testing.T) {
	const startWait = 2 * time.Minute
	// Two handshakes at a time: a client that proved its key gives its slot back before it
	// waits, so the eight waiters below (started one after another) are all served.
	s := newStack(t, addPoolWithoutNodes, func(g *sshgateway.Server) { g.StartWait, g.MaxHandshakes = startWait, 2 })
	laptop, desktop := newKey(t, "alice@laptop"), newKey(t, "alice@desktop")
	// No node has the pool's label: the environment stays pending, starting, for the test.
	s.CreateEnv(t, "alice", map[string]any{"team": "alpha", "name": "stuck", "pool": "nowhere",
		"sshPublicKeys": []string{laptop.Public, desktop.Public}})
	laptopCfg, desktopCfg := s.waitingConfig(t, laptop), s.waitingConfig(t, desktop)

	var waiting []*backgroundSSH
	for range sshgateway.MaxWaitsPerKey {
		b := s.startSSH(t, laptopCfg, "stuck.alpha")
		b.waitFor(t, "stuck.alpha is starting")
		waiting = append(waiting, b)
	}

	began := time.Now()
	_, stderr, err := run(t, "", "ssh", "-F", laptopCfg, "-J", s.jump("stuck.alpha"), "dev@stuck.alpha", "true")
	if err == nil || !strings.Contains(stderr, "connections with key "+fingerprint(t, laptop)+" already wait") {
		t.Fatalf("connection %d of one key: %v, stderr %q; want it told that %d already wait",
			sshgateway.MaxWaitsPerKey+1, err, stderr, sshgateway.MaxWaitsPerKey)
	}
	// Told, not made to wait: StartWait is 2 minutes.
	if took := time.Since(began); took > startWait/2 {
		t.Errorf("the refused connection took %s", took)
	}

	t.Logf("%d waiting, the next told at once (%s):\n%s", sshgateway.MaxWaitsPerKey, time.Since(began).Round(time.Millisecond), stderr)
	other := s.startSSH(t, desktopCfg, "stuck.alpha")
	other.waitFor(t, "stuck.alpha is starting")
	other.stop()

	// A client that gives up frees its slot: the gateway notices at its next progress line
	// (at most every 10 s), so a new connection may wait again after that.
	waiting[0].stop()
	deadline := time.Now().Add(45 * time.Second)
	for {
		b := s.startSSH(t, laptopCfg, "stuck.alpha")
		got := b.waitFor(t, "stuck.alpha is starting", "already wait")
		b.stop()
		if strings.Contains(got, "is starting") {
			t.Logf("a slot was free again %s after its client left", time.Since(deadline.Add(-45*time.Second)).Round(time.Second))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no slot free 45 s after a waiting client left: %q", got)
		}
		time.Sleep(2 * time.Second)
	}
}

// addPoolWithoutNodes adds pool "nowhere", whose node selector no node matches, for alpha.
func addPoolWithoutNodes(c *config.Config) {
	c.Pools = append(c.Pools, config.Pool{Name: "nowhere", Description: "no node has its label",
		NodeSelector: map[string]string{"devenvs.test/pool": "nowhere"}, ScratchHomes: true})
	for i := range c.Teams {
		if c.Teams[i].Name == "alpha" {
			c.Teams[i].Pools = append(c.Teams[i].Pools, "nowhere")
		}
	}
}

// backgroundSSH is an OpenSSH client left running, its stderr read as it comes.
type backgroundSSH struct {
	cmd    *exec.Cmd
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan struct{}
}

func (b *backgroundSSH) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stderr.Write(p)
}

func (b *backgroundSSH) text() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stderr.String()
}

// startSSH runs `ssh -J` to target in the background.
func (s *stack) startSSH(t *testing.T, cfg, target string) *backgroundSSH {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	b := &backgroundSSH{done: make(chan struct{})}
	b.cmd = exec.CommandContext(ctx, "ssh", "-F", cfg, "-J", s.jump(target), "dev@"+target, "true")
	b.cmd.Stderr = b
	// Its own process group: stop ends the ProxyJump child (ssh -W) too, which holds the
	// connection to the gateway.
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := b.cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	go func() { _ = b.cmd.Wait(); cancel(); close(b.done) }()
	t.Cleanup(b.stop)
	return b
}

// waitFor waits until the client's stderr holds one of wants (or it exits) and returns it.
func (b *backgroundSSH) waitFor(t *testing.T, wants ...string) string {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		got := b.text()
		for _, w := range wants {
			if strings.Contains(got, w) {
				return got
			}
		}
		select {
		case <-b.done:
			t.Fatalf("ssh exited before printing any of %q: %q", wants, got)
		default:
		}
	}
	t.Fatalf("ssh printed none of %q in 30 s: %q", wants, b.text())
	return ""
}

// stop kills the client and its ProxyJump child and waits for it.
func (b *backgroundSSH) stop() {
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	<-b.done
}
