package auth

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// Environment variables read by FromEnv.
const (
	// EnvTokensFile is the path of the token file, typically a mounted Secret.
	EnvTokensFile = "DEVENVS_TOKENS_FILE"
	// EnvDevTokens set to "true" accepts DevToken. Local clusters only.
	EnvDevTokens = "DEVENVS_DEV_TOKENS"
	// EnvOIDCIssuer enables OIDC when set; the other EnvOIDC* refine it.
	EnvOIDCIssuer      = "DEVENVS_OIDC_ISSUER"
	EnvOIDCClientID    = "DEVENVS_OIDC_CLIENT_ID"
	EnvOIDCUserClaim   = "DEVENVS_OIDC_USER_CLAIM"
	EnvOIDCGroupsClaim = "DEVENVS_OIDC_GROUPS_CLAIM"
	// EnvOIDCGroupPrefix defaults to DefaultGroupPrefix when unset; set it empty to map
	// groups to teams verbatim.
	EnvOIDCGroupPrefix = "DEVENVS_OIDC_GROUP_PREFIX"
)

// ErrNotConfigured means no credential source is configured, so nobody could ever log in.
var ErrNotConfigured = errors.New("no authentication configured: set " + EnvTokensFile + ", " + EnvOIDCIssuer + " or (locally) " + EnvDevTokens + "=true")

// FromEnv builds the functions' Authenticator from the environment: token file, then dev
// token, then OIDC. lookup is os.LookupEnv in production and a map in tests. No network call
// is made here.
func FromEnv(lookup func(string) (string, bool)) (Authenticator, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var chain Chain
	if path, _ := lookup(EnvTokensFile); path != "" {
		s, err := LoadTokens(path)
		if err != nil {
			return nil, err
		}
		chain = append(chain, s)
	}
	if v, ok := lookup(EnvDevTokens); ok {
		dev, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: %w", EnvDevTokens, v, err)
		}
		if dev {
			// The dev token is public (it is in the source): never inside a cluster, where
			// anyone who can reach a function could use it. Asked of the process itself, not
			// of lookup, so no configuration can talk it away.
			inCluster := os.Getenv("KUBERNETES_SERVICE_HOST") != ""
			if host, _ := lookup("KUBERNETES_SERVICE_HOST"); host != "" {
				inCluster = true
			}
			if inCluster {
				return nil, fmt.Errorf("%s=true is refused inside a Kubernetes cluster (KUBERNETES_SERVICE_HOST is set): the dev token is public; use %s or %s", EnvDevTokens, EnvTokensFile, EnvOIDCIssuer)
			}
			s, _ := DevTokens()
			chain = append(chain, s)
		}
	}
	if issuer, _ := lookup(EnvOIDCIssuer); issuer != "" {
		cfg := OIDCConfig{IssuerURL: issuer, GroupPrefix: DefaultGroupPrefix}
		cfg.ClientID, _ = lookup(EnvOIDCClientID)
		cfg.UserClaim, _ = lookup(EnvOIDCUserClaim)
		cfg.GroupsClaim, _ = lookup(EnvOIDCGroupsClaim)
		if p, ok := lookup(EnvOIDCGroupPrefix); ok {
			cfg.GroupPrefix = p
		}
		o, err := NewOIDC(cfg)
		if err != nil {
			return nil, err
		}
		chain = append(chain, o)
	}
	if len(chain) == 0 {
		return nil, ErrNotConfigured
	}
	return chain, nil
}

// Warnings lists what in a's configuration is allowed but risky (see OIDC.Warnings), for
// the function to log loudly at start.
func Warnings(a Authenticator) []string {
	var out []string
	switch v := a.(type) {
	case Chain:
		for _, c := range v {
			out = append(out, Warnings(c)...)
		}
	case *OIDC:
		out = append(out, v.Warnings()...)
	}
	return out
}
