package e2e

import (
	"bufio"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// The OIDC provider's name on the sign-in button (config.json's signIn.oidcProvider).
const oidcProviderName = "Test SSO"

// startOIDCProvider builds and starts hack/oidcprovider, a real OpenID Connect provider
// (zitadel/oidc's op package) in its own module, with a public client and users given as
// name=group,group. It returns the issuer URL.
func startOIDCProvider(t *testing.T, client string, users ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "oidcprovider")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = filepath.Join("..", "oidcprovider")
	// Its own module, outside the workspace (go.work) of the product and hack/.
	build.Env = append(os.Environ(), "GOFLAGS=-mod=readonly", "GOWORK=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build hack/oidcprovider: %v\n%s", err, out)
	}
	args := []string{"-client", client}
	for _, u := range users {
		args = append(args, "-user", u)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the OIDC provider: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line := make(chan string, 1)
	go func() {
		s := bufio.NewScanner(stdout)
		if s.Scan() {
			line <- s.Text()
		}
		close(line)
	}()
	select {
	case l := <-line:
		issuer, ok := strings.CutPrefix(l, "issuer ")
		if !ok {
			t.Fatalf("the OIDC provider said %q, want its issuer", l)
		}
		return issuer
	case <-time.After(30 * time.Second):
		t.Fatal("the OIDC provider did not start within 30 s")
	}
	return ""
}

// TestOIDCSignIn: with an OIDC issuer configured, the sign-in page offers "Sign in with
// <provider>"; the authorization-code flow with PKCE against a real provider signs the user
// in with an ID token the functions verify (shared/auth), the list shows the user's team,
// and sign-out removes the token from the tab.
func TestOIDCSignIn(t *testing.T) {
	chromium := findChromium(t)
	const client = "devenvs-ui"
	issuer := startOIDCProvider(t, client, "dana=devenvs:alpha")
	fx := fixture.New(t, nil)
	st := startStackWith(t, fx, map[string]string{"DEVENVS_OIDC_ISSUER": issuer, "DEVENVS_OIDC_CLIENT_ID": client})
	browser := launchBrowser(t, chromium)
	tb := openTab(t, browser, st)
	// The provider's own login page asks for a favicon it does not have.
	tb.allowed = append(tb.allowed, allowedHTTPError{urlPrefix: strings.TrimSuffix(issuer, "/") + "/favicon.ico", status: http.StatusNotFound})

	// Something for dana to see: an environment of alpha, created with a token.
	apiCreate(t, st, "alice", map[string]any{"team": "alpha", "name": "oidc-seen"})

	tb.open("open the UI", st.web+"/", chromedp.WaitVisible(chromedp.CSS("#oidc-sign-in")))
	if got := eval[string](tb, `document.querySelector('#oidc-sign-in').textContent`); got != "Sign in with "+oidcProviderName {
		t.Errorf("the OIDC button says %q", got)
	}
	tb.axe("the sign-in page with OIDC")
	tb.screenshot("sign-in-oidc.png", false)
	tb.run("sign in with the provider", chromedp.Click(chromedp.CSS("#oidc-sign-in")))
	tb.waitJS("the provider's sign-in page", `location.origin === `+jsString(strings.TrimSuffix(issuer, "/"))+` && !!document.querySelector('#username')`, waitTimeout)
	// The provider refuses a public client's code exchange without PKCE (op: AuthMethodNone).
	tb.run("sign in as dana at the provider",
		chromedp.SendKeys(chromedp.CSS("#username"), "dana"),
		chromedp.SendKeys(chromedp.CSS("#password"), "password"),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)))
	tb.waitJS("back in devenvs, signed in as dana",
		`location.origin === `+jsString(st.web)+` && !document.querySelector('#app-view').hidden && document.querySelector('#user-name').textContent === 'dana'`,
		waitTimeout)
	if q := eval[string](tb, `location.search`); q != "" {
		t.Errorf("the provider's answer stays in the address: %q", q)
	}
	idToken := eval[string](tb, `sessionStorage.getItem('devenvs.token') || ''`)
	if strings.Count(idToken, ".") != 2 {
		t.Fatalf("the tab keeps %q, want the ID token (a JWT)", idToken)
	}
	// The kept token is what the functions accept: it lists as dana.
	req, _ := http.NewRequest(http.MethodGet, st.fn["listenvs"]+"/", nil)
	req.Header.Set("Authorization", "Bearer "+idToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"user":"dana"`) {
		t.Errorf("listenvs with the tab's ID token: %d %s", resp.StatusCode, body)
	}

	tb.waitJS("dana sees alpha's environment", `!!document.querySelector(`+jsString(rowSel("alpha/oidc-seen"))+`)`, waitTimeout)
	tb.signOut()
	if left := eval[string](tb, `sessionStorage.getItem('devenvs.token') || ''`); left != "" {
		t.Errorf("sign-out left the token in the tab: %q", left)
	}
	tb.open("reload", st.web+"/", chromedp.WaitVisible(chromedp.CSS("#oidc-sign-in")))
	if eval[bool](tb, `!document.querySelector('#app-view').hidden`) {
		t.Errorf("after sign-out a reload is signed in again")
	}

	// An answer the tab did not ask for (a forged or replayed redirect) is refused.
	tb.open("come back with a forged answer", st.web+"/?code=forged&state=forged", chromedp.WaitVisible(chromedp.CSS("#token-error")))
	if msg := eval[string](tb, `document.querySelector('#token-error').textContent`); !strings.Contains(msg, "not started from this tab") {
		t.Errorf("a forged answer says %q", msg)
	}
}
