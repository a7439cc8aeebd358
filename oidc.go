package function

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/devenvs/devenvs/shared/config"
)

// The OIDC settings the web function shares with the functions that verify ID tokens
// (shared/auth reads the same variables), so the sign-in the page offers and the tokens the
// functions accept cannot name different issuers or clients. Named here rather than imported,
// so the web function does not link the verifier it never runs.
const (
	OIDCIssuerVar   = "DEVENVS_OIDC_ISSUER"
	OIDCClientIDVar = "DEVENVS_OIDC_CLIENT_ID"
)

// defaultOIDCScopes asks for the ID token and the groups claim devenvs maps to teams.
const defaultOIDCScopes = "openid profile email groups"

// oidcSignIn is /config.json's "oidc": what the page needs for the authorization-code flow
// with PKCE as a public client. Nothing in it is secret.
type oidcSignIn struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"clientID"`
	// Provider is the name on the button: "Sign in with <Provider>".
	Provider string `json:"provider"`
	Scopes   string `json:"scopes"`
}

// oidcSignInOf is the page's OIDC sign-in, or nil when OIDC is not configured.
func oidcSignInOf(env map[string]string, si config.SignIn) (*oidcSignIn, error) {
	issuer, client := env[OIDCIssuerVar], env[OIDCClientIDVar]
	if issuer == "" {
		return nil, nil
	}
	u, err := url.Parse(issuer)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%s %q: must be an absolute http(s) URL", OIDCIssuerVar, issuer)
	}
	if client == "" {
		return nil, fmt.Errorf("%s is set but %s is not: the page cannot ask for a token without a client id", OIDCIssuerVar, OIDCClientIDVar)
	}
	o := &oidcSignIn{Issuer: issuer, ClientID: client, Provider: si.OIDCProvider, Scopes: si.OIDCScopes}
	if o.Provider == "" {
		o.Provider = u.Hostname()
	}
	if o.Scopes == "" {
		o.Scopes = defaultOIDCScopes
	}
	if !strings.Contains(" "+o.Scopes+" ", " openid ") {
		o.Scopes = "openid " + o.Scopes
	}
	return o, nil
}

// origin is the scheme and host of an absolute URL, for the Content-Security-Policy.
func origin(raw string) string {
	u, _ := url.Parse(raw)
	return u.Scheme + "://" + u.Host
}
