package httpx

import (
	"errors"
	"fmt"
	"net/http"

	"knative.dev/pkg/apis"
)

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Status    int            `json:"status"`
	Message   string         `json:"message"`
	Fields    []FieldProblem `json:"fields,omitempty"`
	RequestID string         `json:"requestId,omitempty"`
}

// FieldProblem is one invalid field, named by its path in the request (e.g. sshPublicKeys[1]).
type FieldProblem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
	Details string `json:"details,omitempty"`
}

// WriteError writes err as an ErrorBody with status. When err is or wraps an
// *apis.FieldError, every field it names becomes an entry of Fields. Messages of 5xx errors
// are replaced by the status text and the real error is logged instead, so internals (API
// server URLs, Redis addresses) never reach the browser; the request id ties the two together.
func WriteError(w http.ResponseWriter, r *http.Request, status int, err error) {
	body := ErrorBody{Status: status, Message: http.StatusText(status), RequestID: RequestID(r.Context())}
	switch {
	case status >= 500:
		Logger(r.Context()).WithError(err).WithField("status", status).Error("request failed")
	case err != nil:
		var fe *apis.FieldError
		if errors.As(err, &fe) {
			body.Fields = FieldProblems(fe)
		}
		body.Message = summary(err, body.Fields)
	}
	WriteJSON(w, status, body)
}

// FieldProblems flattens fe into one entry per path. apis.FieldError merges errors with the
// same message into one entry with several paths; splitting them again lets the UI put each
// message next to its own input.
func FieldProblems(fe *apis.FieldError) []FieldProblem {
	var out []FieldProblem
	for _, e := range fe.WrappedErrors() {
		paths := e.Paths
		if len(paths) == 0 {
			paths = []string{apis.CurrentField}
		}
		for _, p := range paths {
			out = append(out, FieldProblem{Path: p, Message: e.Message, Details: e.Details})
		}
	}
	return out
}

// summary is the one-line message shown when the UI has room for only one: the first field
// problem, since FieldError.Error() spans lines and repeats every field.
func summary(err error, fields []FieldProblem) string {
	if len(fields) == 0 {
		return err.Error()
	}
	msg := fields[0].Message
	if fields[0].Path != apis.CurrentField {
		msg = fields[0].Path + ": " + msg
	}
	if len(fields) > 1 {
		msg += fmt.Sprintf(" (and %d more)", len(fields)-1)
	}
	return msg
}
