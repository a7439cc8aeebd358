package httpx

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	logtest "github.com/sirupsen/logrus/hooks/test"
	"knative.dev/pkg/apis"
)

// serveError runs WriteError behind the request-id middleware, as handlers do.
func serveError(t *testing.T, status int, err error) (*httptest.ResponseRecorder, ErrorBody, *logtest.Hook) {
	t.Helper()
	logger, hook := logtest.NewNullLogger()
	h := withRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		WriteError(w, r, status, err)
	}), logger)
	r := httptest.NewRequest("POST", "/", nil)
	r.Header.Set(HeaderRequestID, "req-1")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	var body ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", rec.Body.String(), err)
	}
	return rec, body, hook
}

func TestWriteError(t *testing.T) {
	keyErr := apis.ErrInvalidValue("ssh-dss AAAA", apis.CurrentField, "only ed25519 and rsa keys are accepted").ViaIndex(1).ViaField("sshPublicKeys")
	spec := apis.ErrOutOfBoundsValue(64, 1, 16, "cpu").
		Also(keyErr).
		Also(apis.ErrMissingField("image", "pool")).
		ViaField("spec")
	tests := []struct {
		name    string
		status  int
		err     error
		want    ErrorBody
		wantLog bool
	}{{
		name:   "plain client error",
		status: http.StatusNotFound,
		err:    errors.New(`environment "e1" not found`),
		want:   ErrorBody{Status: 404, Message: `environment "e1" not found`, RequestID: "req-1"},
	}, {
		name:   "single field error",
		status: http.StatusUnprocessableEntity,
		err:    apis.ErrInvalidValue("huge", "pool"),
		want: ErrorBody{Status: 422, Message: "pool: invalid value: huge", RequestID: "req-1", Fields: []FieldProblem{
			{Path: "pool", Message: "invalid value: huge"},
		}},
	}, {
		name:   "nested paths, indexes and merged messages are flattened per path",
		status: http.StatusUnprocessableEntity,
		err:    spec,
		want: ErrorBody{Status: 422, Message: "spec.cpu: expected 1 <= 64 <= 16 (and 3 more)", RequestID: "req-1", Fields: []FieldProblem{
			{Path: "spec.cpu", Message: "expected 1 <= 64 <= 16"},
			{Path: "spec.sshPublicKeys[1]", Message: "invalid value: ssh-dss AAAA", Details: "only ed25519 and rsa keys are accepted"},
			{Path: "spec.image", Message: "missing field(s)"},
			{Path: "spec.pool", Message: "missing field(s)"},
		}},
	}, {
		name:   "wrapped field error",
		status: http.StatusBadRequest,
		err:    fmt.Errorf("validate request: %w", apis.ErrMissingField("team")),
		want: ErrorBody{Status: 400, Message: "team: missing field(s)", RequestID: "req-1", Fields: []FieldProblem{
			{Path: "team", Message: "missing field(s)"},
		}},
	}, {
		name:   "field error on the whole object has no path prefix",
		status: http.StatusUnprocessableEntity,
		err:    (&apis.FieldError{Message: "expected exactly one, got both", Paths: []string{"cpu", "gpu"}}).Also(&apis.FieldError{Message: "quota exceeded"}),
		want: ErrorBody{Status: 422, Message: "cpu: expected exactly one, got both (and 2 more)", RequestID: "req-1", Fields: []FieldProblem{
			{Path: "cpu", Message: "expected exactly one, got both"},
			{Path: "gpu", Message: "expected exactly one, got both"},
			{Path: "", Message: "quota exceeded"},
		}},
	}, {
		name:   "whole-object only",
		status: http.StatusUnprocessableEntity,
		err:    &apis.FieldError{Message: "quota exceeded"},
		want: ErrorBody{Status: 422, Message: "quota exceeded", RequestID: "req-1", Fields: []FieldProblem{
			{Path: "", Message: "quota exceeded"},
		}},
	}, {
		name:    "server error hides internals and logs them",
		status:  http.StatusInternalServerError,
		err:     errors.New("dial tcp 10.0.0.1:6443: connection refused"),
		want:    ErrorBody{Status: 500, Message: "Internal Server Error", RequestID: "req-1"},
		wantLog: true,
	}, {
		name:   "nil error uses status text",
		status: http.StatusConflict,
		want:   ErrorBody{Status: 409, Message: "Conflict", RequestID: "req-1"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec, got, hook := serveError(t, tt.status, tt.err)
			if rec.Code != tt.status {
				t.Errorf("status = %d, want %d", rec.Code, tt.status)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if logged := len(hook.AllEntries()) > 0; logged != tt.wantLog {
				t.Errorf("logged = %v, want %v", logged, tt.wantLog)
			}
			if tt.wantLog && hook.LastEntry().Data["request_id"] != "req-1" {
				t.Errorf("log entry %v lacks request_id", hook.LastEntry().Data)
			}
		})
	}
}

func TestWriteJSON(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		v          any
		wantStatus int
		wantBody   string
	}{
		{name: "value", status: 201, v: map[string]string{"name": "e1"}, wantStatus: 201, wantBody: "{\"name\":\"e1\"}\n"},
		{name: "empty list stays a list", status: 200, v: []string{}, wantStatus: 200, wantBody: "[]\n"},
		{name: "unencodable becomes 500", status: 200, v: make(chan int), wantStatus: 500, wantBody: "{\"status\":500,\"message\":\"Internal Server Error\"}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			WriteJSON(rec, tt.status, tt.v)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if diff := cmp.Diff(tt.wantBody, rec.Body.String()); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}
