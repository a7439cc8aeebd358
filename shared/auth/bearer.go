package auth

import (
	"fmt"
	"net/http"
	"strings"
)

// fromBrowser reports whether r comes from a web browser: every current browser sends the
// Fetch Metadata headers, and no tool that puts a token in a URL (func invoke, curl) does.
func fromBrowser(r *http.Request) bool {
	return r.Header.Get("Sec-Fetch-Mode") != "" || r.Header.Get("Sec-Fetch-Site") != ""
}

// BearerToken extracts the token of an `Authorization: Bearer <token>` header. The scheme is
// case-insensitive (RFC 7235).
//
// HTTP Basic with the token as the password (any user name) is accepted too, the way git
// hosts accept tokens: it lets clients that can only put credentials in a URL, such as
// `func invoke --target http://dev:TOKEN@host/`, or `curl -u dev:TOKEN`, authenticate.
func BearerToken(r *http.Request) (string, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return "", ErrNoCredentials
	}
	scheme, token, ok := strings.Cut(h, " ")
	if ok && strings.EqualFold(scheme, "Basic") && fromBrowser(r) {
		// A browser resends Basic credentials it has cached on any request to the origin,
		// cross-site forms included; a bearer token it never sends by itself.
		return "", fmt.Errorf("%w: HTTP Basic is not accepted from a browser (it resends cached Basic credentials cross-site): send Authorization: Bearer", ErrInvalidCredentials)
	}
	if ok && strings.EqualFold(scheme, "Basic") {
		if _, password, ok := r.BasicAuth(); ok && password != "" {
			return password, nil
		}
		return "", fmt.Errorf("%w: basic credentials must carry the token as the password", ErrInvalidCredentials)
	}
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", fmt.Errorf("%w: authorization scheme must be Bearer (or Basic with the token as password)", ErrInvalidCredentials)
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return "", fmt.Errorf("%w: empty bearer token", ErrInvalidCredentials)
	}
	return token, nil
}
