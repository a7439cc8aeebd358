package createenv

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/devenvs/devenvs/shared/app"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// TestRedisDownDoesNotFailCreates stops the event log's Redis between two creates: both
// succeed, the first is in the log, and the failure counter on /metrics counts the second.
func TestRedisDownDoesNotFailCreates(t *testing.T) {
	fx := fixture.New(t, nil)
	url, stopRedis := testbed.PrivateRedis(t)
	// createenv is public: its /metrics answers only a scraper holding the metrics token.
	srv := fx.Serve(t, New(), map[string]string{"DEVENVS_REDIS_URL": url, app.MetricsTokenVar: metricsToken})

	if status, body := fixture.Do(t, http.MethodPost, srv.URL, "alice", spec("alpha", "before")); status != http.StatusCreated {
		t.Fatalf("create with Redis up: %d %s", status, body)
	}
	if got := failures(t, srv.URL); got != 0 {
		t.Fatalf("failures with Redis up = %v", got)
	}
	log, err := eventlog.NewRedis(url, eventlog.WithStream(fx.Settings[app.EventStreamVar]))
	if err != nil {
		t.Fatal(err)
	}
	events, err := log.Latest(t.Context(), "alpha", 10)
	_ = log.Close()
	if err != nil || len(events) != 1 || events[0].Env != "before" || events[0].Outcome != eventlog.OutcomeSuccess {
		t.Fatalf("log with Redis up = %+v, %v", events, err)
	}

	stopRedis()
	if status, body := fixture.Do(t, http.MethodPost, srv.URL, "alice", spec("alpha", "after")); status != http.StatusCreated {
		t.Fatalf("create with Redis down: %d %s", status, body)
	}
	if got := failures(t, srv.URL); got != 1 {
		t.Errorf("failures with Redis down = %v, want 1", got)
	}
}

const metricsToken = "test-metrics-token"

var failuresLine = regexp.MustCompile(`(?m)^` + eventlog.FailuresMetric + ` (\S+)$`)

func failures(t *testing.T, base string) float64 {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+metricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := failuresLine.FindSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in /metrics:\n%s", eventlog.FailuresMetric, body)
	}
	v, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
