package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"
	"github.com/google/go-cmp/cmp"
)

// testIssuer is a local OIDC issuer (discovery + JWKS from go-oidc's oidctest) that counts
// discovery requests and can be switched off.
type testIssuer struct {
	srv         *httptest.Server
	key         *rsa.PrivateKey
	discoveries atomic.Int32
	down        atomic.Bool
}

const testKeyID = "test-key"

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ti := &testIssuer{key: key}
	s := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: key.Public(), KeyID: testKeyID, Algorithm: oidc.RS256}}}
	ti.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ti.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		if r.URL.Path == "/.well-known/openid-configuration" {
			ti.discoveries.Add(1)
		}
		s.ServeHTTP(w, r)
	}))
	t.Cleanup(ti.srv.Close)
	s.SetIssuer(ti.srv.URL)
	return ti
}

// sign returns a token with the standard claims for this issuer plus extra.
func (ti *testIssuer) sign(t *testing.T, key *rsa.PrivateKey, extra map[string]any) string {
	t.Helper()
	claims := map[string]any{
		"iss": ti.srv.URL,
		"aud": "devenvs",
		"sub": "user-123",
		"exp": time.Now().Add(time.Hour).Unix(),
		"iat": time.Now().Unix(),
	}
	for k, v := range extra {
		claims[k] = v
	}
	raw, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	return oidctest.SignIDToken(key, testKeyID, oidc.RS256, string(raw))
}

func TestOIDCAuthenticate(t *testing.T) {
	ti := newTestIssuer(t)
	otherKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	o, err := NewOIDC(OIDCConfig{IssuerURL: ti.srv.URL, ClientID: "devenvs", UserClaim: "email", GroupPrefix: DefaultGroupPrefix})
	if err != nil {
		t.Fatal(err)
	}
	if n := ti.discoveries.Load(); n != 0 {
		t.Fatalf("NewOIDC made %d discovery calls, want 0 (start-up must stay offline)", n)
	}
	good := map[string]any{"email": "alice@example.com", "groups": []string{"devenvs:beta", "devenvs:alpha", "staff", "devenvs:alpha"}}
	tests := []struct {
		name    string
		header  string
		want    Identity
		wantErr error
	}{
		{name: "no header", wantErr: ErrNoCredentials},
		{name: "opaque token", header: "Bearer not-a-jwt", wantErr: ErrInvalidCredentials},
		{name: "good token", header: "Bearer " + ti.sign(t, ti.key, good), want: Identity{User: "alice@example.com", Teams: []string{"alpha", "beta"}}},
		{name: "single group as string", header: "Bearer " + ti.sign(t, ti.key, map[string]any{"email": "bob@example.com", "groups": "devenvs:gamma"}), want: Identity{User: "bob@example.com", Teams: []string{"gamma"}}},
		{name: "no groups", header: "Bearer " + ti.sign(t, ti.key, map[string]any{"email": "carol@example.com"}), want: Identity{User: "carol@example.com", Teams: []string{}}},
		{name: "signed by another key", header: "Bearer " + ti.sign(t, otherKey, good), wantErr: ErrInvalidCredentials},
		{name: "other audience", header: "Bearer " + ti.sign(t, ti.key, map[string]any{"aud": "someone-else", "email": "a@x"}), wantErr: ErrInvalidCredentials},
		{name: "other issuer", header: "Bearer " + ti.sign(t, ti.key, map[string]any{"iss": "https://evil.example", "email": "a@x"}), wantErr: ErrInvalidCredentials},
		{name: "expired", header: "Bearer " + ti.sign(t, ti.key, map[string]any{"exp": time.Now().Add(-time.Hour).Unix(), "email": "a@x"}), wantErr: ErrInvalidCredentials},
		{name: "missing user claim", header: "Bearer " + ti.sign(t, ti.key, map[string]any{"groups": []string{"devenvs:alpha"}}), wantErr: ErrInvalidCredentials},
		{name: "groups of wrong type", header: "Bearer " + ti.sign(t, ti.key, map[string]any{"email": "a@x", "groups": 7}), wantErr: ErrInvalidCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			got, err := o.Authenticate(r)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Authenticate error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
	if n := ti.discoveries.Load(); n != 1 {
		t.Errorf("discovery calls = %d, want 1 (cached after first use)", n)
	}
}

func TestOIDCIssuerDownIsNotInvalidCredentials(t *testing.T) {
	ti := newTestIssuer(t)
	o, err := NewOIDC(OIDCConfig{IssuerURL: ti.srv.URL, ClientID: "devenvs"})
	if err != nil {
		t.Fatal(err)
	}
	token := ti.sign(t, ti.key, map[string]any{"groups": []string{"alpha"}})

	ti.down.Store(true)
	_, err = o.Verify(context.Background(), token)
	if err == nil || errors.Is(err, ErrInvalidCredentials) {
		t.Fatalf("issuer down: error = %v, want a non-credential error (so callers answer 503)", err)
	}

	// A failed discovery is not cached: once the issuer is back, the same token works.
	ti.down.Store(false)
	got, err := o.Verify(context.Background(), token)
	if err != nil {
		t.Fatalf("issuer back: %v", err)
	}
	if diff := cmp.Diff(Identity{User: "user-123", Teams: []string{"alpha"}}, got); diff != "" {
		t.Errorf("identity with default claims and empty prefix (-want +got):\n%s", diff)
	}
}

func TestNewOIDCValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  OIDCConfig
	}{
		{name: "no issuer", cfg: OIDCConfig{ClientID: "x"}},
		{name: "relative issuer", cfg: OIDCConfig{IssuerURL: "issuer.example", ClientID: "x"}},
		{name: "no client id", cfg: OIDCConfig{IssuerURL: "https://issuer.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewOIDC(tt.cfg); err == nil {
				t.Error("want error, got nil")
			}
		})
	}
}

func TestTeamsFromGroups(t *testing.T) {
	tests := []struct {
		name   string
		groups []string
		prefix string
		want   []string
	}{
		{name: "prefix selects and strips", groups: []string{"devenvs:beta", "admins", "devenvs:alpha"}, prefix: "devenvs:", want: []string{"alpha", "beta"}},
		{name: "bare prefix is no team", groups: []string{"devenvs:"}, prefix: "devenvs:", want: []string{}},
		{name: "duplicates collapse", groups: []string{"devenvs:a", "devenvs:a"}, prefix: "devenvs:", want: []string{"a"}},
		{name: "empty prefix is verbatim", groups: []string{"b", "a"}, prefix: "", want: []string{"a", "b"}},
		{name: "no groups", prefix: "devenvs:", want: []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, TeamsFromGroups(tt.groups, tt.prefix)); diff != "" {
				t.Errorf("TeamsFromGroups (-want +got):\n%s", diff)
			}
		})
	}
}

func TestIdentityFromClaims(t *testing.T) {
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	tests := []struct {
		name    string
		claims  map[string]json.RawMessage
		want    Identity
		wantErr bool
	}{
		{name: "custom claims", claims: map[string]json.RawMessage{"preferred_username": raw(`"alice"`), "roles": raw(`["devenvs:alpha"]`)}, want: Identity{User: "alice", Teams: []string{"alpha"}}},
		{name: "null groups", claims: map[string]json.RawMessage{"preferred_username": raw(`"alice"`), "roles": raw(`null`)}, want: Identity{User: "alice", Teams: []string{}}},
		{name: "numeric user", claims: map[string]json.RawMessage{"preferred_username": raw(strconv.Itoa(42))}, wantErr: true},
		{name: "empty user", claims: map[string]json.RawMessage{"preferred_username": raw(`""`)}, wantErr: true},
		{name: "groups object", claims: map[string]json.RawMessage{"preferred_username": raw(`"a"`), "roles": raw(`{"x":1}`)}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := identityFromClaims(tt.claims, "preferred_username", "roles", "devenvs:")
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrInvalidCredentials) {
				t.Errorf("error %v does not wrap ErrInvalidCredentials", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
		})
	}
}
