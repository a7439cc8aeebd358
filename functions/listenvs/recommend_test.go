package listenvs

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/rightsize"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestListWithoutPrometheus: with right-sizing configured but Prometheus refusing
// connections, or accepting them and never answering, the list still answers 200 with
// every environment and no recommendation, within the configured timeout (plus the list's
// own time), never an error. Advice from a real Prometheus is proven in hack/prometheus.
func TestListWithoutPrometheus(t *testing.T) {
	// A port that refuses: listen, note the address, close.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := l.Addr().String()
	l.Close()
	// A port that accepts and never answers.
	hung, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hung.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := hung.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()

	const timeout = 300 * time.Millisecond
	for name, addr := range map[string]string{"refused": refusing, "hung": hung.Addr().String()} {
		t.Run(name, func(t *testing.T) {
			fx := fixture.New(t, func(c *config.Config) {
				c.RightSizing = config.RightSizing{PrometheusURL: "http://" + addr, Timeout: config.Duration(timeout)}
			})
			create := fx.Serve(t, createenv.New(), nil)
			lister := fx.Serve(t, New(), nil)
			spec := map[string]any{"team": "alpha", "name": "sized", "sshPublicKeys": []string{fixture.SSHKey}}
			if status, body := fixture.Do(t, http.MethodPost, create.URL, "alice", spec); status != http.StatusCreated {
				t.Fatalf("create: %d %s", status, body)
			}
			start := time.Now()
			status, body := fixture.Do(t, http.MethodGet, lister.URL+"?team=alpha", "alice", nil)
			took := time.Since(start)
			if status != http.StatusOK {
				t.Fatalf("list: %d %s", status, body)
			}
			if strings.Contains(string(body), `"recommendation"`) {
				t.Errorf("list carries a recommendation without Prometheus: %s", body)
			}
			if !strings.Contains(string(body), `"name":"sized"`) {
				t.Errorf("list lacks the environment: %s", body)
			}
			if took > timeout+5*time.Second { // a hang is tens of seconds; a loaded machine adds a few
				t.Errorf("list took %s with Prometheus %s, want about the %s timeout at most", took, name, timeout)
			}
			t.Logf("list with Prometheus %s: %s", name, took)
		})
	}
}

// TestRecommendAttaches: the join of usage to environments by the team's namespace and the
// environment's name, with the team's limits, and nothing at all when Prometheus did not answer.
func TestRecommendAttaches(t *testing.T) {
	cfg := config.Default()
	cfg.RightSizing.MinHistory = config.Duration(time.Hour)
	envs := []env.Environment{
		{Team: "alpha", Name: "idle", Requested: env.Resources{CPUMilli: 4000, MemoryBytes: 8 << 30}},
		{Team: "alpha", Name: "new", Requested: env.Resources{CPUMilli: 1000, MemoryBytes: 1 << 30}},
		{Team: "beta", Name: "idle", Requested: env.Resources{CPUMilli: 4000, MemoryBytes: 8 << 30}},
	}
	recommend(envs, nil, cfg)
	for _, e := range envs {
		if e.Recommendation != nil {
			t.Fatalf("%s/%s: advice without an answer from Prometheus", e.Team, e.Name)
		}
	}
	usage := map[rightsize.Key]*rightsize.Usage{
		{Namespace: "devenvs-alpha", Env: "idle"}: {CPUP95: 0.01, CPUPeak: 0.02, MemoryP95: 1 << 27, MemoryPeak: 1 << 27, History: 6 * time.Hour},
		// beta's namespace differs: this usage is alpha's "idle", not beta's.
	}
	recommend(envs, usage, cfg)
	if r := envs[0].Recommendation; r == nil || r.State != "resize" || r.CPU.Quantity != "100m" || r.Memory.Quantity != "256Mi" {
		t.Errorf("alpha/idle: %+v", r)
	}
	for _, e := range envs[1:] {
		if r := e.Recommendation; r == nil || r.State != "historyTooShort" || r.HistorySeconds != 0 {
			t.Errorf("%s/%s: %+v, want historyTooShort with no history", e.Team, e.Name, r)
		}
	}
}
