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

// TestRedisDeduper checks what the state table cannot: the values and expiries Claim and
// Done leave in Redis. Expiry is forced with PEXPIRE 1 ms instead of waiting out a real ttl,
// so no step depends on how fast the machine is.
func TestRedisDeduper(t *testing.T) {
	l, client := newTestRedis(t)
	d := l.Deduper()
	ctx := context.Background()
	key := "redis-test/" + randomHex(t)
	stored := DedupPrefix + key
	t.Cleanup(func() { client.Del(context.Background(), stored) })
	expire := func() {
		t.Helper()
		if err := client.PExpire(ctx, stored, time.Millisecond).Err(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	// storedIs checks the stored value and that its ttl is in (above, atMost].
	storedIs := func(step, value string, above, atMost time.Duration) {
		t.Helper()
		if got, err := client.Get(ctx, stored).Result(); err != nil || got != value {
			t.Errorf("%s: stored %q, %v; want %q", step, got, err, value)
		}
		if ttl, err := client.PTTL(ctx, stored).Result(); err != nil || ttl <= above || ttl > atMost {
			t.Errorf("%s: ttl %v, %v; want in (%v, %v]", step, ttl, err, above, atMost)
		}
	}
	claimIs := func(step string, wantResult ClaimResult) {
		t.Helper()
		if got, err := d.Claim(ctx, key, time.Minute); err != nil || got != wantResult {
			t.Fatalf("%s: Claim = %v, %v; want %v", step, got, err, wantResult)
		}
	}

	claimIs("first delivery", ClaimNew)
	storedIs("first delivery", dedupPending, 0, time.Minute)
	claimIs("retry while pending", ClaimPending)
	expire()
	claimIs("retry after the claim expired", ClaimNew)
	if err := d.Done(ctx, key, time.Hour); err != nil {
		t.Fatal(err)
	}
	storedIs("done", dedupDone, time.Minute, time.Hour)
	claimIs("retry after done", ClaimDone)
	storedIs("retry after done", dedupDone, time.Minute, time.Hour)
	expire()
	claimIs("delivery after done expired", ClaimNew)
}

// TestRedisDeduperStoredValues: keys written by earlier versions ("1" for seen) and any
// value this version does not write count as done, and Claim leaves them as they are.
func TestRedisDeduperStoredValues(t *testing.T) {
	l, client := newTestRedis(t)
	d := l.Deduper()
	ctx := context.Background()
	tests := []struct {
		stored string
		want   ClaimResult
	}{
		{"1", ClaimDone},
		{dedupDone, ClaimDone},
		{dedupPending, ClaimPending},
		{"something else", ClaimDone},
	}
	for _, tt := range tests {
		t.Run(tt.stored, func(t *testing.T) {
			key := "stored-test/" + randomHex(t)
			t.Cleanup(func() { client.Del(context.Background(), DedupPrefix+key) })
			if err := client.Set(ctx, DedupPrefix+key, tt.stored, time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
			if got, err := d.Claim(ctx, key, time.Minute); err != nil || got != tt.want {
				t.Errorf("Claim over %q = %v, %v; want %v", tt.stored, got, err, tt.want)
			}
			if got, err := client.Get(ctx, DedupPrefix+key).Result(); err != nil || got != tt.stored {
				t.Errorf("after Claim the key holds %q, %v; want %q unchanged", got, err, tt.stored)
			}
		})
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
	if _, err := l.Deduper().Claim(context.Background(), "k", time.Minute); err == nil {
		t.Error("Claim on closed port: want error, got nil")
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("three calls took %v, want < 2s", elapsed)
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
