package listenvs

import (
	"net/url"
	"testing"
)

// FuzzParsePage: whatever the query, parsePage answers without panicking, accepts only
// limits in range and tokens that name a team, and reads back every token it writes.
func FuzzParsePage(f *testing.F) {
	f.Add("500", cursor{Team: "alpha", Continue: "eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ"}.encode())
	f.Add("", "")
	f.Add("0", "abc!")
	f.Add("1001", "e30")
	f.Fuzz(func(t *testing.T, limit, token string) {
		q := url.Values{}
		if limit != "" {
			q.Set("limit", limit)
		}
		if token != "" {
			q.Set("continue", token)
		}
		n, c, fe := parsePage(q)
		if fe != nil {
			if len(fe.Paths) == 0 {
				t.Fatalf("error without a field: %v", fe)
			}
			return
		}
		if n < 1 || n > MaxLimit {
			t.Fatalf("limit %q accepted as %d", limit, n)
		}
		if token != "" && c.Team == "" {
			t.Fatalf("token %q accepted without a team", token)
		}
		if c.Team != "" {
			_, back, fe := parsePage(url.Values{"continue": {c.encode()}})
			if fe != nil || back != c {
				t.Fatalf("token of %+v reads back as %+v (%v)", c, back, fe)
			}
		}
	})
}
