package auth

import (
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const (
	aliceToken = "alice-secret-token"
	bobToken   = "bob-secret-token"
)

var tokenFile = `
- user: alice
  teams: [alpha]
  sha256: ` + HashToken(aliceToken) + `
- user: bob
  teams: [beta, gamma]
  sha256: ` + HashToken(bobToken) + `
`

func TestHashToken(t *testing.T) {
	// sha256("foo") from any reference implementation (e.g. `printf foo | sha256sum`).
	const want = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae"
	if got := HashToken("foo"); got != want {
		t.Errorf("HashToken(foo) = %s, want %s", got, want)
	}
}

func TestTokenStoreAuthenticate(t *testing.T) {
	store, err := ParseTokens([]byte(tokenFile))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		header     string
		team       string // team the caller wants to act in
		want       Identity
		wantErr    error
		wantInTeam bool
	}{
		{name: "no header", wantErr: ErrNoCredentials},
		{name: "wrong scheme", header: "Token " + aliceToken, wantErr: ErrInvalidCredentials},
		{name: "basic without a password", header: "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:")), wantErr: ErrInvalidCredentials},
		{name: "basic that is not base64", header: "Basic " + aliceToken, wantErr: ErrInvalidCredentials},
		{name: "basic with the token as password", header: "Basic " + base64.StdEncoding.EncodeToString([]byte("anyone:"+aliceToken)), team: "alpha", want: Identity{User: "alice", Teams: []string{"alpha"}}, wantInTeam: true},
		{name: "scheme only", header: "Bearer", wantErr: ErrInvalidCredentials},
		{name: "empty token", header: "Bearer   ", wantErr: ErrInvalidCredentials},
		{name: "bad token", header: "Bearer nope", wantErr: ErrInvalidCredentials},
		{name: "digest presented as token", header: "Bearer " + HashToken(aliceToken), wantErr: ErrInvalidCredentials},
		{name: "good token", header: "Bearer " + aliceToken, team: "alpha", want: Identity{User: "alice", Teams: []string{"alpha"}}, wantInTeam: true},
		{name: "scheme is case-insensitive", header: "bearer " + bobToken, team: "gamma", want: Identity{User: "bob", Teams: []string{"beta", "gamma"}}, wantInTeam: true},
		{name: "token for other team", header: "Bearer " + aliceToken, team: "beta", want: Identity{User: "alice", Teams: []string{"alpha"}}, wantInTeam: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			if tt.header != "" {
				r.Header.Set("Authorization", tt.header)
			}
			got, err := store.Authenticate(r)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Authenticate error = %v, want %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("identity (-want +got):\n%s", diff)
			}
			if got.InTeam(tt.team) != tt.wantInTeam {
				t.Errorf("InTeam(%q) = %v, want %v", tt.team, !tt.wantInTeam, tt.wantInTeam)
			}
		})
	}
}

func TestParseTokens(t *testing.T) {
	digest := HashToken(aliceToken)
	tests := []struct {
		name    string
		data    string
		want    int // entries
		wantErr bool
	}{
		{name: "yaml", data: tokenFile, want: 2},
		{name: "json", data: `[{"user":"alice","teams":["alpha"],"sha256":"` + digest + `"}]`, want: 1},
		{name: "flow yaml as documented", data: `[{user: alice, teams: [alpha], sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}]`, want: 1},
		{name: "empty list", data: `[]`, want: 0},
		{name: "uppercase hex", data: `[{"user":"a","teams":["x"],"sha256":"2C26B46B68FFC68FF99B453C1D30413413422D706483BFA0F98A5E886266E7AE"}]`, want: 1},
		{name: "unknown key", data: `[{"user":"a","teams":["x"],"sha265":"` + digest + `"}]`, wantErr: true},
		{name: "plaintext token instead of digest", data: `[{"user":"a","teams":["x"],"sha256":"` + aliceToken + `"}]`, wantErr: true},
		{name: "short digest", data: `[{"user":"a","teams":["x"],"sha256":"abcd"}]`, wantErr: true},
		{name: "no user", data: `[{"teams":["x"],"sha256":"` + digest + `"}]`, wantErr: true},
		{name: "no teams", data: `[{"user":"a","sha256":"` + digest + `"}]`, wantErr: true},
		{name: "empty team", data: `[{"user":"a","teams":[""],"sha256":"` + digest + `"}]`, wantErr: true},
		{name: "same token twice", data: `[{"user":"a","teams":["x"],"sha256":"` + digest + `"},{"user":"b","teams":["y"],"sha256":"` + digest + `"}]`, wantErr: true},
		{name: "not a list", data: `user: alice`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseTokens([]byte(tt.data))
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseTokens error = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && len(s.entries) != tt.want {
				t.Errorf("entries = %d, want %d", len(s.entries), tt.want)
			}
		})
	}
}

func TestLoadTokens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	if err := os.WriteFile(path, []byte(tokenFile), 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := LoadTokens(path)
	if err != nil {
		t.Fatalf("LoadTokens: %v", err)
	}
	if id, ok := s.Lookup(bobToken); !ok || id.User != "bob" {
		t.Errorf("Lookup(bob) = %+v, %v", id, ok)
	}
	if _, err := LoadTokens(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadTokens(missing) error = %v, want ErrNotExist", err)
	}
}

func TestLookupReturnsCopy(t *testing.T) {
	s, _ := ParseTokens([]byte(tokenFile))
	id, _ := s.Lookup(aliceToken)
	id.Teams[0] = "beta"
	again, _ := s.Lookup(aliceToken)
	if diff := cmp.Diff([]string{"alpha"}, again.Teams); diff != "" {
		t.Errorf("store changed through a returned identity (-want +got):\n%s", diff)
	}
}

func TestDevTokens(t *testing.T) {
	s, token := DevTokens()
	if token != "devenvs-local-dev-token" {
		t.Errorf("dev token = %q", token)
	}
	id, ok := s.Lookup(token)
	if diff := cmp.Diff(Identity{User: "dev", Teams: []string{"alpha", "beta"}}, id); !ok || diff != "" {
		t.Errorf("Lookup(dev token) ok=%v (-want +got):\n%s", ok, diff)
	}
	if _, ok := s.Lookup(aliceToken); ok {
		t.Error("dev store accepted a non-dev token")
	}
}

// TestBasicRefusedFromBrowsers is issue 14 item 10: a browser resends cached Basic
// credentials on any request to the origin, cross-site forms included, so Basic is accepted
// only from tools (func invoke, curl), never from a request carrying Fetch Metadata.
func TestBasicRefusedFromBrowsers(t *testing.T) {
	store, err := ParseTokens([]byte(tokenFile))
	if err != nil {
		t.Fatal(err)
	}
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("anyone:"+aliceToken))
	for _, tc := range []struct {
		name    string
		headers map[string]string
		ok      bool
	}{
		{"Basic from a tool", map[string]string{"Authorization": basic}, true},
		{"Basic from a cross-site form", map[string]string{"Authorization": basic, "Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "navigate"}, false},
		{"Basic from the same site", map[string]string{"Authorization": basic, "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}, false},
		{"Bearer from the UI", map[string]string{"Authorization": "Bearer " + aliceToken, "Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}, true},
	} {
		r := httptest.NewRequest("POST", "/", nil)
		for k, v := range tc.headers {
			r.Header.Set(k, v)
		}
		_, err := store.Authenticate(r)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalidCredentials)) {
			t.Errorf("%s: %v, want accepted %v", tc.name, err, tc.ok)
		}
	}
}
