package httpx

import (
	"encoding/json"
	"mime"
	"net/http"

	"knative.dev/pkg/apis"
)

// WriteJSON writes v as JSON with status. v is encoded before the header is sent, so an
// unencodable value becomes a clean 500 rather than a 200 with half a body.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body, _ = json.Marshal(ErrorBody{Status: status, Message: http.StatusText(status)})
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// RequireJSON refuses a request that carries a body, or is a POST, unless its Content-Type
// is application/json (415, naming the header). A browser sends JSON cross-site only after a
// CORS preflight the functions answer for their own origins alone, while an HTML form can
// post text/plain, urlencoded or multipart bodies from any site: with credentials the
// browser holds, that would be a cross-site request forgery.
func RequireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		}
		hasBody := r.ContentLength > 0 || (r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody)
		if hasBody || r.Method == http.MethodPost {
			mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if err != nil || mt != "application/json" {
				WriteError(w, r, http.StatusUnsupportedMediaType,
					apis.ErrInvalidValue(r.Header.Get("Content-Type"), "Content-Type", "must be application/json"))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
