package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/sirupsen/logrus"
)

// recoverPanics turns a handler panic into a logged 500 JSON response. net/http would also
// survive the panic, but it drops the connection without a response, which the UI shows as a
// network error with no request id to look up.
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			p := recover()
			if p == nil {
				return
			}
			if err, ok := p.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				// The documented way to abort a response; let net/http handle it quietly.
				panic(p)
			}
			Logger(r.Context()).WithFields(logrus.Fields{
				"panic": fmt.Sprint(p),
				"stack": string(debug.Stack()),
			}).Error("handler panicked")
			if sw.status != 0 {
				// Headers are gone; the best left is to cut the response short.
				panic(http.ErrAbortHandler)
			}
			WriteJSON(sw, http.StatusInternalServerError, ErrorBody{
				Status:    http.StatusInternalServerError,
				Message:   http.StatusText(http.StatusInternalServerError),
				RequestID: RequestID(r.Context()),
			})
		}()
		next.ServeHTTP(sw, r)
	})
}
