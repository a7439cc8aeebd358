package auth

import "errors"

// Sentinel errors; callers match them with errors.Is to choose 401 over 5xx.
var (
	// ErrNoCredentials means the request carried no Authorization header.
	ErrNoCredentials = errors.New("no credentials")
	// ErrInvalidCredentials means credentials were presented but not accepted: wrong scheme,
	// unknown token, bad signature, expired.
	ErrInvalidCredentials = errors.New("invalid credentials")
)
