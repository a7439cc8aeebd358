package eventlog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/redis/go-redis/v9"

	"github.com/devenvs/devenvs/shared/testbed"
)

// newTestRedis returns a RedisLog on a stream key unique to this test, deleted afterwards, so
// tests (and concurrent runs) sharing the server do not see each other's events.
func newTestRedis(t testing.TB, opts ...Option) (*RedisLog, *redis.Client) {
	t.Helper()
	url := testbed.RedisURL(t)
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	stream := "devenvs:test:" + hex.EncodeToString(b)
	l, err := NewRedis(url, append([]Option{WithStream(stream)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		keys, _ := l.client.Keys(ctx, stream+"*").Result()
		if len(keys) > 0 {
			l.client.Del(ctx, keys...)
		}
		_ = l.Close()
	})
	return l, l.client
}

func TestRedisAppendLatest(t *testing.T) {
	l, _ := newTestRedis(t)
	ctx := context.Background()
	appended := []Event{
		ev("alpha", "a1", ActionCreate, 1),
		ev("beta", "b1", ActionCreate, 2),
		ev("alpha", "a1", ActionStop, 3),
		{Time: t0.Add(4 * time.Minute), Actor: "alertmanager", Action: ActionAlert, Outcome: OutcomeIgnored, Reason: "no team label"},
	}
	for _, e := range appended {
		if err := l.Append(ctx, e); err != nil {
			t.Fatalf("Append: %v", err)
		}
	}
	tests := []struct {
		name string
		team string
		n    int
		want []Event
	}{
		{name: "all teams newest first", n: 10, want: []Event{appended[3], appended[2], appended[1], appended[0]}},
		{name: "count limits", n: 2, want: []Event{appended[3], appended[2]}},
		{name: "team filter", team: "alpha", n: 10, want: []Event{appended[2], appended[0]}},
		{name: "other team", team: "beta", n: 10, want: []Event{appended[1]}},
		{name: "unknown team", team: "gamma", n: 10, want: []Event{}},
		{name: "zero count", n: 0, want: []Event{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := l.Latest(ctx, tt.team, tt.n)
			if err != nil {
				t.Fatalf("Latest: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpopts.IgnoreFields(Event{}, "ID")); diff != "" {
				t.Errorf("Latest(%q, %d) (-want +got):\n%s", tt.team, tt.n, diff)
			}
			for _, e := range got {
				if e.ID == "" {
					t.Errorf("event %+v has no stream id", e)
				}
			}
		})
	}
}

func TestRedisMaxLenBoundsStreams(t *testing.T) {
	const maxLen, writes = 100, 2000
	l, client := newTestRedis(t, WithMaxLen(maxLen))
	ctx := context.Background()
	for i := range writes {
		if err := l.Append(ctx, Event{Action: ActionCreate, Team: "alpha", Env: fmt.Sprint(i)}); err != nil {
			t.Fatalf("Append %d: %v", i, err)
		}
	}
	// MAXLEN ~ trims whole radix-tree nodes (stream-node-max-entries, 100 by default), so the
	// length may exceed maxLen by up to one node but never grows with the number of writes.
	for _, key := range []string{l.stream, l.teamStream("alpha")} {
		n, err := client.XLen(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if n < maxLen || n > 3*maxLen {
			t.Errorf("XLEN %s = %d after %d writes, want within [%d, %d]", key, n, writes, maxLen, 3*maxLen)
		}
	}
	got, err := l.Latest(ctx, "alpha", 1)
	if err != nil || len(got) != 1 || got[0].Env != fmt.Sprint(writes-1) {
		t.Errorf("Latest after trimming = %+v, %v; want the last write", got, err)
	}
}

func TestRedisUnreachableFailsFast(t *testing.T) {
	l, err := NewRedis("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	if err := l.Append(context.Background(), Event{Action: ActionCreate}); err == nil {
		t.Error("Append to closed port: want error, got nil")
	}
	if _, err := l.Latest(context.Background(), "", 5); err == nil {
		t.Error("Latest from closed port: want error, got nil")
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("two calls took %v, want < 2s", elapsed)
	}
}

func BenchmarkRedisAppend(b *testing.B) {
	l, _ := newTestRedis(b)
	ctx := context.Background()
	e := ev("alpha", "bench", ActionCreate, 0)
	for b.Loop() {
		if err := l.Append(ctx, e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRedisLatest(b *testing.B) {
	l, _ := newTestRedis(b)
	ctx := context.Background()
	for i := range 500 {
		if err := l.Append(ctx, ev("alpha", fmt.Sprint(i), ActionCreate, i)); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := l.Latest(ctx, "alpha", 50); err != nil {
			b.Fatal(err)
		}
	}
}
