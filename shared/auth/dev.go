package auth

import "crypto/sha256"

// DevToken is the well-known bearer token of `make dev`. It is public (it is in this source
// file), so it is for a local cluster only: never enable DevTokens where anyone else can
// reach the functions.
const DevToken = "devenvs-local-dev-token"

// DevUser is the user DevToken authenticates as; it belongs to teams alpha and beta, the
// teams of the local demo configuration.
const DevUser = "dev"

// DevTokens returns a store accepting only DevToken, and the token itself, so `make dev` can
// print it and the UI can pre-fill it. For local use only.
func DevTokens() (*TokenStore, string) {
	s := &TokenStore{entries: []tokenEntry{{
		digest: sha256.Sum256([]byte(DevToken)),
		id:     Identity{User: DevUser, Teams: []string{"alpha", "beta"}},
	}}}
	return s, DevToken
}
