package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestBrowserInsight drives the right-sizing advice and the stop warning in the real UI:
// listenvs reads its advice from a real Prometheus evaluating the shipped rules. Six hours
// of usage cannot be waited for, so the recorded per-environment usage series the
// right-sizing rules read (devenvs:env_cpu_used_cores, devenvs:env_memory_used_bytes) are
// backfilled with promtool (Prometheus' own tool for history) before Prometheus starts;
// everything from there on (p95, peak, history, advice, the UI) is the real path.
// hack/prometheus proves the same advice from live KWOK usage.
func TestBrowserInsight(t *testing.T) {
	chromium := findChromium(t)
	promBin, promtool := lookTool(t, "prometheus"), lookTool(t, "promtool")
	promAddr := testbed.FreeAddr(t)
	var ns string
	fx := fixture.New(t, func(c *config.Config) {
		ns = c.Teams[0].Namespace // alpha's, unique to this test
		c.RightSizing = config.RightSizing{PrometheusURL: "http://" + promAddr, Timeout: config.Duration(2 * time.Second)}
	})
	st := startStack(t, fx)

	// oversized asks for 4 CPU and 8Gi and has used next to nothing for 6 h; busy uses
	// nearly all of its 1 CPU and 2Gi; fresh has run for 20 minutes only; warned has been
	// warned of an idle stop (the alert handler's annotation).
	apiCreate(t, st, "alice", map[string]any{"team": "alpha", "name": "oversized", "cpu": "4", "memory": "8Gi"})
	apiCreate(t, st, "alice", map[string]any{"team": "alpha", "name": "busy"})
	apiCreate(t, st, "alice", map[string]any{"team": "alpha", "name": "fresh"})
	apiCreate(t, st, "alice", map[string]any{"team": "alpha", "name": "warned"})
	apiCreate(t, st, "alice", map[string]any{"team": "alpha", "name": "expiring"})
	// Stopped, so the one-click resize applies (KWOK's simulated nodes refuse in-place resize
	// of a running pod; the real node's tests cover that).
	if status, body := fixture.Do(t, http.MethodPatch, st.fn["updateenv"]+"/alpha/oversized", "alice", map[string]any{"action": "stop"}); status != http.StatusOK {
		t.Fatalf("stop oversized: %d %s", status, body)
	}
	patch := fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, env.IdleWarnedAnnotation, time.Now().UTC().Format(time.RFC3339))
	if _, err := fx.Clientset.AppsV1().Deployments(ns).Patch(context.Background(), "warned", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	// expiring has been warned of its expiry (the reaper's annotation).
	patch = fmt.Sprintf(`{"metadata":{"annotations":{%q:%q}}}`, env.ExpiryWarnedAnnotation, time.Now().UTC().Format(time.RFC3339))
	if _, err := fx.Clientset.AppsV1().Deployments(ns).Patch(context.Background(), "expiring", types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}

	now := time.Now()
	startPrometheus(t, promBin, promtool, promAddr, backfill(ns, now, []usageSeries{
		{env: "oversized", cpu: 0.02, memory: 100 << 20, since: 6 * time.Hour},
		{env: "busy", cpu: 0.95, memory: 1900 << 20, since: 6 * time.Hour},
		{env: "fresh", cpu: 0.3, memory: 500 << 20, since: 20 * time.Minute},
	}))

	browser := launchBrowser(t, chromium)
	tb := openTab(t, browser, st)
	tb.signIn("alice")
	over, busy, fresh, warned, expiring := rowSel("alpha/oversized"), rowSel("alpha/busy"), rowSel("alpha/fresh"), rowSel("alpha/warned"), rowSel("alpha/expiring")
	text := func(sel string) string {
		return eval[string](tb, fmt.Sprintf(`document.querySelector(%s)?.textContent ?? ''`, jsString(sel)))
	}
	visible := func(sel string) bool {
		return eval[bool](tb, fmt.Sprintf(`(() => { const e = document.querySelector(%s); return !!e && !e.closest('[hidden]'); })()`, jsString(sel)))
	}
	tb.waitFor("the advice shows", waitTimeout, func() bool { return visible(over + ` [data-advice="cpu"]`) })

	// Beside the bars: the size and its evidence.
	if got := text(over + ` [data-advice="cpu"]`); !strings.Contains(got, "↓ 0.1 CPU advised") || !strings.Contains(got, "p95 CPU 0.02 of 4 cores over 6h, peak 0.02") {
		t.Errorf("oversized CPU advice %q", got)
	}
	if got := text(over + ` [data-advice="memory"]`); !strings.Contains(got, "↓ 256 MiB advised") || !strings.Contains(got, "p95 memory 100Mi of 8Gi over 6h, peak 100Mi") {
		t.Errorf("oversized memory advice %q", got)
	}
	if got := text(busy + ` [data-advice="cpu"]`); !strings.Contains(got, "↑ 1.3 CPU advised") || !strings.Contains(got, "p95 CPU 0.95 of 1 core") {
		t.Errorf("busy CPU advice %q", got)
	}
	if got := text(busy + ` [data-advice="memory"]`); !strings.Contains(got, "↑") || !strings.Contains(got, "peak 1.9Gi") {
		t.Errorf("busy memory advice %q", got)
	}
	if got := text(fresh + ` [data-advice="note"]`); !strings.Contains(got, "history too short, 20m of usage, advice after 1h") {
		t.Errorf("fresh note %q", got)
	}
	if visible(fresh+` [data-advice="cpu"]`) || visible(fresh+` [data-action="apply-advice"]`) {
		t.Errorf("fresh shows advice although its history is too short")
	}
	// The team view: what taking the shrink advice would give back (busy's growth is not
	// counted against it): 4 - 0.1 CPU and 8Gi - 256Mi.
	if got := text(`[data-team="alpha"] .caption-reclaim`); got != "3.9 CPU and 7.8 GiB could be given back" {
		t.Errorf("team caption %q", got)
	}
	// The stop warning with its ways out.
	if got := text(warned + " .stop-warning"); !strings.Contains(got, "Idle: will be stopped") || !strings.Contains(got, "To keep it: use it") {
		t.Errorf("warning %q", got)
	}
	if !visible(warned + ` [data-action="idle-stop-off"]`) {
		t.Errorf("the warning offers no way to turn the idle stop off, which alpha allows")
	}
	if got := text(expiring + " .stop-warning"); !strings.Contains(got, "Expires") || !strings.Contains(got, "To keep it: extend it") {
		t.Errorf("expiry warning %q", got)
	}
	if !visible(expiring+` .stop-warning [data-action="warning-extend"]`) || visible(expiring+` [data-action="idle-stop-off"]`) {
		t.Errorf("the expiry warning does not offer Extend alone")
	}
	// Readable and operable in both colour schemes.
	tb.axe("advice and warnings, light")
	tb.darkMode(true)
	tb.axe("advice and warnings, dark")
	tb.darkMode(false)
	tb.screenshot("rightsizing.png", false)
	tb.run("scroll to the warned environment", chromedp.ScrollIntoView(chromedp.CSS(warned+" .stop-warning")))
	tb.screenshot("stop-warning.png", false)

	// One click resizes to the advice; the advice then says the size fits.
	tb.run("click the advised resize", chromedp.Click(chromedp.CSS(over+` [data-action="apply-advice"]`)))
	tb.waitJS("oversized now requests 0.1 CPU", `document.querySelector(`+jsString(over+" .cell-usage .usage-req")+`).textContent.includes('0.1')`, waitTimeout)
	tb.waitFor("the advice says the size fits", waitTimeout, func() bool {
		return strings.Contains(text(over+` [data-advice="cpu"]`), "Size fits") && !visible(over+` [data-action="apply-advice"]`)
	})
	if got := text(`[data-team="alpha"] .caption-reclaim`); got != "" {
		t.Errorf("after the resize the team caption still says %q", got)
	}
	// A way out of the warning: turn the idle stop off; the warning goes.
	tb.run("turn the idle stop off", chromedp.Click(chromedp.CSS(warned+` [data-action="idle-stop-off"]`)))
	tb.waitFor("the warning goes", waitTimeout, func() bool { return !visible(warned + " .stop-warning") })
	// The other way out: extend; an extend drops the expiry warning.
	tb.run("extend from the warning", chromedp.Click(chromedp.CSS(expiring+` .stop-warning [data-action="warning-extend"]`)))
	tb.waitFor("the expiry warning goes", waitTimeout, func() bool { return !visible(expiring + " .stop-warning") })
}

func lookTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := name + " not found: apt-get install -y prometheus"
		if os.Getenv("CI") != "" {
			t.Fatal(msg + " (CI is set, so this is a failure, not a skip)")
		}
		t.Skip(msg)
	}
	return p
}

type usageSeries struct {
	env         string
	cpu, memory float64
	since       time.Duration
}

// backfill writes the series as OpenMetrics, one sample a minute up to a minute before now.
func backfill(ns string, now time.Time, series []usageSeries) string {
	var b strings.Builder
	b.WriteString("# TYPE devenvs:env_cpu_used_cores gauge\n")
	for _, s := range series {
		for ts := now.Add(-s.since); ts.Before(now.Add(-time.Minute)); ts = ts.Add(time.Minute) {
			fmt.Fprintf(&b, "devenvs:env_cpu_used_cores{namespace=%q,team=\"alpha\",env=%q} %g %d\n", ns, s.env, s.cpu, ts.Unix())
		}
	}
	b.WriteString("# TYPE devenvs:env_memory_used_bytes gauge\n")
	for _, s := range series {
		for ts := now.Add(-s.since); ts.Before(now.Add(-time.Minute)); ts = ts.Add(time.Minute) {
			fmt.Fprintf(&b, "devenvs:env_memory_used_bytes{namespace=%q,team=\"alpha\",env=%q} %g %d\n", ns, s.env, s.memory, ts.Unix())
		}
	}
	b.WriteString("# EOF\n")
	return b.String()
}

// startPrometheus backfills history into a fresh TSDB and runs Prometheus on it with the
// shipped rules, their groups evaluated every 2 s instead of every minute; it returns once
// the right-sizing series exist.
func startPrometheus(t *testing.T, promBin, promtool, addr, openMetrics string) {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	input := filepath.Join(dir, "history.om")
	if err := os.WriteFile(input, []byte(openMetrics), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", input, data).CombinedOutput(); err != nil {
		t.Fatalf("promtool backfill: %v\n%s", err, out)
	}
	rules, err := os.ReadFile("../../charts/devenvs/files/devenvs.rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	fast := strings.ReplaceAll(string(rules), "interval: 1m", "interval: 2s")
	if strings.Count(fast, "interval: 2s") < 5 {
		t.Fatal("the rules' group intervals moved; update this test")
	}
	rulesPath := filepath.Join(dir, "devenvs.rules.yaml")
	configPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(rulesPath, []byte(fast), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(configPath, []byte("global: {evaluation_interval: 2s}\nrule_files: ["+rulesPath+"]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promBin, "--config.file="+configPath, "--storage.tsdb.path="+data, "--web.listen-address="+addr)
	out := &testbed.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("prometheus output:\n%s", out.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/api/v1/query?query=count(devenvs:env_usage_history_seconds:6h)")
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if strings.Contains(string(body), `"value":[`) && strings.Contains(string(body), `"3"]`) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the right-sizing series did not appear within 60s (err %v)", err)
		}
		time.Sleep(500 * time.Millisecond)
	}
}
