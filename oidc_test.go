package function

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/config"
)

// The web function must read the very variables the verifying functions read.
func TestOIDCVariablesMatchTheVerifier(t *testing.T) {
	if OIDCIssuerVar != auth.OIDCIssuerVar || OIDCClientIDVar != auth.OIDCClientIDVar {
		t.Errorf("web reads %s/%s, shared/auth %s/%s", OIDCIssuerVar, OIDCClientIDVar, auth.OIDCIssuerVar, auth.OIDCClientIDVar)
	}
}

func TestOIDCSignInOf(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		signIn  config.SignIn
		want    *oidcSignIn
		wantErr string
	}{
		{name: "not configured", env: map[string]string{}},
		{
			name: "defaults: the issuer's host names the provider",
			env:  map[string]string{OIDCIssuerVar: "https://login.example.com/", OIDCClientIDVar: "devenvs"},
			want: &oidcSignIn{Issuer: "https://login.example.com/", ClientID: "devenvs", Provider: "login.example.com", Scopes: defaultOIDCScopes},
		},
		{
			name:   "provider name and scopes from the configuration; openid is always asked for",
			env:    map[string]string{OIDCIssuerVar: "https://login.example.com", OIDCClientIDVar: "devenvs"},
			signIn: config.SignIn{OIDCProvider: "Example SSO", OIDCScopes: "email groups"},
			want:   &oidcSignIn{Issuer: "https://login.example.com", ClientID: "devenvs", Provider: "Example SSO", Scopes: "openid email groups"},
		},
		{name: "no client id", env: map[string]string{OIDCIssuerVar: "https://login.example.com"}, wantErr: OIDCClientIDVar},
		{name: "not a URL", env: map[string]string{OIDCIssuerVar: "login.example.com", OIDCClientIDVar: "x"}, wantErr: "absolute http(s) URL"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := oidcSignInOf(tc.env, tc.signIn)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

// With OIDC configured, /config.json says how to sign in and the CSP lets the page reach the issuer.
func TestConfigOffersOIDC(t *testing.T) {
	f := New()
	if err := f.Start(context.Background(), map[string]string{FunctionURLsVar: testURLs,
		OIDCIssuerVar: "https://login.example.com/", OIDCClientIDVar: "devenvs"}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OIDC *oidcSignIn `json:"oidc"`
	}
	if err := json.Unmarshal(f.config, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OIDC == nil || doc.OIDC.Issuer != "https://login.example.com/" || doc.OIDC.ClientID != "devenvs" {
		t.Errorf("config.json oidc = %+v", doc.OIDC)
	}
	if !strings.Contains(f.csp, "https://login.example.com") {
		t.Errorf("CSP %q does not allow the issuer", f.csp)
	}
}
