package listenvs

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"

	"knative.dev/pkg/apis"

	"github.com/devenvs/devenvs/shared/jsonx"
)

const (
	// DefaultLimit is how many environments one call returns when the caller does not say:
	// a page keeps every call's cost bounded (three API requests per team it touches, each
	// reading at most a page of objects), however many environments a team has.
	DefaultLimit = 500
	// MaxLimit bounds what a caller may ask for in one call.
	MaxLimit = 1000
)

// cursor is where the next page starts: a team, and the apiserver's continue token within
// that team's namespace ("" for the team's first object).
type cursor struct {
	Team     string `json:"team"`
	Continue string `json:"continue,omitempty"`
}

// encode makes the opaque token a response's "continue" carries.
func (c cursor) encode() string {
	b, _ := json.Marshal(c) // a struct of two strings always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// parsePage reads the limit and continue query parameters.
func parsePage(q url.Values) (int64, cursor, *apis.FieldError) {
	limit := int64(DefaultLimit)
	if v := q.Get("limit"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 || n > MaxLimit {
			return 0, cursor{}, apis.ErrInvalidValue(v, "limit", "must be a whole number from 1 to "+strconv.Itoa(MaxLimit))
		}
		limit = n
	}
	var c cursor
	if v := q.Get("continue"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || jsonx.CheckDuplicateKeys(b) != nil || json.Unmarshal(b, &c) != nil || c.Team == "" {
			return 0, cursor{}, apis.ErrInvalidValue(v, "continue", "not a token from an earlier response")
		}
	}
	return limit, c, nil
}
