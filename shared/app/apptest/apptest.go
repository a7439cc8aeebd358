// Package apptest builds an App for unit tests of handlers: the fixture's users and tokens,
// the default configuration, the in-process event log and no Kubernetes, so a handler's
// status mapping and logging policy run in milliseconds over a double of what it consumes.
package apptest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/devenvs/devenvs/shared/app"
	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// New returns an App as the function's own options would build it, without Kubernetes.
func New(t *testing.T, name string, opts app.Options) *app.App {
	t.Helper()
	tokens := filepath.Join(t.TempDir(), "tokens.yaml")
	var entries string
	for user, teams := range fixture.Users {
		entries += "- {user: " + user + ", sha256: " + auth.HashToken(fixture.Token(user)) + ", teams: ["
		for i, team := range teams {
			if i > 0 {
				entries += ", "
			}
			entries += team
		}
		entries += "]}\n"
	}
	if err := os.WriteFile(tokens, []byte(entries), 0o600); err != nil {
		t.Fatal(err)
	}
	opts.Kube = false
	a, err := app.New(name, map[string]string{auth.TokensFileVar: tokens}, opts)
	if err != nil {
		t.Fatal(err)
	}
	a.Logger.SetOutput(io.Discard)
	t.Cleanup(func() { _ = a.Close(context.Background()) })
	return a
}

// Do serves one request as user ("" for none) with body (nil, a raw string or a value sent
// as JSON) and returns the status and body.
func Do(t *testing.T, h http.Handler, method, target, user string, body any) (int, []byte) {
	t.Helper()
	r, err := fixture.NewRequest(context.Background(), method, "http://function"+target, user, body)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Code, w.Body.Bytes()
}

// Logged is what the activity log holds for team (all teams when ""), oldest first, as
// "action outcome reason" lines, which a table compares with cmp.Diff.
func Logged(t *testing.T, a *app.App, team string) []string {
	t.Helper()
	events, err := a.Log.Latest(context.Background(), team, 100)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		out = append(out, e.Action+" "+e.Outcome+" "+e.Reason)
	}
	return out
}
