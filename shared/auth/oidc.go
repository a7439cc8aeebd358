package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/sync/singleflight"
)

// Defaults for OIDC.
const (
	DefaultUserClaim   = "sub"
	DefaultGroupsClaim = "groups"
	// DefaultGroupPrefix marks the IdP groups that are devenvs teams: "devenvs:alpha" is team
	// alpha; groups without the prefix are ignored.
	DefaultGroupPrefix = "devenvs:"
)

// OIDCConfig configures ID-token verification.
type OIDCConfig struct {
	// IssuerURL is the issuer; discovery is fetched from <issuer>/.well-known/openid-configuration.
	IssuerURL string
	// ClientID is the audience the token must carry.
	ClientID string
	// UserClaim names the claim used as Identity.User; "" means DefaultUserClaim. "sub" is
	// the default because it is the only claim every IdP guarantees to be stable and unique.
	UserClaim string
	// GroupsClaim names the claim listing the caller's groups; "" means DefaultGroupsClaim.
	GroupsClaim string
	// GroupPrefix selects and strips the groups that are teams. Used as given: "" maps every
	// group to a team of the same name.
	GroupPrefix string
	// HTTPClient fetches discovery and keys; nil means a client with a 5s timeout.
	HTTPClient *http.Client
}

// discoveryRetryAfter is how long a failed discovery is remembered: requests meanwhile are
// answered at once (503) instead of each waiting for an issuer that is down.
const discoveryRetryAfter = 5 * time.Second

// OIDC verifies OIDC ID tokens. It is built without any network call; discovery happens on
// the first token and its result is cached, because functions scale to zero and must start
// fast, and most requests of a local setup never use OIDC at all.
type OIDC struct {
	cfg OIDCConfig
	// now is the clock of the negative cache; tests replace it.
	now func() time.Time

	// discovery makes concurrent first requests share one discovery instead of queueing
	// for their own, one after the other, while the issuer is slow or down.
	discovery singleflight.Group

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	// failed and failedAt remember the last failed discovery (a short negative cache).
	failed   error
	failedAt time.Time
}

// NewOIDC checks cfg and returns a verifier that has not yet contacted the issuer.
func NewOIDC(cfg OIDCConfig) (*OIDC, error) {
	u, err := url.Parse(cfg.IssuerURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("oidc issuer %q: must be an absolute http(s) URL", cfg.IssuerURL)
	}
	// Discovery and keys over plain HTTP could be replaced on the way, and with them every
	// identity: only a loopback issuer (a test, a local IdP) may use http.
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("oidc issuer %q: must be https (http is allowed for a loopback issuer only)", cfg.IssuerURL)
	}
	if cfg.ClientID == "" {
		return nil, errors.New("oidc client id: required, tokens minted for other clients must not be accepted")
	}
	if cfg.UserClaim == "" {
		cfg.UserClaim = DefaultUserClaim
	}
	if cfg.GroupsClaim == "" {
		cfg.GroupsClaim = DefaultGroupsClaim
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	return &OIDC{cfg: cfg, now: time.Now}, nil
}

// isLoopback reports whether host names this machine.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Warnings lists what in the configuration is allowed but risky, for the function to log
// loudly at start.
func (o *OIDC) Warnings() []string {
	if o.cfg.GroupPrefix == "" {
		return []string{"OIDC group prefix is empty: EVERY group of the identity provider (e.g. \"staff\", \"everyone\") " +
			"is taken as a devenvs team of the same name; set " + OIDCGroupPrefixVar + " unless that is what you want"}
	}
	return nil
}

// verifierFor returns the cached verifier, running discovery on first use. Concurrent first
// requests share one discovery (singleflight), each waiting only as long as its own context
// allows; the discovery itself is bounded by the HTTP client's timeout, not by the request
// that happened to start it. A failed discovery is remembered for discoveryRetryAfter, so
// while the issuer is down requests fail at once rather than queue; after that the next
// request tries again.
func (o *OIDC) verifierFor(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	v, failed, failedAt := o.verifier, o.failed, o.failedAt
	o.mu.Unlock()
	if v != nil {
		return v, nil
	}
	if failed != nil && o.now().Sub(failedAt) < discoveryRetryAfter {
		return nil, failed
	}
	ch := o.discovery.DoChan("discovery", func() (any, error) {
		p, err := oidc.NewProvider(oidc.ClientContext(context.Background(), o.cfg.HTTPClient), o.cfg.IssuerURL)
		o.mu.Lock()
		defer o.mu.Unlock()
		if err != nil {
			o.failed, o.failedAt = fmt.Errorf("oidc discovery for %s: %w", o.cfg.IssuerURL, err), o.now()
			return nil, o.failed
		}
		// Verifier (not VerifierContext) keys the JWKS cache to a background context with
		// our client, so one cancelled request cannot break key refreshes for later ones.
		o.verifier, o.failed = p.Verifier(&oidc.Config{ClientID: o.cfg.ClientID}), nil
		return o.verifier, nil
	})
	select {
	case <-ctx.Done():
		return nil, fmt.Errorf("oidc discovery for %s: %w", o.cfg.IssuerURL, ctx.Err())
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*oidc.IDTokenVerifier), nil
	}
}

// Verify checks raw as an ID token and maps its claims to an Identity. Signature, issuer,
// audience or expiry failures wrap ErrInvalidCredentials; an unreachable issuer does not, so
// callers answer 503 rather than telling a valid user their token is bad.
func (o *OIDC) Verify(ctx context.Context, raw string) (Identity, error) {
	v, err := o.verifierFor(ctx)
	if err != nil {
		return Identity{}, err
	}
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrInvalidCredentials, err)
	}
	var claims map[string]json.RawMessage
	if err := tok.Claims(&claims); err != nil {
		return Identity{}, fmt.Errorf("%w: claims: %w", ErrInvalidCredentials, err)
	}
	return identityFromClaims(claims, o.cfg.UserClaim, o.cfg.GroupsClaim, o.cfg.GroupPrefix)
}

// Authenticate implements Authenticator. Tokens that are not JWTs are refused without any
// network call, so an opaque token that missed the token file costs nothing here.
func (o *OIDC) Authenticate(r *http.Request) (Identity, error) {
	token, err := BearerToken(r)
	if err != nil {
		return Identity{}, err
	}
	if strings.Count(token, ".") != 2 {
		return Identity{}, fmt.Errorf("%w: unknown token", ErrInvalidCredentials)
	}
	return o.Verify(r.Context(), token)
}

// identityFromClaims is pure so the claim mapping is testable without an issuer.
func identityFromClaims(claims map[string]json.RawMessage, userClaim, groupsClaim, prefix string) (Identity, error) {
	var user string
	if err := json.Unmarshal(claims[userClaim], &user); err != nil || user == "" {
		return Identity{}, fmt.Errorf("%w: token has no string %q claim", ErrInvalidCredentials, userClaim)
	}
	// Anyone can put any address in an IdP profile; an unverified one would let them act as
	// its owner.
	if userClaim == "email" {
		var verified bool
		if err := json.Unmarshal(claims["email_verified"], &verified); err != nil || !verified {
			return Identity{}, fmt.Errorf("%w: the email claim is not verified (email_verified is not true)", ErrInvalidCredentials)
		}
	}
	groups, err := stringList(claims[groupsClaim])
	if err != nil {
		return Identity{}, fmt.Errorf("%w: claim %q: %w", ErrInvalidCredentials, groupsClaim, err)
	}
	return Identity{User: user, Teams: TeamsFromGroups(groups, prefix)}, nil
}

// stringList accepts a list of strings, a single string (some IdPs collapse one-element
// lists) or nothing.
func stringList(raw json.RawMessage) ([]string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	var one string
	if err := json.Unmarshal(raw, &one); err != nil {
		return nil, errors.New("must be a string or a list of strings")
	}
	return []string{one}, nil
}

// TeamsFromGroups maps IdP groups to teams: groups starting with prefix become the team named
// by the rest, others are ignored. The result is sorted and without duplicates.
func TeamsFromGroups(groups []string, prefix string) []string {
	teams := []string{}
	for _, g := range groups {
		team, ok := strings.CutPrefix(g, prefix)
		if ok && team != "" {
			teams = append(teams, team)
		}
	}
	slices.Sort(teams)
	return slices.Compact(teams)
}
