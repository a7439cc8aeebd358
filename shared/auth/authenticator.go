package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
)

// Authenticator identifies the caller of a request.
type Authenticator interface {
	// Authenticate returns the caller, or an error wrapping ErrNoCredentials or
	// ErrInvalidCredentials (answer 401), or another error when a dependency such as the
	// OIDC issuer is unreachable (answer 5xx).
	Authenticate(r *http.Request) (Identity, error)
}

// Chain tries each Authenticator in order and returns the first identity. Order matters for
// cost: put the token file first so the common case never touches the network.
type Chain []Authenticator

// Authenticate implements Authenticator. A rejection moves on to the next authenticator; any
// other error stops the chain, because it says nothing about the credentials. When all
// reject, the last rejection is returned as the most specific one.
func (c Chain) Authenticate(r *http.Request) (Identity, error) {
	err := ErrNoCredentials
	for _, a := range c {
		id, aerr := a.Authenticate(r)
		switch {
		case aerr == nil:
			return id, nil
		case errors.Is(aerr, ErrNoCredentials):
		case errors.Is(aerr, ErrInvalidCredentials):
			err = aerr
		default:
			return Identity{}, aerr
		}
	}
	return Identity{}, err
}

// Static checks one shared bearer token, as sent by the Alertmanager webhook to its event
// source. It grants no identity: the only question is whether the caller holds the token.
type Static struct {
	digest [sha256.Size]byte
	empty  bool
}

// StaticToken returns a checker for token. An empty token rejects everything, so a missing
// Secret fails closed instead of opening the endpoint.
func StaticToken(token string) *Static {
	return &Static{digest: sha256.Sum256([]byte(token)), empty: token == ""}
}

// Check returns nil when r carries `Authorization: Bearer <token>`. Both sides are hashed
// before the constant-time compare so the token's length does not leak through timing.
func (s *Static) Check(r *http.Request) error {
	token, err := BearerToken(r)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(token))
	if s.empty || subtle.ConstantTimeCompare(sum[:], s.digest[:]) != 1 {
		return fmt.Errorf("%w: wrong token", ErrInvalidCredentials)
	}
	return nil
}
