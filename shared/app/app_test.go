package app

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed"
)

const aliceToken = "app-test-token-alice"

// newUserApp is an App of a function users call, with the in-process event log and one
// user, alice, in team alpha only. Its handler answers 204 after Identify and TeamFor(team
// from ?team=).
func newUserApp(t *testing.T, extra map[string]string) (*App, http.Handler, *testbed.SyncBuffer) {
	t.Helper()
	tokens := filepath.Join(t.TempDir(), "tokens.yaml")
	entry := "[{user: alice, teams: [alpha], sha256: " + auth.HashToken(aliceToken) + "}]"
	if err := os.WriteFile(tokens, []byte(entry), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]string{auth.TokensFileVar: tokens}
	for k, v := range extra {
		cfg[k] = v
	}
	a, err := New("apptest", cfg, Options{Auth: true})
	if err != nil {
		t.Fatal(err)
	}
	logs := &testbed.SyncBuffer{}
	a.Logger.SetOutput(logs)
	h := a.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := a.Identify(w, r)
		if !ok {
			return
		}
		if _, ok := a.TeamFor(w, r, id, r.URL.Query().Get("team")); !ok {
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}), http.MethodPost, http.MethodPatch, http.MethodDelete, http.MethodGet)
	return a, h, logs
}

func serve(h http.Handler, method, target, contentType, token string, body io.Reader) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, body)
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// TestJSONBodiesOnly is issue 14 item 10: the bodies an HTML form can send cross-site
// (text/plain, urlencoded, multipart) are refused before anything acts on them.
func TestJSONBodiesOnly(t *testing.T) {
	_, h, _ := newUserApp(t, nil)
	for _, tc := range []struct {
		name, method, contentType string
		body                      string
		want                      int
	}{
		{"JSON", http.MethodPost, "application/json", `{}`, http.StatusNoContent},
		{"JSON with a charset", http.MethodPost, "application/json; charset=utf-8", `{}`, http.StatusNoContent},
		{"text/plain form", http.MethodPost, "text/plain", `{"name":"x"}`, http.StatusUnsupportedMediaType},
		{"urlencoded form", http.MethodPost, "application/x-www-form-urlencoded", `a=b`, http.StatusUnsupportedMediaType},
		{"multipart form", http.MethodPost, "multipart/form-data; boundary=x", `--x--`, http.StatusUnsupportedMediaType},
		{"POST without a body or type (a form posting nothing)", http.MethodPost, "", ``, http.StatusUnsupportedMediaType},
		{"PATCH text/plain", http.MethodPatch, "text/plain", `{"action":"stop"}`, http.StatusUnsupportedMediaType},
		{"DELETE without a body", http.MethodDelete, "", ``, http.StatusNoContent},
		{"GET", http.MethodGet, "", ``, http.StatusNoContent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			w := serve(h, tc.method, "/?team=alpha", tc.contentType, aliceToken, body)
			if w.Code != tc.want {
				t.Errorf("status %d (%s), want %d", w.Code, w.Body, tc.want)
			}
			if tc.want == http.StatusUnsupportedMediaType && !strings.Contains(w.Body.String(), "Content-Type") {
				t.Errorf("415 does not name the header: %s", w.Body)
			}
		})
	}
}

// TestMetricsOfPublicFunctions is issue 14 item 11: /metrics of a function users call is
// not public: not served without a metrics token, and only to its holder with one.
func TestMetricsOfPublicFunctions(t *testing.T) {
	_, h, _ := newUserApp(t, nil)
	if w := serve(h, http.MethodGet, "/metrics", "", "", nil); w.Code != http.StatusNotFound {
		t.Errorf("without a metrics token: %d, want 404", w.Code)
	}
	_, h, _ = newUserApp(t, map[string]string{MetricsTokenVar: "scrape-me"})
	for token, want := range map[string]int{"": http.StatusUnauthorized, aliceToken: http.StatusUnauthorized, "scrape-me": http.StatusOK} {
		if w := serve(h, http.MethodGet, "/metrics", "", token, nil); w.Code != want {
			t.Errorf("metrics with token %q: %d, want %d", token, w.Code, want)
		}
	}
}

// TestRefusalsAreLoggedAndRateLimited is issue 14 item 15: 401 and 403 answers reach the
// activity log (a 403 in the team's own log, naming who tried), at most refusalBurst per
// window, the rest counted; the access log names the authenticated user.
func TestRefusalsAreLoggedAndRateLimited(t *testing.T) {
	a, h, logs := newUserApp(t, nil)
	ctx := context.Background()
	for range 15 {
		if w := serve(h, http.MethodGet, "/?team=alpha", "", "wrong-token", nil); w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong token: %d", w.Code)
		}
	}
	all, err := a.Log.Latest(ctx, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != refusalBurst {
		t.Errorf("%d refusals logged of 15, want %d (rate-limited)", len(all), refusalBurst)
	}
	for _, e := range all {
		if e.Action != ActionDenied || e.Outcome != eventlog.OutcomeFailure || !strings.HasPrefix(e.Reason, "401: ") {
			t.Errorf("logged %+v, want a 401 access-denied failure", e)
		}
	}
	for logged, want := range map[string]float64{"true": refusalBurst, "false": 15 - refusalBurst} {
		if got := testutil.ToFloat64(a.refusals.counter.WithLabelValues(logged)); got != want {
			t.Errorf("%s{logged=%q} = %v, want %v", RefusalsMetric, logged, got, want)
		}
	}

	// A new window: alice acting in beta is a 403 in beta's own log, naming her.
	start := a.refusals.now()
	a.refusals.now = func() time.Time { return start.Add(refusalWindow) }
	if w := serve(h, http.MethodGet, "/?team=beta", "", aliceToken, nil); w.Code != http.StatusForbidden {
		t.Fatalf("alice in beta: %d", w.Code)
	}
	beta, err := a.Log.Latest(ctx, "beta", 10)
	if err != nil || len(beta) != 1 || beta[0].Actor != "alice" || beta[0].Action != ActionDenied || !strings.HasPrefix(beta[0].Reason, "403: ") {
		t.Errorf("beta's log = %+v, %v; want one 403 access-denied by alice", beta, err)
	}
	// An unconfigured team gets no log stream.
	serve(h, http.MethodGet, "/?team=nosuchteam", "", aliceToken, nil)
	if got, _ := a.Log.Latest(ctx, "nosuchteam", 10); len(got) != 0 {
		t.Errorf("a refusal for an unknown team was logged: %+v", got)
	}

	if w := serve(h, http.MethodGet, "/?team=alpha", "", aliceToken, nil); w.Code != http.StatusNoContent {
		t.Fatalf("alice in alpha: %d", w.Code)
	}
	if !strings.Contains(logs.String(), `"user":"alice"`) {
		t.Errorf("the access log does not name the user:\n%s", logs.String())
	}
}
