package httpx

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	WriteJSON(w, http.StatusOK, map[string]string{"id": RequestID(r.Context())})
})

func TestCORS(t *testing.T) {
	const ui = "https://ui.devenvs.example"
	tests := []struct {
		name        string
		opts        Options
		method      string
		origin      string
		reqMethod   string // Access-Control-Request-Method
		wantStatus  int
		wantHeaders map[string]string
		wantHandler bool
	}{{
		name: "allowed origin", method: "GET", origin: ui,
		wantStatus: 200, wantHandler: true,
		wantHeaders: map[string]string{"Access-Control-Allow-Origin": ui, "Access-Control-Expose-Headers": "X-Request-Id", "Vary": "Origin", "Access-Control-Allow-Credentials": ""},
	}, {
		name: "disallowed origin runs without CORS headers", method: "GET", origin: "https://evil.example",
		wantStatus: 200, wantHandler: true,
		wantHeaders: map[string]string{"Access-Control-Allow-Origin": "", "Vary": "Origin"},
	}, {
		name: "origin match is exact", method: "GET", origin: ui + ":443",
		wantStatus: 200, wantHandler: true,
		wantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
	}, {
		name: "no origin (curl, kn func invoke)", method: "POST",
		wantStatus: 200, wantHandler: true,
		wantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
	}, {
		name: "preflight allowed", method: "OPTIONS", origin: ui, reqMethod: "DELETE",
		wantStatus: 204,
		wantHeaders: map[string]string{
			"Access-Control-Allow-Origin":  ui,
			"Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
			"Access-Control-Allow-Headers": "Authorization, Content-Type, X-Request-Id",
			"Access-Control-Max-Age":       "600",
		},
	}, {
		name: "preflight disallowed", method: "OPTIONS", origin: "https://evil.example", reqMethod: "POST",
		wantStatus:  403,
		wantHeaders: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": ""},
	}, {
		name: "plain OPTIONS is not a preflight", method: "OPTIONS", origin: ui,
		wantStatus: 200, wantHandler: true,
		wantHeaders: map[string]string{"Access-Control-Allow-Origin": ui, "Access-Control-Allow-Methods": ""},
	}, {
		name: "wildcard is ignored", opts: Options{AllowedOrigins: []string{"*"}}, method: "OPTIONS", origin: ui, reqMethod: "GET",
		wantStatus:  403,
		wantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
	}, {
		name: "credentials when configured", opts: Options{AllowedOrigins: []string{ui + "/"}, AllowCredentials: true}, method: "GET", origin: ui,
		wantStatus: 200, wantHandler: true,
		wantHeaders: map[string]string{"Access-Control-Allow-Origin": ui, "Access-Control-Allow-Credentials": "true"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			if opts.AllowedOrigins == nil {
				opts.AllowedOrigins = []string{ui}
			}
			opts.Logger, _ = logtest.NewNullLogger()
			handled := false
			h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				handled = true
				okHandler.ServeHTTP(w, r)
			}), opts)
			r := httptest.NewRequest(tt.method, "/envs", nil)
			if tt.origin != "" {
				r.Header.Set("Origin", tt.origin)
			}
			if tt.reqMethod != "" {
				r.Header.Set("Access-Control-Request-Method", tt.reqMethod)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tt.wantStatus || handled != tt.wantHandler {
				t.Errorf("status %d handled %v, want %d handled %v", rec.Code, handled, tt.wantStatus, tt.wantHandler)
			}
			got := map[string]string{} // "" stands for an absent header
			for k := range tt.wantHeaders {
				got[k] = rec.Header().Get(k)
			}
			if diff := cmp.Diff(tt.wantHeaders, got); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecoverPanics(t *testing.T) {
	logger, hook := logtest.NewNullLogger()
	h := Chain(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic("nil map write")
	}), Options{Logger: logger, AllowedOrigins: []string{"https://ui.example"}})
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set(HeaderRequestID, "req-panic")
	r.Header.Set("Origin", "https://ui.example")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)

	want := ErrorBody{Status: 500, Message: "Internal Server Error", RequestID: "req-panic"}
	if diff := cmp.Diff(want, decodeError(t, rec)); diff != "" || rec.Code != 500 {
		t.Errorf("status %d, body (-want +got):\n%s", rec.Code, diff)
	}
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != "https://ui.example" {
		t.Errorf("500 lacks CORS header, so the browser could not read it: %q", got)
	}
	var panics, access []logrus.Fields
	for _, e := range hook.AllEntries() {
		switch e.Message {
		case "handler panicked":
			panics = append(panics, e.Data)
		case "request":
			access = append(access, e.Data)
		}
	}
	if len(panics) != 1 || panics[0]["panic"] != "nil map write" || panics[0]["request_id"] != "req-panic" || !strings.Contains(panics[0]["stack"].(string), "TestRecoverPanics") {
		t.Errorf("panic log entries = %v", panics)
	}
	if len(access) != 1 || access[0]["status"] != 500 {
		t.Errorf("access log entries = %v, want one with status 500", access)
	}
}

func TestRecoverPanicAfterWriteAbortsResponse(t *testing.T) {
	logger, _ := logtest.NewNullLogger()
	srv := httptest.NewServer(Chain(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{"partial":`))
		w.(http.Flusher).Flush()
		panic("late")
	}), Options{Logger: logger}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatalf("headers were flushed before the panic, want a response: %v", err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Error("truncated response read without error; the client cannot tell it is incomplete")
	}
	// The server is still serving.
	resp2, err := http.Get(srv.URL)
	if err != nil {
		t.Fatalf("server down after panic: %v", err)
	}
	resp2.Body.Close()
}

func TestRequestID(t *testing.T) {
	tests := []struct {
		name     string
		incoming string
		wantKept bool
	}{
		{name: "incoming id is kept", incoming: "ui-7f3a.12:x_y", wantKept: true},
		{name: "missing id is generated"},
		{name: "id with spaces is replaced", incoming: "a b"},
		{name: "id with newline is replaced", incoming: "a\nlevel=error"},
		{name: "overlong id is replaced", incoming: strings.Repeat("a", 129)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, hook := logtest.NewNullLogger()
			var seenID string
			var seenLogID any
			h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seenID = RequestID(r.Context())
				seenLogID = Logger(r.Context()).Data["request_id"]
				w.WriteHeader(http.StatusAccepted)
			}), Options{Logger: logger})
			r := httptest.NewRequest("GET", "/envs?team=alpha", nil)
			if tt.incoming != "" {
				r.Header.Set(HeaderRequestID, tt.incoming)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)

			if tt.wantKept && seenID != tt.incoming {
				t.Errorf("handler saw id %q, want incoming %q", seenID, tt.incoming)
			}
			if !tt.wantKept && (seenID == tt.incoming || len(seenID) != 32) {
				t.Errorf("handler saw id %q, want a fresh 32-hex id", seenID)
			}
			access := hook.LastEntry()
			got := []any{rec.Header().Get(HeaderRequestID), seenLogID, access.Message, access.Data["request_id"], access.Data["method"], access.Data["path"], access.Data["status"]}
			want := []any{seenID, seenID, "request", seenID, "GET", "/envs", http.StatusAccepted}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("header, handler logger, access log (-want +got):\n%s", diff)
			}
			if _, ok := access.Data["duration_ms"].(float64); !ok {
				t.Errorf("access log lacks duration_ms: %v", access.Data)
			}
		})
	}
}

func TestLoggerOutsideChain(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	if RequestID(r.Context()) != "" || Logger(r.Context()) == nil {
		t.Error("outside Chain: want empty id and a usable logger")
	}
}

func TestBodyLimit(t *testing.T) {
	tests := []struct {
		name       string
		limit      int64
		body       string
		chunked    bool // hide the length so only the reader can enforce the limit
		wantStatus int
	}{
		{name: "under limit", limit: 10, body: "0123456789", wantStatus: 200},
		{name: "declared too large", limit: 10, body: "0123456789x", wantStatus: 413},
		{name: "streamed too large", limit: 10, body: "0123456789x", chunked: true, wantStatus: 413},
		{name: "negative disables", limit: -1, body: strings.Repeat("x", 2<<20), wantStatus: 200},
		{name: "default is 1 MiB", limit: 0, body: strings.Repeat("x", DefaultMaxBodyBytes+1), wantStatus: 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, _ := logtest.NewNullLogger()
			h := Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if _, err := io.ReadAll(r.Body); err != nil {
					var mbe *http.MaxBytesError
					if errors.As(err, &mbe) {
						WriteError(w, r, http.StatusRequestEntityTooLarge, err)
						return
					}
					WriteError(w, r, http.StatusBadRequest, err)
					return
				}
				w.WriteHeader(http.StatusOK)
			}), Options{Logger: logger, MaxBodyBytes: tt.limit})
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.chunked {
				r.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", rec.Code, tt.wantStatus, rec.Body.String())
			}
		})
	}
}
