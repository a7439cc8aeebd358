package eventfn

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/devenvs/devenvs/shared/auth"
)

// Events are authenticated with a shared secret because "cluster-local" is no boundary: every
// developer has a shell in a pod of the cluster and could otherwise post a forged
// dev.devenvs.alert.firing that stops another team's environment. The real senders (the
// alert source, whose events the Broker forwards, and the PingSource) carry the secret as a
// CloudEvents extension attribute, because a Broker forwards extensions but not arbitrary HTTP
// headers; in binary content mode, which the Broker and the PingSource use, the extension is
// the header ce-devenvstoken, so it is checked before the body is read.
//
// Knative Eventing's own sender identity (OIDC and EventPolicy) and the chart's NetworkPolicy
// are stronger where available; this secret is the boundary that holds everywhere.
const (
	// TokenVar names the setting (an environment variable from a Secret) holding the secret.
	TokenVar = "DEVENVS_EVENT_TOKEN"
	// TokenExtension is the CloudEvents extension attribute that carries the secret.
	TokenExtension = "devenvstoken"
	// tokenHeader is TokenExtension in binary content mode.
	tokenHeader = "Ce-" + TokenExtension
)

// Token checks the shared event secret.
type Token struct {
	digest [sha256.Size]byte
}

// TokenFromConfig reads the secret from cfg[TokenVar]. A missing secret is an error, so a
// function without one fails to start instead of taking events from anyone.
func TokenFromConfig(cfg map[string]string) (*Token, error) {
	// Trimmed: a secret file often ends in a newline, and senders trim the same way.
	secret := strings.TrimSpace(cfg[TokenVar])
	if secret == "" {
		return nil, fmt.Errorf("%s is not set: mount the event secret (Secret devenvs-events, key token)", TokenVar)
	}
	return &Token{digest: sha256.Sum256([]byte(secret))}, nil
}

// Sign puts secret on e for the receiving Handler. Senders (the alert source) call it on
// every event; an empty secret leaves e unsigned.
func Sign(e *event.Event, secret string) {
	if secret = strings.TrimSpace(secret); secret != "" {
		e.SetExtension(TokenExtension, secret)
	}
}

// check authenticates r before its body is read: 401 when it carries no secret, 403 when the
// secret is wrong. The secret is read from the ce-devenvstoken header (binary content mode,
// what a Broker and a PingSource send), else from Authorization (Bearer, or Basic with the
// secret as the password), which lets `func invoke --target http://x:SECRET@host/` and curl
// send events by hand. Both sides are hashed before the constant-time compare, so the
// secret's length does not leak through timing either.
func (t *Token) check(r *http.Request) (int, error) {
	if t == nil {
		return http.StatusForbidden, errors.New("no event secret is configured: every event is refused")
	}
	secret := strings.TrimSpace(r.Header.Get(tokenHeader))
	if secret == "" {
		var err error
		secret, err = auth.BearerToken(r)
		switch {
		case errors.Is(err, auth.ErrNoCredentials):
			return http.StatusUnauthorized, fmt.Errorf("event not authenticated: send the event secret as the CloudEvents extension %q "+
				"(header %s in binary content mode) or as Authorization: Bearer", TokenExtension, tokenHeader)
		case err != nil:
			return http.StatusUnauthorized, fmt.Errorf("event not authenticated: %w", err)
		}
	}
	sum := sha256.Sum256([]byte(secret))
	if subtle.ConstantTimeCompare(sum[:], t.digest[:]) != 1 {
		return http.StatusForbidden, fmt.Errorf("wrong event secret in %s", TokenExtension)
	}
	return 0, nil
}
