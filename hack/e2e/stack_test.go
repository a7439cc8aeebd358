package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	function "github.com/devenvs/devenvs"
	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/functions/deleteenv"
	"github.com/devenvs/devenvs/functions/listenvs"
	"github.com/devenvs/devenvs/functions/updateenv"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/httpx"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// The sign-in page's configured help (config.json's signIn).
const (
	signInHelp = "Ask the platform team in #devenvs for an access token."
	signInLink = "https://wiki.example.com/devenvs/tokens"
)

// stack is the product as a browser sees it: the UI on one origin and the four functions,
// each on its own 127.0.0.1 port, so every call from the page is a real cross-origin request.
type stack struct {
	fx  *fixture.Fixture
	web string            // the UI's origin, e.g. http://127.0.0.1:40123
	fn  map[string]string // function name -> base URL
}

// startStack starts the four functions with the fixture (real cluster, Redis, tokens) and
// the root file function with DEVENVS_FUNCTION_URLS pointing at them.
func startStack(t *testing.T, fx *fixture.Fixture) *stack {
	t.Helper()
	return startStackWith(t, fx, nil)
}

// startStackWith is startStack with more settings for the four functions and the file
// function alike (e.g. the OIDC issuer and client that both must name).
func startStackWith(t *testing.T, fx *fixture.Fixture, env map[string]string) *stack {
	t.Helper()
	// The functions must allow the UI's origin before the UI knows their URLs, so bind the
	// UI's listener first and start serving on it last.
	web := httptest.NewUnstartedServer(nil)
	origin := "http://" + web.Listener.Addr().String()
	extra := map[string]string{httpx.AllowedOriginsVar: origin}
	for k, v := range env {
		extra[k] = v
	}
	st := &stack{fx: fx, web: origin, fn: map[string]string{
		"createenv": fx.Serve(t, createenv.New(), extra).URL,
		"listenvs":  fx.Serve(t, listenvs.New(), extra).URL,
		"deleteenv": fx.Serve(t, deleteenv.New(), extra).URL,
		"updateenv": fx.Serve(t, updateenv.New(), extra).URL,
	}}
	var pairs []string
	for _, name := range []string{"createenv", "listenvs", "deleteenv", "updateenv"} {
		pairs = append(pairs, name+"="+st.fn[name])
	}
	ui := function.New()
	// No kube, tokens or Redis: the file function only needs the URLs, and the fixture's
	// configuration so the catalog (teams, limits) matches what the functions enforce, with
	// the sign-in page's help added (only the UI reads it).
	withHelp := *fx.Config
	withHelp.SignIn = config.SignIn{Help: signInHelp, LinkText: "Get a token", LinkURL: signInLink, OIDCProvider: oidcProviderName}
	raw, err := json.Marshal(&withHelp) // JSON is YAML
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfgPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := map[string]string{
		function.FunctionURLsVar: strings.Join(pairs, ","),
		config.PathVar:           cfgPath,
	}
	for k, v := range env {
		cfg[k] = v
	}
	if err := ui.Start(context.Background(), cfg); err != nil {
		web.Close()
		t.Fatalf("start the web function: %v", err)
	}
	web.Config.Handler = http.HandlerFunc(ui.Handle)
	web.Start()
	t.Cleanup(func() {
		web.Close()
		_ = ui.Stop(context.Background())
	})
	return st
}
