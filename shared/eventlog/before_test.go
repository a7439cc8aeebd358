package eventlog

import (
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// TestBefore pages back through the log with Before, on both implementations: each page
// starts after the last event of the one before, pages never overlap, and ids the log could
// not have given out are refused.
func TestBefore(t *testing.T) {
	logs := map[string]func(t *testing.T) Log{
		"memory": func(*testing.T) Log { return NewMemory(100) },
		"redis":  func(t *testing.T) Log { l, _ := newTestRedis(t); return l },
	}
	for name, mk := range logs {
		t.Run(name, func(t *testing.T) {
			l := mk(t)
			ctx := context.Background()
			var appended []Event
			for i := range 7 {
				team := "alpha"
				if i%3 == 2 {
					team = "beta"
				}
				e := ev(team, "e", ActionExtend, i)
				appended = append(appended, e)
				if err := l.Append(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			for _, team := range []string{"", "alpha"} {
				var want []Event
				for i := len(appended) - 1; i >= 0; i-- {
					if team == "" || appended[i].Team == team {
						want = append(want, appended[i])
					}
				}
				page, err := l.Latest(ctx, team, 2)
				if err != nil {
					t.Fatal(err)
				}
				got := page
				for len(page) > 0 {
					if page, err = l.Before(ctx, team, page[len(page)-1].ID, 2); err != nil {
						t.Fatal(err)
					}
					got = append(got, page...)
				}
				if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Event{}, "ID")); diff != "" {
					t.Errorf("team %q paged back (-want +got):\n%s", team, diff)
				}
			}
			if _, err := l.Before(ctx, "", "x; FLUSHALL", 2); !errors.Is(err, ErrBadID) {
				t.Errorf("Before with a bad id: %v, want ErrBadID", err)
			}
		})
	}
}
