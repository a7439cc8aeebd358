package eventlog

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestTruncate(t *testing.T) {
	tests := []struct {
		name, in string
		max      int
		want     string
	}{
		{"short stays", "idle", 10, "idle"},
		{"exactly the limit stays", "0123456789", 10, "0123456789"},
		{"long is cut and marked", "0123456789abc", 10, "0123456…"},
		{"never splits a rune", "ééééé", 8, "éé…"}, // é is 2 bytes, … is 3
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := truncate(tc.in, tc.max)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("truncate (-want +got):\n%s", diff)
			}
			if len(got) > tc.max || !utf8.ValidString(got) {
				t.Errorf("truncate = %q: %d bytes (max %d), valid UTF-8 %v", got, len(got), tc.max, utf8.ValidString(got))
			}
		})
	}
}

// TestBoundedEvent is issue 14 item 5: whatever a caller puts in an event (a 200 KiB alert
// summary was accepted before), what is stored is bounded.
func TestBoundedEvent(t *testing.T) {
	huge := strings.Repeat("x", 200<<10)
	got := bounded(Event{Actor: huge, Action: huge, Team: huge, Env: huge, Outcome: huge, Reason: huge, RequestID: huge})
	for field, v := range map[string]struct {
		s   string
		max int
	}{
		"actor": {got.Actor, MaxActorBytes}, "action": {got.Action, MaxActionBytes}, "team": {got.Team, MaxNameBytes},
		"env": {got.Env, MaxNameBytes}, "outcome": {got.Outcome, MaxOutcomeBytes}, "reason": {got.Reason, MaxReasonBytes},
		"requestId": {got.RequestID, MaxRequestIDBytes},
	} {
		if len(v.s) != v.max || !strings.HasSuffix(v.s, truncatedMark) {
			t.Errorf("%s: %d bytes, want %d ending in %q", field, len(v.s), v.max, truncatedMark)
		}
	}
}

// TestRedisURLForms: an external Redis with TLS (rediss://) and credentials in the URL, or
// the password from its own setting (a Secret), which wins over the URL's.
func TestRedisURLForms(t *testing.T) {
	for _, tc := range []struct {
		url, password   string
		wantTLS         bool
		wantUser, wantP string
	}{
		{"redis://redis:6379/0", "", false, "", ""},
		{"rediss://redis.example:6380/1", "", true, "", ""},
		{"rediss://devenvs:in-url@redis.example:6380/1", "", true, "devenvs", "in-url"},
		{"redis://:in-url@redis:6379/0", "from-secret", false, "", "from-secret"},
	} {
		l, err := NewRedis(tc.url, WithPassword(tc.password))
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		o := l.client.Options()
		if (o.TLSConfig != nil) != tc.wantTLS || o.Username != tc.wantUser || o.Password != tc.wantP {
			t.Errorf("%s: TLS %v, user %q, password %q; want %v, %q, %q", tc.url, o.TLSConfig != nil, o.Username, o.Password, tc.wantTLS, tc.wantUser, tc.wantP)
		}
		_ = l.Close()
	}
}
