package auth

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/devenvs/devenvs/shared/httpx"
)

// WriteError answers a failed Authenticator: 401 with a Bearer challenge (RFC 6750)
// for missing or rejected credentials, 503 when the check itself could not run (e.g. the
// OIDC issuer is unreachable), so a valid user is not told their token is bad.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, ErrNoCredentials):
		w.Header().Set("WWW-Authenticate", `Bearer realm="devenvs"`)
		httpx.WriteError(w, r, http.StatusUnauthorized, errors.New("authentication required: send Authorization: Bearer <token>"))
	case errors.Is(err, ErrInvalidCredentials):
		w.Header().Set("WWW-Authenticate", `Bearer realm="devenvs", error="invalid_token"`)
		httpx.WriteError(w, r, http.StatusUnauthorized, err)
	default:
		httpx.WriteError(w, r, http.StatusServiceUnavailable, fmt.Errorf("authenticate: %w", err))
	}
}

// WriteForbidden answers an authenticated caller acting outside its teams, naming the team
// so the user knows which membership is missing.
func WriteForbidden(w http.ResponseWriter, r *http.Request, team string) {
	httpx.WriteError(w, r, http.StatusForbidden, fmt.Errorf("not a member of team %q", team))
}
