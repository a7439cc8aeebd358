package httpx

import (
	"encoding/json"
	"net/http"
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
