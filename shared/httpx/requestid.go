package httpx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"
)

// HeaderRequestID carries the request id in and out.
const HeaderRequestID = "X-Request-Id"

type ctxKey struct{}

type requestInfo struct {
	id     string
	logger *logrus.Entry
	// user is who the request authenticated as (SetUser), for the access log.
	user atomic.Pointer[string]
}

// SetUser records who the request authenticated as, so the access log names them.
func SetUser(ctx context.Context, user string) {
	if ri, ok := ctx.Value(ctxKey{}).(*requestInfo); ok {
		ri.user.Store(&user)
	}
}

// RequestID returns the request's id, or "" outside Chain.
func RequestID(ctx context.Context) string {
	if ri, ok := ctx.Value(ctxKey{}).(*requestInfo); ok {
		return ri.id
	}
	return ""
}

// Logger returns a logger carrying the request id, so every line a handler logs can be found
// from the id in an error response. Outside Chain it returns the standard logger, never nil.
func Logger(ctx context.Context) *logrus.Entry {
	if ri, ok := ctx.Value(ctxKey{}).(*requestInfo); ok {
		return ri.logger
	}
	return logrus.NewEntry(logrus.StandardLogger())
}

// withRequestID reuses a caller's X-Request-Id (the UI or a proxy may have logged it already)
// when it is safe to log, and otherwise makes one; it echoes the id in the response.
func withRequestID(next http.Handler, logger *logrus.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(HeaderRequestID)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(HeaderRequestID, id)
		ri := &requestInfo{id: id, logger: logger.WithField("request_id", id)}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri)))
	})
}

// validRequestID accepts short ids of URL-safe characters; anything else from the outside is
// replaced so it cannot forge log lines or bloat them.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for _, c := range []byte(id) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':'
		if !ok {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms.
	return hex.EncodeToString(b)
}

// accessLog writes one JSON line per request after it completes.
func accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		fields := logrus.Fields{
			"method":      r.Method,
			"path":        r.URL.Path,
			"status":      sw.code(),
			"duration_ms": float64(time.Since(start).Microseconds()) / 1000,
		}
		if ri, ok := r.Context().Value(ctxKey{}).(*requestInfo); ok {
			if u := ri.user.Load(); u != nil {
				fields["user"] = *u
			}
		}
		Logger(r.Context()).WithFields(fields).Info("request")
	})
}

// statusWriter remembers the status sent, for the access log and for recovery to know
// whether a 500 can still be sent.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Flush keeps streaming responses working through the wrapper.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// code is the status the client saw; a handler that wrote nothing sent 200.
func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}
