package eventfn

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/devenvs/devenvs/shared/httpx"
)

// readTracker records whether anything read the request body.
type readTracker struct {
	io.Reader
	read bool
}

func (r *readTracker) Read(p []byte) (int, error) {
	r.read = true
	return r.Reader.Read(p)
}

// TestHandlerAuthenticates is issue 14 item 1: a forged event (no secret, a wrong one) is
// refused with 401/403 before its body is read, and never reaches the handler, so nothing
// is changed and nothing is logged as an action.
func TestHandlerAuthenticates(t *testing.T) {
	withHeader := func(secret string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Ce-Devenvstoken", secret) }
	}
	withAuth := func(value string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", value) }
	}
	tests := []struct {
		name       string
		token      *Token
		sign       func(*http.Request)
		wantStatus int
		wantMsg    string
	}{
		{"no secret", testToken, nil, http.StatusUnauthorized, "event not authenticated"},
		{"wrong secret in the extension", testToken, withHeader("guess"), http.StatusForbidden, "wrong event secret"},
		{"secret with a suffix", testToken, withHeader(testSecret + "x"), http.StatusForbidden, "wrong event secret"},
		{"wrong bearer", testToken, withAuth("Bearer guess"), http.StatusForbidden, "wrong event secret"},
		{"another scheme", testToken, withAuth("Digest x"), http.StatusUnauthorized, "event not authenticated"},
		{"a Broker's OIDC token alone is not the secret", testToken, withAuth("Bearer eyJhbGciOi.x.y"), http.StatusForbidden, "wrong event secret"},
		{"no secret configured refuses all", nil, withHeader(testSecret), http.StatusForbidden, "no event secret is configured"},
		{"the extension (binary mode)", testToken, withHeader(testSecret), http.StatusOK, ""},
		{"the extension with a trailing newline", testToken, withHeader(testSecret + "\n"), http.StatusOK, ""},
		{"bearer", testToken, withAuth("Bearer " + testSecret), http.StatusOK, ""},
		{"basic with the secret as password (func invoke)", testToken, func(r *http.Request) { r.SetBasicAuth("x", testSecret) }, http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got *event.Event
			h := Handler(tc.token, func(_ context.Context, e event.Event) error {
				got = &e
				return nil
			})
			r := unsignedRequest(t, testEvent("a1"))
			body := &readTracker{Reader: r.Body}
			r.Body = io.NopCloser(body)
			if tc.sign != nil {
				tc.sign(r)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tc.wantStatus {
				t.Fatalf("status %d, want %d (body %s)", w.Code, tc.wantStatus, w.Body)
			}
			if tc.wantStatus != http.StatusOK {
				if got != nil {
					t.Error("a refused event reached the handler")
				}
				if body.read {
					t.Error("the body of an unauthenticated event was read")
				}
				var eb httpx.ErrorBody
				if err := json.Unmarshal(w.Body.Bytes(), &eb); err != nil || !strings.HasPrefix(eb.Message, tc.wantMsg) {
					t.Errorf("error body %s, want a message starting %q", w.Body, tc.wantMsg)
				}
				if strings.Contains(w.Body.String(), testSecret) {
					t.Errorf("answer %s repeats the secret", w.Body)
				}
				if tc.wantStatus == http.StatusUnauthorized && w.Header().Get("WWW-Authenticate") == "" {
					t.Error("401 without a WWW-Authenticate challenge")
				}
				return
			}
			if got == nil {
				t.Fatal("an authenticated event did not reach the handler")
			}
			if _, ok := got.Extensions()[TokenExtension]; ok {
				t.Errorf("the handler saw the secret in %s; it must be removed before", TokenExtension)
			}
		})
	}
}

func TestTokenFromConfig(t *testing.T) {
	for _, v := range []string{"", " \n"} {
		if _, err := TokenFromConfig(map[string]string{TokenVar: v}); err == nil || !strings.Contains(err.Error(), TokenVar) {
			t.Errorf("TokenFromConfig(%q) = %v, want an error naming %s", v, err, TokenVar)
		}
	}
}
