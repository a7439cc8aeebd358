package httpx

import (
	"errors"
	"net/http"
	"strings"

	"github.com/sirupsen/logrus"
)

// AllowedOriginsVar is the setting (environment variable) listing, comma-separated, the
// browser origins allowed by CORS.
const AllowedOriginsVar = "DEVENVS_ALLOWED_ORIGINS"

// OriginsFromSettings reads AllowedOriginsVar.
func OriginsFromSettings(settings map[string]string) []string {
	var out []string
	for _, o := range strings.Split(settings[AllowedOriginsVar], ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// corsPolicy answers browsers for the configured origins only.
type corsPolicy struct {
	origins     map[string]bool
	methods     string
	credentials bool
}

// allowedHeaders are the request headers the UI sends: the bearer token, JSON bodies and an
// optional request id of its own.
const allowedHeaders = "Authorization, Content-Type, " + HeaderRequestID

func newCORS(opts Options, logger *logrus.Logger) *corsPolicy {
	c := &corsPolicy{origins: map[string]bool{}, credentials: opts.AllowCredentials}
	for _, o := range opts.AllowedOrigins {
		if o == "*" {
			logger.Warn(`CORS: ignoring allowed origin "*"; list the UI's origins explicitly`)
			continue
		}
		c.origins[strings.TrimSuffix(o, "/")] = true
	}
	methods := opts.AllowedMethods
	if methods == nil {
		methods = []string{http.MethodGet, http.MethodPost, http.MethodDelete, http.MethodOptions}
	}
	c.methods = strings.Join(methods, ", ")
	return c
}

func (c *corsPolicy) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		preflight := r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != ""
		h := w.Header()
		// The response depends on Origin, so caches must not serve one origin's answer to
		// another, including the answer without CORS headers.
		h.Add("Vary", "Origin")
		if preflight {
			h.Add("Vary", "Access-Control-Request-Method")
			h.Add("Vary", "Access-Control-Request-Headers")
		}
		allowed := origin != "" && c.origins[origin]
		if allowed {
			h.Set("Access-Control-Allow-Origin", origin)
			h.Set("Access-Control-Expose-Headers", HeaderRequestID)
			if c.credentials {
				h.Set("Access-Control-Allow-Credentials", "true")
			}
		}
		if !preflight {
			// Requests from other origins still run (curl, kn func invoke, same origin send
			// no or any Origin); without CORS headers the browser hides the answer, and with
			// bearer tokens a foreign page has no credentials to misuse anyway.
			next.ServeHTTP(w, r)
			return
		}
		if !allowed {
			WriteError(w, r, http.StatusForbidden, errors.New("origin not allowed"))
			return
		}
		h.Set("Access-Control-Allow-Methods", c.methods)
		h.Set("Access-Control-Allow-Headers", allowedHeaders)
		h.Set("Access-Control-Max-Age", "600")
		w.WriteHeader(http.StatusNoContent)
	})
}
