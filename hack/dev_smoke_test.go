package hack

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/devenvs/devenvs/shared/testbed"
)

// TestMakeDev runs the README's first command as a newcomer would (hack/dev.sh, what
// `make dev` runs) on the local cluster and Redis, waits for it to say it is running, then
// uses what it printed: the UI answers, the local token lists environments, the SSH gateway
// accepts connections. Ctrl-C stops everything it started.
func TestMakeDev(t *testing.T) {
	testbed.Clientset(t) // the local cluster must be up (make test starts it)
	base := freePortRange(t, 10)
	sshPort := base + 9
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "hack/dev.sh")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), fmt.Sprintf("DEVENVS_PORT_BASE=%d", base), fmt.Sprintf("DEVENVS_SSH_GATEWAY_PORT=%d", sshPort))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) // Ctrl-C, as the README says
		select {
		case <-stopped:
		case <-time.After(30 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			t.Errorf("make dev did not stop on Ctrl-C within 30 s")
		}
	})

	var out strings.Builder
	running := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		found := false
		for sc.Scan() {
			out.WriteString(sc.Text() + "\n")
			if !found && strings.Contains(sc.Text(), "devenvs is running") {
				found = true
				running <- true
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
		if !found {
			running <- false
		}
		stopped <- cmd.Wait()
	}()
	select {
	case ok := <-running:
		if !ok {
			t.Fatalf("make dev ended before it said it was running:\n%s", out.String())
		}
	case <-ctx.Done():
		t.Fatalf("make dev did not say it was running in time:\n%s", out.String())
	}

	ui := fmt.Sprintf("http://127.0.0.1:%d/", base)
	if status, body := get(t, ui, ""); status != http.StatusOK || !strings.Contains(body, "devenvs") {
		t.Errorf("GET %s: %d %.200s", ui, status, body)
	}
	list := fmt.Sprintf("http://127.0.0.1:%d/?team=alpha", base+2)
	if status, body := get(t, list, "devenvs-local-dev-token"); status != http.StatusOK || !strings.Contains(body, `"environments"`) {
		t.Errorf("GET %s with the local token: %d %.200s", list, status, body)
	}
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", sshPort), 5*time.Second)
	if err != nil {
		t.Fatalf("the SSH gateway: %v", err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || !strings.HasPrefix(line, "SSH-2.0-") {
		t.Errorf("the SSH gateway's greeting: %q, %v", line, err)
	}
}

func get(t *testing.T, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// freePortRange finds n consecutive free loopback ports.
func freePortRange(t *testing.T, n int) int {
	t.Helper()
	for base := 18100; base < 30000; base += 100 {
		free := true
		for p := base; p < base+n && free; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if err != nil {
				free = false
				continue
			}
			_ = l.Close()
		}
		if free {
			return base
		}
	}
	t.Fatal("no free range of loopback ports")
	return 0
}
