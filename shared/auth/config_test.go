package auth

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestFromEnv(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	if err := os.WriteFile(path, []byte(tokenFile), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		env       map[string]string
		wantErr   error
		wantChain []string // types of the chain's links
		accepts   string   // a token that must authenticate
		rejects   string   // a token that must not
	}{
		{name: "nothing configured", env: map[string]string{}, wantErr: ErrNotConfigured},
		{name: "dev tokens off", env: map[string]string{DevTokensVar: "false"}, wantErr: ErrNotConfigured},
		{name: "token file", env: map[string]string{TokensFileVar: path}, wantChain: []string{"*auth.TokenStore"}, accepts: aliceToken, rejects: DevToken},
		{name: "dev tokens", env: map[string]string{DevTokensVar: "true"}, wantChain: []string{"*auth.TokenStore"}, accepts: DevToken, rejects: aliceToken},
		{name: "file, dev and oidc in order", env: map[string]string{TokensFileVar: path, DevTokensVar: "1", OIDCIssuerVar: "https://issuer.example", OIDCClientIDVar: "devenvs"},
			wantChain: []string{"*auth.TokenStore", "*auth.TokenStore", "*auth.OIDC"}, accepts: DevToken, rejects: "opaque"},
		{name: "oidc without client id", env: map[string]string{OIDCIssuerVar: "https://issuer.example"}, wantErr: errAny},
		{name: "missing token file", env: map[string]string{TokensFileVar: path + ".missing"}, wantErr: os.ErrNotExist},
		{name: "bad bool", env: map[string]string{DevTokensVar: "yes please"}, wantErr: errAny},
		// Issue 14 item 14: the public dev token is refused inside a cluster.
		{name: "dev tokens inside a cluster (configuration)", env: map[string]string{DevTokensVar: "true", "KUBERNETES_SERVICE_HOST": "10.96.0.1"}, wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := FromEnv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if tt.wantErr == errAny {
				if err == nil {
					t.Fatal("want error, got nil")
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("FromEnv error = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			var types []string
			for _, l := range a.(Chain) {
				types = append(types, fmt.Sprintf("%T", l))
			}
			if diff := cmp.Diff(tt.wantChain, types); diff != "" {
				t.Errorf("chain (-want +got):\n%s", diff)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+tt.accepts)
			if _, err := a.Authenticate(r); err != nil {
				t.Errorf("token %q rejected: %v", tt.accepts, err)
			}
			r.Header.Set("Authorization", "Bearer "+tt.rejects)
			if _, err := a.Authenticate(r); !errors.Is(err, ErrInvalidCredentials) {
				t.Errorf("token %q: error = %v, want ErrInvalidCredentials", tt.rejects, err)
			}
		})
	}
}

// errAny marks cases where any error will do.
var errAny = errors.New("any error")

func TestFromEnvOIDCGroupPrefix(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{name: "unset uses default", env: map[string]string{}, want: DefaultGroupPrefix},
		{name: "set empty maps verbatim", env: map[string]string{OIDCGroupPrefixVar: ""}, want: ""},
		{name: "custom", env: map[string]string{OIDCGroupPrefixVar: "team-"}, want: "team-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env[OIDCIssuerVar] = "https://issuer.example"
			tt.env[OIDCClientIDVar] = "devenvs"
			a, err := FromEnv(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			if got := a.(Chain)[0].(*OIDC).cfg.GroupPrefix; got != tt.want {
				t.Errorf("group prefix = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDevTokensRefusedInACluster is issue 14 item 14: whatever the configuration map says,
// a process that runs in a pod (the kubelet sets KUBERNETES_SERVICE_HOST) refuses the dev
// token.
func TestDevTokensRefusedInACluster(t *testing.T) {
	t.Setenv("KUBERNETES_SERVICE_HOST", "10.96.0.1")
	_, err := FromEnv(func(k string) (string, bool) {
		if k == DevTokensVar {
			return "true", true
		}
		return "", false
	})
	if err == nil || !strings.Contains(err.Error(), "inside a Kubernetes cluster") {
		t.Fatalf("FromEnv with dev tokens in a pod = %v, want a refusal", err)
	}
}

// TestOIDCWarnings is issue 14 item 13: an empty group prefix is logged loudly at start.
func TestOIDCWarnings(t *testing.T) {
	for prefix, want := range map[string]int{"": 1, DefaultGroupPrefix: 0} {
		a, err := FromEnv(func(k string) (string, bool) {
			v, ok := map[string]string{OIDCIssuerVar: "https://issuer.example", OIDCClientIDVar: "devenvs", OIDCGroupPrefixVar: prefix}[k]
			return v, ok
		})
		if err != nil {
			t.Fatal(err)
		}
		if got := Warnings(a); len(got) != want {
			t.Errorf("prefix %q: warnings %q, want %d", prefix, got, want)
		}
	}
}
