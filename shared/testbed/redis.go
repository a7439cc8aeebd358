package testbed

import (
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// PrivateRedis starts a redis-server of the test's own on a free loopback port, for tests
// that stop Redis on purpose. It returns the URL and a stop function (also run at cleanup).
func PrivateRedis(t testing.TB) (url string, stop func()) {
	t.Helper()
	return PrivateRedisWith(t)
}

// PrivateRedisWith is PrivateRedis with extra redis-server arguments (e.g. the chart's
// --maxmemory and --requirepass).
func PrivateRedisWith(t testing.TB, args ...string) (url string, stop func()) {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		unavailable(t, "redis-server is not installed: run `make redis` (it installs the Debian package)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	cmd := exec.Command(bin, append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatalf("start redis-server: %v", err)
	}
	stopped := false
	stop = func() {
		if !stopped {
			stopped = true
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}
	t.Cleanup(stop)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return "redis://" + addr + "/0", stop
		}
	}
	t.Fatalf("redis-server on %s did not start", addr)
	return "", nil
}
