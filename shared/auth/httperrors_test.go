package auth

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/google/go-cmp/cmp"
	logtest "github.com/sirupsen/logrus/hooks/test"

	"github.com/devenvs/devenvs/shared/httpx"
)

func TestWriteError(t *testing.T) {
	tests := []struct {
		name          string
		err           error
		wantStatus    int
		wantChallenge string
		wantMessage   string
	}{
		{name: "no credentials", err: ErrNoCredentials, wantStatus: 401, wantChallenge: `Bearer realm="devenvs"`, wantMessage: "authentication required: send Authorization: Bearer <token>"},
		{name: "invalid credentials", err: fmt.Errorf("%w: unknown token", ErrInvalidCredentials), wantStatus: 401, wantChallenge: `Bearer realm="devenvs", error="invalid_token"`, wantMessage: "invalid credentials: unknown token"},
		{name: "issuer unreachable", err: errors.New("oidc discovery: connection refused"), wantStatus: 503, wantMessage: "Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, _ := logtest.NewNullLogger()
			rec := httptest.NewRecorder()
			httpx.Chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				WriteError(w, r, tt.err)
			}), httpx.Options{Logger: logger}).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			got := []any{rec.Code, rec.Header().Get("WWW-Authenticate"), decodeError(t, rec).Message}
			want := []any{tt.wantStatus, tt.wantChallenge, tt.wantMessage}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("status, challenge, message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWriteForbidden(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteForbidden(rec, httptest.NewRequest("DELETE", "/", nil), "beta")
	want := httpx.ErrorBody{Status: http.StatusForbidden, Message: `not a member of team "beta"`}
	if diff := cmp.Diff(want, decodeError(t, rec)); diff != "" || rec.Code != http.StatusForbidden {
		t.Errorf("status %d, body (-want +got):\n%s", rec.Code, diff)
	}
}

func decodeError(t *testing.T, rec *httptest.ResponseRecorder) httpx.ErrorBody {
	t.Helper()
	var body httpx.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q: %v", rec.Body.String(), err)
	}
	return body
}
