// Package auth answers who is calling and in which teams they may act.
//
// Callers present `Authorization: Bearer <token>`. The token is looked up in a token file
// (sha256 digests only, mounted from a Secret) and, if OIDC is configured and the token looks
// like a JWT, verified as an OIDC ID token whose groups claim maps to teams. The Alertmanager
// event source uses its own single shared token (StaticToken).
package auth
