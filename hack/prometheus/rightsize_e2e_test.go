package prometheus

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/devenvs/devenvs/functions/listenvs"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/rightsize"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// Simulated usage of the right-sizing test's environments, both of the default size
// (1 CPU, 2Gi): busy uses nearly all of it, idle next to nothing.
const (
	busyMemory = "1800Mi"
	idleMemory = "100Mi"
	// rate(...[5m]) over a young series reads low by age/5m (startStack), so the busy
	// environment's CPU reaches the figures that call for more than its 1 CPU only after
	// about 4.5 minutes of samples.
	adviceTimeout = 7 * time.Minute
)

// TestRightSizingAdviceFromClusterData proves the right-sizing path on real parts: the
// shipped recording rules in a real Prometheus over kube-state-metrics and KWOK's simulated
// usage, read by listenvs (configured with that Prometheus) against the local cluster. First
// both environments' history is too short; then the busy one is advised to grow its CPU and
// memory and the idle one to shrink both, never below the peaks Prometheus saw, with the
// evidence. It also logs listenvs' latency with and without the Prometheus query.
func TestRightSizingAdviceFromClusterData(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-state-metrics and Prometheus against the local cluster and waits minutes")
	}
	lookPrometheus(t)
	kubeStateMetricsBinary(t)
	fx := fixture.New(t, nil)
	ctx, cancel := context.WithTimeout(context.Background(), adviceTimeout+3*time.Minute)
	defer cancel()
	team, _ := fx.Config.Team("alpha")
	ns := team.Namespace
	const busy, idle = "busy", "idle"
	createEnv(ctx, t, fx.Kube, fx.Config, team, busy, map[string]string{usageCPU: busyCPU, usageMemory: busyMemory})
	createEnv(ctx, t, fx.Kube, fx.Config, team, idle, map[string]string{usageCPU: idleCPU, usageMemory: idleMemory})
	waitRunning(ctx, t, fx.Clientset, ns, busy, idle)

	plain := fx.Serve(t, listenvs.New(), nil) // right-sizing off: the baseline list
	prom := startStack(ctx, t, fx.Clientset, ns, []string{busy, idle}, stackOptions{})
	loaded := time.Now()

	// listenvs with right-sizing on, pointed at this Prometheus; a minute of history is
	// enough here (the default is an hour), and 5 s for a query (the default is 500 ms) so
	// a loaded machine's slow answer is not taken for no answer.
	cfg := *fx.Config
	cfg.RightSizing = config.RightSizing{PrometheusURL: prom, MinHistory: config.Duration(time.Minute), Timeout: config.Duration(5 * time.Second)}
	raw, err := yaml.Marshal(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := t.TempDir() + "/config.yaml"
	if err := os.WriteFile(cfgPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	sized := fx.Serve(t, listenvs.New(), map[string]string{"DEVENVS_CONFIG": cfgPath})

	list := func(base string) (map[string]env.Environment, time.Duration) {
		start := time.Now()
		status, body := fixture.Do(t, http.MethodGet, base+"?team=alpha", "alice", nil)
		took := time.Since(start)
		if status != http.StatusOK {
			t.Fatalf("list: %d %s", status, body)
		}
		var r listenvs.Response
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		out := map[string]env.Environment{}
		for _, e := range r.Environments {
			out[e.Name] = e
		}
		return out, took
	}

	// Within a minute of the rules' first evaluation, neither has enough history.
	first, _ := list(sized.URL)
	for _, name := range []string{busy, idle} {
		r := first[name].Recommendation
		if r == nil || r.State != rightsize.StateHistoryTooShort || r.CPU != nil || !strings.HasPrefix(r.Message, "history too short") {
			t.Fatalf("%s %.0fs after the rules were loaded: recommendation %+v, want historyTooShort", name, time.Since(loaded).Seconds(), r)
		}
	}
	if time.Since(loaded) > time.Minute {
		t.Fatalf("the first list came %s after the rules were loaded; the history check needs it within a minute", time.Since(loaded))
	}

	var envs map[string]env.Environment
	for {
		envs, _ = list(sized.URL)
		b, i := envs[busy].Recommendation, envs[idle].Recommendation
		if b != nil && i != nil && b.CPU != nil && i.CPU != nil && b.CPU.Action == rightsize.ActionGrow && i.CPU.Action == rightsize.ActionShrink {
			break
		}
		if time.Since(loaded) > adviceTimeout {
			t.Fatalf("no distinct advice within %s: busy %+v, idle %+v; recorded: %s", adviceTimeout, b, i,
				queryText(t, prom, `{__name__=~"devenvs:env_.*_6h", namespace="`+ns+`"}`))
		}
		time.Sleep(5 * time.Second)
	}
	t.Logf("distinct advice %.0fs after the rules were loaded", time.Since(loaded).Seconds())
	b, i := envs[busy].Recommendation, envs[idle].Recommendation
	t.Logf("busy: %s", b.Message)
	t.Logf("idle: %s", i.Message)

	// The busy one: more CPU than its 1 core (it runs at 0.9 of it, p95 and peak) and more
	// memory than its 2Gi (1800Mi plus headroom).
	if b.State != rightsize.StateResize || b.CPU.Recommended <= 1000 || b.Memory.Action != rightsize.ActionGrow || b.Memory.Recommended <= 2<<30 {
		t.Errorf("busy advice %+v cpu %+v memory %+v, want CPU and memory to grow", b, b.CPU, b.Memory)
	}
	// The idle one: the smallest sizes a resize accepts (5m and 100Mi used).
	if i.State != rightsize.StateResize || i.CPU.Quantity != "100m" || i.Memory.Action != rightsize.ActionShrink || i.Memory.Quantity != "256Mi" {
		t.Errorf("idle advice cpu %+v memory %+v, want 100m and 256Mi", i.CPU, i.Memory)
	}
	for name, r := range map[string]*rightsize.Recommendation{busy: b, idle: i} {
		for _, a := range []*rightsize.Advice{r.CPU, r.Memory} {
			if a.Recommended < a.Peak || a.Peak < a.P95 || a.P95 <= 0 {
				t.Errorf("%s: advice %+v: below the peak, or figures out of order", name, a)
			}
		}
		if !strings.Contains(r.CPU.Evidence, "of 1 core over") || !strings.Contains(r.Memory.Evidence, "of 2Gi over") {
			t.Errorf("%s: evidence %q / %q lacks the requested size", name, r.CPU.Evidence, r.Memory.Evidence)
		}
	}
	// The memory figures are exact (a gauge): the peak is what KWOK reported.
	if got := b.Memory.Peak; got != 1800<<20 {
		t.Errorf("busy memory peak %d, want %d (1800Mi)", got, 1800<<20)
	}

	// List latency, with and without the Prometheus query, interleaved (docs/PERFORMANCE.md),
	// and the query alone.
	const rounds = 50
	var with, without, alone []time.Duration
	src, err := rightsize.NewSource(prom, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for range rounds {
		_, d := list(plain.URL)
		without = append(without, d)
		_, d = list(sized.URL)
		with = append(with, d)
		start := time.Now()
		if u, err := src.Usage(ctx, []string{ns}); err != nil || len(u) != 2 {
			t.Fatalf("usage query: %v (%d environments)", err, len(u))
		}
		alone = append(alone, time.Since(start))
	}
	t.Logf("listenvs, 2 environments, %d interleaved rounds, median / p90: without right-sizing %s / %s; with the Prometheus query %s / %s; the query alone %s / %s",
		rounds, pct(without, 50), pct(without, 90), pct(with, 50), pct(with, 90), pct(alone, 50), pct(alone, 90))
}

func pct(ds []time.Duration, p int) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("%.1f ms", float64(s[(len(s)-1)*p/100].Microseconds())/1000)
}
