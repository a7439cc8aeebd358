package auth

import (
	"fmt"
	"net/http"
	"strings"
)

// BearerToken extracts the token of an `Authorization: Bearer <token>` header. The scheme is
// case-insensitive (RFC 7235).
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", ErrNoCredentials
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: authorization scheme must be Bearer", ErrInvalidCredentials)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", fmt.Errorf("%w: empty bearer token", ErrInvalidCredentials)
	}
	return token, nil
}
