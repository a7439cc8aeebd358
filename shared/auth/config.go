package auth

import (
	"errors"
	"fmt"
	"os"
	"strconv"
)

// Environment variables read by FromEnv.
const (
	// TokensFileVar is the path of the token file, typically a mounted Secret.
	TokensFileVar = "DEVENVS_TOKENS_FILE"
	// DevTokensVar set to "true" accepts DevToken. Local clusters only.
	DevTokensVar = "DEVENVS_DEV_TOKENS"
	// OIDCIssuerVar enables OIDC when set; the other EnvOIDC* refine it.
	OIDCIssuerVar      = "DEVENVS_OIDC_ISSUER"
	OIDCClientIDVar    = "DEVENVS_OIDC_CLIENT_ID"
	OIDCUserClaimVar   = "DEVENVS_OIDC_USER_CLAIM"
	OIDCGroupsClaimVar = "DEVENVS_OIDC_GROUPS_CLAIM"
	// OIDCGroupPrefixVar defaults to DefaultGroupPrefix when unset; set it empty to map
	// groups to teams verbatim.
	OIDCGroupPrefixVar = "DEVENVS_OIDC_GROUP_PREFIX"
)

// ErrNotConfigured means no credential source is configured, so nobody could ever log in.
var ErrNotConfigured = errors.New("no authentication configured: set " + TokensFileVar + ", " + OIDCIssuerVar + " or (locally) " + DevTokensVar + "=true")

// FromEnv builds the functions' Authenticator from the environment: token file, then dev
// token, then OIDC. lookup is os.LookupEnv in production and a map in tests. No network call
// is made here.
func FromEnv(lookup func(string) (string, bool)) (Authenticator, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var chain Chain
	if path, _ := lookup(TokensFileVar); path != "" {
		s, err := LoadTokens(path)
		if err != nil {
			return nil, err
		}
		chain = append(chain, s)
	}
	if v, ok := lookup(DevTokensVar); ok {
		dev, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: %w", DevTokensVar, v, err)
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
				return nil, fmt.Errorf("%s=true is refused inside a Kubernetes cluster (KUBERNETES_SERVICE_HOST is set): the dev token is public; use %s or %s", DevTokensVar, TokensFileVar, OIDCIssuerVar)
			}
			s, _ := DevTokens()
			chain = append(chain, s)
		}
	}
	if issuer, _ := lookup(OIDCIssuerVar); issuer != "" {
		cfg := OIDCConfig{IssuerURL: issuer, GroupPrefix: DefaultGroupPrefix}
		cfg.ClientID, _ = lookup(OIDCClientIDVar)
		cfg.UserClaim, _ = lookup(OIDCUserClaimVar)
		cfg.GroupsClaim, _ = lookup(OIDCGroupsClaimVar)
		if p, ok := lookup(OIDCGroupPrefixVar); ok {
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
