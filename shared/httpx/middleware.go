package httpx

import (
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"
)

// DefaultMaxBodyBytes limits request bodies; environment specs are a few KiB, so 1 MiB only
// stops accidents and abuse.
const DefaultMaxBodyBytes = 1 << 20

// Options configures Chain.
type Options struct {
	// Logger writes access logs and errors; nil means JSON to stderr.
	Logger *logrus.Logger
	// AllowedOrigins are the exact origins (scheme://host[:port]) that may call from a
	// browser. "*" is refused: the functions act on behalf of a token holder, so which sites
	// may drive them is an explicit list.
	AllowedOrigins []string
	// AllowCredentials sends Access-Control-Allow-Credentials for allowed origins, needed only
	// if the UI sends cookies; bearer tokens in a header do not need it.
	AllowCredentials bool
	// AllowedMethods answer preflights; nil means GET, POST, DELETE, OPTIONS.
	AllowedMethods []string
	// MaxBodyBytes limits request bodies; 0 means DefaultMaxBodyBytes, negative means none.
	MaxBodyBytes int64
	// Metrics, when set, receives devenvs_http_requests_total by code and method.
	Metrics prometheus.Registerer
}

// NewLogger returns the JSON logger functions use, so log lines are machine-readable in any
// cluster log pipeline.
func NewLogger() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(os.Stderr)
	l.SetFormatter(&logrus.JSONFormatter{})
	return l
}

// Chain wraps h with, from the outside in: request id and request logger, request metrics,
// access log, CORS, panic recovery and a body size limit. Recovery sits inside the access log
// and CORS so a panic's 500 is both logged and readable by the browser.
func Chain(h http.Handler, opts Options) http.Handler {
	logger := opts.Logger
	if logger == nil {
		logger = NewLogger()
	}
	limit := opts.MaxBodyBytes
	if limit == 0 {
		limit = DefaultMaxBodyBytes
	}
	if limit > 0 {
		h = limitBody(h, limit)
	}
	h = recoverPanics(h)
	h = newCORS(opts, logger).wrap(h)
	h = accessLog(h)
	if opts.Metrics != nil {
		h = countRequests(h, opts.Metrics)
	}
	return withRequestID(h, logger)
}

// limitBody refuses declared-oversize bodies up front and caps the rest while they are read,
// so a handler decoding JSON gets an *http.MaxBytesError instead of buffering gigabytes.
func limitBody(next http.Handler, limit int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			WriteError(w, r, http.StatusRequestEntityTooLarge, &http.MaxBytesError{Limit: limit})
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}
