package httpx

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// AllowMethods answers 405 (with Allow, naming the methods) to a request whose method is not
// one of methods, so handlers never check the method themselves.
func AllowMethods(next http.Handler, methods ...string) http.Handler {
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !slices.Contains(methods, r.Method) {
			w.Header().Set("Allow", allow)
			WriteError(w, r, http.StatusMethodNotAllowed, fmt.Errorf("method %s not allowed: use %s", r.Method, strings.Join(methods, " or ")))
			return
		}
		next.ServeHTTP(w, r)
	})
}
