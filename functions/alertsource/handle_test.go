package alertsource

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/prometheus/alertmanager/template"

	"github.com/devenvs/devenvs/shared/eventfn"
	"github.com/devenvs/devenvs/shared/httpx"
)

func TestHandleAuth(t *testing.T) {
	rcv := startReceiver(t)
	_, srv, _ := startFunction(t, rcv.URL)
	body := mustJSON(testMessage(testAlert("fp", "demo")))
	tests := []struct {
		name   string
		header string
	}{
		{"no Authorization header", ""},
		{"wrong token", "Bearer not-the-token"},
		{"token as Basic", "Basic " + testToken},
		{"empty bearer", "Bearer "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodPost, srv.URL, bytes.NewReader(body))
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, text := do(t, req)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status = %d (%s), want 401", resp.StatusCode, text)
			}
			if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", got)
			}
			if got := rcv.drain(); len(got) != 0 {
				t.Errorf("unauthenticated request produced %d events", len(got))
			}
		})
	}
}

func TestHandleMethod(t *testing.T) {
	_, srv, _ := startFunction(t, startReceiver(t).URL)
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		req, _ := http.NewRequest(method, srv.URL, nil)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, text := do(t, req)
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != http.MethodPost {
			t.Errorf("%s: status %d, Allow %q (%s); want 405, Allow POST", method, resp.StatusCode, resp.Header.Get("Allow"), text)
		}
	}
}

func TestHandleTooLarge(t *testing.T) {
	rcv := startReceiver(t)
	_, srv, _ := startFunction(t, rcv.URL)
	m := testMessage(testAlert("fp", "demo"))
	m.Alerts[0].Annotations["description"] = strings.Repeat("x", 1<<20)
	body := mustJSON(m)
	for _, chunked := range []bool{false, true} {
		var r io.Reader = bytes.NewReader(body)
		if chunked {
			// No Content-Length: the limit must also hold while the body is read.
			r = io.MultiReader(r)
		}
		req, _ := http.NewRequest(http.MethodPost, srv.URL, r)
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, text := do(t, req)
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("chunked=%v: status %d (%s), want 413", chunked, resp.StatusCode, text)
		}
	}
	if got := rcv.drain(); len(got) != 0 {
		t.Errorf("oversized request produced %d events", len(got))
	}
}

func TestHandleBadPayload(t *testing.T) {
	rcv := startReceiver(t)
	_, srv, _ := startFunction(t, rcv.URL)
	m := testMessage(testAlert("fp0", "a"), testAlert("fp1", "b"), testAlert("", "c"))
	resp, text := post(t, srv.URL, testToken, mustJSON(m))
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d (%s), want 400", resp.StatusCode, text)
	}
	var body httpx.ErrorBody
	if err := json.Unmarshal([]byte(text), &body); err != nil {
		t.Fatalf("error body %q: %v", text, err)
	}
	var paths []string
	for _, f := range body.Fields {
		paths = append(paths, f.Path)
	}
	if diff := cmp.Diff([]string{"alerts[2].fingerprint"}, paths); diff != "" {
		t.Errorf("fields (-want +got):\n%s\nbody: %s", diff, text)
	}
	// A bad group is refused whole: the valid alerts in it are not sent either, so a fixed
	// re-send is not half duplicates.
	if got := rcv.drain(); len(got) != 0 {
		t.Errorf("invalid payload produced %d events", len(got))
	}
}

// TestHandleDelivers sends a group to a real CloudEvents receiver and checks every event.
func TestHandleDelivers(t *testing.T) {
	rcv := startReceiver(t)
	_, srv, _ := startFunction(t, rcv.URL)
	m := testMessage(testAlert("fp-a", "one"), testAlert("fp-b", "two"), testAlert("fp-c", "three"))
	m.Alerts[1].Status = StatusResolved
	m.Alerts[1].EndsAt = m.Alerts[1].StartsAt.Add(30 * time.Minute)
	delete(m.Alerts[2].Labels, "severity")

	for round := range 2 { // Alertmanager re-sends groups; the second round must repeat the ids.
		resp, text := post(t, srv.URL, testToken, mustJSON(m))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("round %d: status %d (%s), want 200", round, resp.StatusCode, text)
		}
		var got Response
		if err := json.Unmarshal([]byte(text), &got); err != nil || got.Sent != 3 {
			t.Fatalf("round %d: body %q, want {\"sent\":3}", round, text)
		}
		var views []eventView
		for _, e := range rcv.drain() {
			v := viewOf(e)
			v.Time = v.Time.UTC()
			views = append(views, v)
		}
		sort.Slice(views, func(i, j int) bool {
			return views[i].Extensions[ExtEnv].(string) < views[j].Extensions[ExtEnv].(string)
		})
		source := "http://alertmanager.example:9093/#/receivers/devenvs"
		ext := func(env, severity string) map[string]any {
			// devenvstoken: every event carries the shared secret the alert handler checks.
			x := map[string]any{"team": "alpha", "env": env, "alertname": "EnvIdleCPU", "namespace": "devenvs-alpha", eventfn.TokenExtension: testEventSecret}
			if severity != "" {
				x["severity"] = severity
			}
			return x
		}
		a := m.Alerts
		want := []eventView{
			{EventID("fp-a", StatusFiring, a[0].StartsAt), TypeFiring, source, "EnvIdleCPU", "application/json", a[0].StartsAt, ext("one", "info")},
			{EventID("fp-c", StatusFiring, a[2].StartsAt), TypeFiring, source, "EnvIdleCPU", "application/json", a[2].StartsAt, ext("three", "")},
			{EventID("fp-b", StatusResolved, a[1].StartsAt), TypeResolved, source, "EnvIdleCPU", "application/json", a[1].EndsAt, ext("two", "info")},
		}
		if diff := cmp.Diff(want, views); diff != "" {
			t.Errorf("round %d: received events (-want +got):\n%s", round, diff)
		}
	}
}

func TestHandleSinkFailures(t *testing.T) {
	twoAlerts := mustJSON(testMessage(testAlert("fp-1", "one"), testAlert("fp-2", "two")))
	statusURL := func(status func(id string) int) func(t *testing.T) (string, func() []string) {
		return func(t *testing.T) (string, func() []string) {
			srv, ids := statusSink(t, status)
			return srv.URL, ids
		}
	}
	tests := []struct {
		name string
		// sink returns the sink URL and, for a sink that answers, the ids it received.
		sink     func(t *testing.T) (url string, received func() []string)
		failures int
		wantLog  string
		// wantStatus: 502 for failures a retry may fix; 200 when the sink refused for good.
		wantStatus int
	}{{
		name:       "sink answers 500",
		sink:       statusURL(func(string) int { return http.StatusInternalServerError }),
		failures:   2,
		wantLog:    `"sink_status":500`,
		wantStatus: http.StatusBadGateway,
	}, {
		// Issue 14 item 17: a retry cannot change a 4xx, so the webhook does not fail for it.
		name:       "sink refuses with 400",
		sink:       statusURL(func(string) int { return http.StatusBadRequest }),
		failures:   2,
		wantLog:    `"permanent":true`,
		wantStatus: http.StatusOK,
	}, {
		name:       "sink refuses with 403 (a wrong event secret)",
		sink:       statusURL(func(string) int { return http.StatusForbidden }),
		failures:   2,
		wantLog:    `"sink_status":403`,
		wantStatus: http.StatusOK,
	}, {
		name:       "sink answers 429",
		sink:       statusURL(func(string) int { return http.StatusTooManyRequests }),
		failures:   2,
		wantLog:    `"permanent":false`,
		wantStatus: http.StatusBadGateway,
	}, {
		name:       "second of two events fails",
		sink:       statusURL(refusing(EventID("fp-2", StatusFiring, testAlert("fp-2", "two").StartsAt))),
		failures:   1,
		wantLog:    `"sink_status":503`,
		wantStatus: http.StatusBadGateway,
	}, {
		name:       "sink port closed",
		sink:       func(t *testing.T) (string, func() []string) { return closedURL(t), nil },
		failures:   2,
		wantLog:    `"sink_status":0`,
		wantStatus: http.StatusBadGateway,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, received := tt.sink(t)
			_, srv, logs := startFunction(t, url)
			resp, text := post(t, srv.URL, testToken, twoAlerts)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, text, tt.wantStatus)
			}
			// Both events were attempted: one failure does not hold back the rest.
			if received != nil {
				if got := len(received()); got != 2 {
					t.Errorf("sink saw %d requests, want 2", got)
				}
			}
			log := logs.String()
			if got := strings.Count(log, "event not delivered"); got != tt.failures {
				t.Errorf("logged %d undelivered events, want %d:\n%s", got, tt.failures, log)
			}
			if !strings.Contains(log, tt.wantLog) {
				t.Errorf("log lacks %s:\n%s", tt.wantLog, log)
			}
			if strings.Contains(text, url) {
				t.Errorf("502 body leaks the sink URL: %s", text)
			}
		})
	}
}

// TestHandleManyAlerts sends a group larger than SendConcurrency, so its events go out
// concurrently: every event reaches the sink exactly once, and the webhook answers 200 only
// when all were accepted, 502 (logging each refused event) otherwise.
func TestHandleManyAlerts(t *testing.T) {
	var alerts []template.Alert
	for i := range 3*SendConcurrency + 1 {
		alerts = append(alerts, testAlert(fmt.Sprintf("fp-%02d", i), fmt.Sprintf("env-%02d", i)))
	}
	m := testMessage(alerts...)
	events, err := Events(&m)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range events {
		ids = append(ids, e.ID())
	}
	for _, tc := range []struct {
		name       string
		refused    []string
		wantStatus int
	}{
		{"all accepted", nil, http.StatusOK},
		{"two refused", []string{ids[3], ids[len(ids)-1]}, http.StatusBadGateway},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sink, received := statusSink(t, refusing(tc.refused...))
			_, srv, logs := startFunction(t, sink.URL)
			resp, text := post(t, srv.URL, testToken, mustJSON(m))
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d (%s), want %d", resp.StatusCode, text, tc.wantStatus)
			}
			if diff := cmp.Diff(ids, received(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
				t.Errorf("sink received (-want +got):\n%s", diff)
			}
			if tc.wantStatus == http.StatusOK {
				if want := fmt.Sprintf(`{"sent":%d}`, len(ids)); strings.TrimSpace(text) != want {
					t.Errorf("body %s, want %s", text, want)
				}
				return
			}
			log := logs.String()
			if got := strings.Count(log, "event not delivered"); got != len(tc.refused) {
				t.Errorf("logged %d undelivered events, want %d", got, len(tc.refused))
			}
			for _, id := range tc.refused {
				if !strings.Contains(log, `"event_id":"`+id+`"`) {
					t.Errorf("log does not name refused event %s:\n%s", id, log)
				}
			}
			if want := fmt.Sprintf("%d of %d events not delivered", len(tc.refused), len(ids)); !strings.Contains(log, want) {
				t.Errorf("log lacks %q:\n%s", want, log)
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	f := newFunction(discardLogger())
	srv := httptest.NewServer(http.HandlerFunc(f.Handle))
	defer srv.Close()
	ready := func() bool {
		ok, err := f.Ready(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	body := mustJSON(testMessage(testAlert("fp", "demo")))

	if ready() {
		t.Error("Ready before Start")
	}
	// func-go serves while Start still runs; such requests must get a retryable answer.
	if resp, text := post(t, srv.URL, testToken, body); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("before Start: status %d (%s), want 503", resp.StatusCode, text)
	}
	if err := f.Start(ctx, map[string]string{SinkVar: startReceiver(t).URL, TokenVar: "  " + testToken + "\n", eventfn.TokenVar: testEventSecret}); err != nil {
		t.Fatal(err)
	}
	if !ready() {
		t.Error("not Ready after Start")
	}
	// The configured token had surrounding whitespace (a Secret file's newline); it still matches.
	if resp, text := post(t, srv.URL, testToken, body); resp.StatusCode != http.StatusOK {
		t.Errorf("after Start: status %d (%s), want 200", resp.StatusCode, text)
	}
	if err := f.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if ready() {
		t.Error("Ready after Stop")
	}
	if alive, err := f.Alive(ctx); !alive || err != nil {
		t.Errorf("Alive() = %v, %v", alive, err)
	}
}

func TestStartConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     map[string]string
		wantKey string
	}{
		{"nothing set", map[string]string{}, SinkVar},
		{"no sink", map[string]string{TokenVar: "t", eventfn.TokenVar: "s"}, SinkVar},
		{"blank sink", map[string]string{SinkVar: "  ", TokenVar: "t", eventfn.TokenVar: "s"}, SinkVar},
		{"relative sink", map[string]string{SinkVar: "broker-ingress/devenvs", TokenVar: "t", eventfn.TokenVar: "s"}, SinkVar},
		{"no token", map[string]string{SinkVar: "http://broker", eventfn.TokenVar: "s"}, TokenVar},
		{"blank token", map[string]string{SinkVar: "http://broker", TokenVar: " \n", eventfn.TokenVar: "s"}, TokenVar},
		{"no event secret", map[string]string{SinkVar: "http://broker", TokenVar: "t"}, eventfn.TokenVar},
		{"blank event secret", map[string]string{SinkVar: "http://broker", TokenVar: "t", eventfn.TokenVar: "\n"}, eventfn.TokenVar},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFunction(discardLogger())
			err := f.Start(context.Background(), tt.cfg)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.wantKey) {
				t.Errorf("Start() = %v, want ErrConfig naming %s", err, tt.wantKey)
			}
			if ok, _ := f.Ready(context.Background()); ok {
				t.Error("Ready after a failed Start")
			}
		})
	}
}

// TestHandleSkipsAndRefusals is issue 14 item 17 with what a real Alertmanager sends: one
// group holding a Watchdog (no team, no env), an alert the sink refuses for good and one it
// accepts. The webhook answers 200, so Alertmanager does not re-send the group for ever;
// the Watchdog never reaches the sink; each outcome is counted.
func TestHandleSkipsAndRefusals(t *testing.T) {
	watchdog := testAlert("fp-w", "")
	watchdog.Labels = template.KV{"alertname": "Watchdog", "severity": "none"}
	noEnv := testAlert("fp-t", "")
	delete(noEnv.Labels, "env")
	refused := testAlert("fp-r", "gone")
	accepted := testAlert("fp-a", "demo")
	refusedID := EventID("fp-r", StatusFiring, refused.StartsAt)
	sink, received := statusSink(t, func(id string) int {
		if id == refusedID {
			return http.StatusBadRequest
		}
		return http.StatusAccepted
	})
	_, srv, _ := startFunction(t, sink.URL)
	resp, text := post(t, srv.URL, testToken, mustJSON(testMessage(watchdog, noEnv, refused, accepted)))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d (%s), want 200", resp.StatusCode, text)
	}
	var got Response
	if err := json.Unmarshal([]byte(text), &got); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Response{Sent: 1, Skipped: 2, Refused: 1}, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	want := []string{EventID("fp-a", StatusFiring, accepted.StartsAt), refusedID}
	if diff := cmp.Diff(want, received(), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
		t.Errorf("sink received (-want +got):\n%s", diff)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	_, metrics := do(t, req)
	for _, line := range []string{
		SkippedMetric + " 2",
		EventsMetric + `{result="refused",type="dev.devenvs.alert.firing"} 1`,
		EventsMetric + `{result="sent",type="dev.devenvs.alert.firing"} 1`,
	} {
		if !strings.Contains(metrics, line) {
			t.Errorf("/metrics lacks %q:\n%s", line, metrics)
		}
	}
}

func TestMetrics(t *testing.T) {
	_, srv, _ := startFunction(t, startReceiver(t).URL)
	if resp, text := post(t, srv.URL, testToken, mustJSON(testMessage(testAlert("fp", "demo")))); resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d (%s)", resp.StatusCode, text)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/metrics", nil)
	resp, text := do(t, req)
	want := EventsMetric + `{result="sent",type="dev.devenvs.alert.firing"} 1`
	if resp.StatusCode != http.StatusOK || !strings.Contains(text, want) {
		t.Errorf("GET /metrics: status %d, want a line %q in:\n%s", resp.StatusCode, want, text)
	}
}
