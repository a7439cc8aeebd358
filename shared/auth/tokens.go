package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"

	"sigs.k8s.io/yaml"
)

// TokenEntry is one line of the token file. Only the sha256 of a token is stored, so the file
// (a Secret) and any copy of it do not grant access by themselves. A file is a YAML or JSON
// list of entries; generate a digest with `printf %s "$TOKEN" | sha256sum`:
//
//	[{user: alice, teams: [alpha], sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae}]
type TokenEntry struct {
	User   string   `json:"user"`
	Teams  []string `json:"teams"`
	SHA256 string   `json:"sha256"`
}

// TokenStore authenticates bearer tokens against digests from a token file.
type TokenStore struct {
	entries []tokenEntry
}

type tokenEntry struct {
	digest [sha256.Size]byte
	id     Identity
}

// HashToken returns the hex sha256 of token, the form the token file stores.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// LoadTokens reads a token file (YAML or JSON).
func LoadTokens(path string) (*TokenStore, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read token file: %w", err)
	}
	s, err := ParseTokens(data)
	if err != nil {
		return nil, fmt.Errorf("token file %s: %w", path, err)
	}
	return s, nil
}

// ParseTokens parses a YAML or JSON list of TokenEntry. Unknown keys are errors so a typo
// such as "sha265" fails at start-up instead of locking a user out silently.
func ParseTokens(data []byte) (*TokenStore, error) {
	var list []TokenEntry
	if err := yaml.UnmarshalStrict(data, &list); err != nil {
		return nil, fmt.Errorf("parse tokens: %w", err)
	}
	entries := make([]tokenEntry, 0, len(list))
	for i, e := range list {
		te, err := e.compile()
		if err != nil {
			return nil, fmt.Errorf("tokens[%d]: %w", i, err)
		}
		for _, prev := range entries {
			if prev.digest == te.digest {
				// Two users with one token would make the identity depend on file order.
				return nil, fmt.Errorf("tokens[%d]: sha256 already used by user %q", i, prev.id.User)
			}
		}
		entries = append(entries, te)
	}
	return &TokenStore{entries: entries}, nil
}

func (e TokenEntry) compile() (tokenEntry, error) {
	var te tokenEntry
	if e.User == "" {
		return te, errors.New("user: required")
	}
	if len(e.Teams) == 0 || slices.Contains(e.Teams, "") {
		return te, errors.New("teams: at least one non-empty team required")
	}
	raw, err := hex.DecodeString(e.SHA256)
	if err != nil || len(raw) != sha256.Size {
		return te, errors.New("sha256: must be 64 hex digits (the sha256 of the token, never the token)")
	}
	copy(te.digest[:], raw)
	te.id = Identity{User: e.User, Teams: slices.Clone(e.Teams)}
	return te, nil
}

// Lookup returns the identity whose digest matches token. Every entry is compared in constant
// time and the loop never exits early, so response time does not reveal which entry, or how
// much of a digest, matched.
func (s *TokenStore) Lookup(token string) (Identity, bool) {
	sum := sha256.Sum256([]byte(token))
	found := -1
	for i := range s.entries {
		if subtle.ConstantTimeCompare(sum[:], s.entries[i].digest[:]) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Identity{}, false
	}
	id := s.entries[found].id
	// Callers get their own Teams slice so nothing can edit the store through it.
	return Identity{User: id.User, Teams: slices.Clone(id.Teams)}, true
}

// Authenticate implements Authenticator.
func (s *TokenStore) Authenticate(r *http.Request) (Identity, error) {
	token, err := BearerToken(r)
	if err != nil {
		return Identity{}, err
	}
	id, ok := s.Lookup(token)
	if !ok {
		return Identity{}, fmt.Errorf("%w: unknown token", ErrInvalidCredentials)
	}
	return id, nil
}
