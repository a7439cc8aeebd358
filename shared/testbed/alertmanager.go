package testbed

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

const alertmanagerConfig = `route:
  receiver: devenvs
  group_by: [alertname, team, env]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: devenvs
    webhook_configs:
      - url: %s/
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            type: Bearer
            credentials: %s
`

// Alertmanager runs the real Alertmanager (Debian package prometheus-alertmanager) on a free
// loopback port, with one receiver: a webhook to webhookURL sending token as a bearer token.
// It returns Alertmanager's base URL once /-/ready answers, and stops it when the test ends.
func Alertmanager(t testing.TB, webhookURL, token string) string {
	t.Helper()
	bin := ""
	for _, name := range []string{"prometheus-alertmanager", "/usr/bin/prometheus-alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		unavailable(t, "prometheus-alertmanager not found: apt-get install -y prometheus-alertmanager (.ci/run does)")
	}
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(cfgPath, fmt.Appendf(nil, alertmanagerConfig, webhookURL, token), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := FreeAddr(t)
	base := "http://" + addr
	out := &SyncBuffer{}
	cmd := exec.Command(bin, "--config.file="+cfgPath, "--storage.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+addr, "--cluster.listen-address=", "--web.external-url="+base)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("alertmanager output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-exited:
			t.Fatalf("alertmanager exited early:\n%s", out.String())
		default:
		}
		resp, err := http.Get(base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("alertmanager not ready within 15s (last error %v):\n%s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// PostAlert posts one alert to Alertmanager's v2 API, as Prometheus does. A zero endsAt
// leaves the alert firing; a past one resolves it.
func PostAlert(t testing.TB, base string, labels, annotations map[string]string, startsAt, endsAt time.Time) {
	t.Helper()
	alert := map[string]any{
		"labels":       labels,
		"annotations":  annotations,
		"startsAt":     startsAt.Format(time.RFC3339Nano),
		"generatorURL": "http://prometheus.example/graph",
	}
	if !endsAt.IsZero() {
		alert["endsAt"] = endsAt.Format(time.RFC3339Nano)
	}
	body, err := json.Marshal([]any{alert})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(base+"/api/v2/alerts", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST /api/v2/alerts: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /api/v2/alerts: %d", resp.StatusCode)
	}
}

// FreeAddr returns a loopback address with a port that was free a moment ago.
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// SyncBuffer collects output written from several goroutines (a child process, servers).
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
