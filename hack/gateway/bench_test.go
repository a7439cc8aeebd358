package gateway

import (
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/devenvs/devenvs/shared/env"
)

// TestBench measures (DEVENVS_GATEWAY_BENCH=1; docs/PERFORMANCE.md has the figures):
// the time from starting `ssh` to the remote command's exit, through the gateway
// (ProxyJump) and straight to the pod's address, alternating, N times each; then how many
// concurrent sessions the gateway holds (DEVENVS_GATEWAY_BENCH_SESSIONS, default 100).
//
//	DEVENVS_GATEWAY_BENCH=1 CI=true go test ./hack/gateway/ -run TestBench -v -count=1
func TestBench(t *testing.T) {
	if os.Getenv("DEVENVS_GATEWAY_BENCH") == "" {
		t.Skip("a benchmark: set DEVENVS_GATEWAY_BENCH=1")
	}
	s := newStack(t, nil, nil)
	k := newKey(t, "bench@devenvs")
	s.createEnv(t, "alice", "alpha", "bench", k.Public)
	s.waitPhase(t, "alice", "alpha", "bench", env.PhaseRunning)
	ip := s.podIP(t, "alpha", "bench")
	cfg := s.sshConfig(t, k)
	timed := func(args ...string) time.Duration {
		start := time.Now()
		if out, err := exec.Command("ssh", append([]string{"-F", cfg}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("ssh %v: %v\n%s", args, err, out)
		}
		return time.Since(start)
	}
	const n = 20
	var direct, gateway []time.Duration
	timed("dev@"+ip, "true") // warm both paths (host keys, first connections)
	timed("-J", s.jump("bench.alpha"), "dev@bench.alpha", "true")
	for range n {
		direct = append(direct, timed("dev@"+ip, "true"))
		gateway = append(gateway, timed("-J", s.jump("bench.alpha"), "dev@bench.alpha", "true"))
	}
	q := func(d []time.Duration, p float64) time.Duration {
		d = slices.Clone(d)
		slices.Sort(d)
		return d[int(p*float64(len(d)-1))]
	}
	t.Logf("ssh to command exit, %d runs each: direct p50 %s p90 %s; gateway p50 %s p90 %s; ratio p50 %.2fx",
		n, q(direct, .5).Round(time.Millisecond), q(direct, .9).Round(time.Millisecond),
		q(gateway, .5).Round(time.Millisecond), q(gateway, .9).Round(time.Millisecond),
		float64(q(gateway, .5))/float64(q(direct, .5)))

	sessions := 100
	if v, err := strconv.Atoi(os.Getenv("DEVENVS_GATEWAY_BENCH_SESSIONS")); err == nil {
		sessions = v
	}
	var wg sync.WaitGroup
	errs := make(chan error, sessions)
	start := time.Now()
	// Started 100 ms apart: the environment's own sshd drops unauthenticated connections
	// beyond MaxStartups (10:30:100) when all arrive at once, which is sshd's limit, not the
	// gateway's. 20 s of sleep keeps the first open while the last starts.
	for i := range sessions {
		wg.Go(func() {
			cmd := exec.Command("ssh", "-F", cfg, "-J", s.jump("bench.alpha"), "dev@bench.alpha", "sleep 20; echo held")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil || string(out) != "held\n" {
				errs <- fmt.Errorf("session %d: %v %q %s", i, err, out, stderr.String())
			}
		})
		time.Sleep(100 * time.Millisecond)
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		failed++
		t.Log(err)
	}
	t.Logf("%d concurrent sessions held for 20 s through one gateway: %d failed, all done in %s", sessions, failed, time.Since(start).Round(time.Millisecond))
	if failed > 0 {
		t.Errorf("%d of %d sessions failed", failed, sessions)
	}
}
