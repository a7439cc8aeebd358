package dedup

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/testbed"
)

// newTestRedis is a Deduper on the test Redis, sharing an event log's pool as functions do,
// and a client to look at what it stored.
func newTestRedis(t testing.TB) (*RedisDeduper, *redis.Client) {
	t.Helper()
	l, err := eventlog.NewRedis(testbed.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = l.Close() })
	return New(l).(*RedisDeduper), l.Client()
}

func TestRedisUnreachableFailsFast(t *testing.T) {
	l, err := eventlog.NewRedis("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	start := time.Now()
	if _, err := New(l).Claim(context.Background(), "k", time.Minute); err == nil {
		t.Error("Claim on closed port: want error, got nil")
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Claim took %v, want < 2s", elapsed)
	}
}

// TestRedisDeduper checks what the state table cannot: the values and expiries Claim and
// Done leave in Redis. Expiry is forced with PEXPIRE 1 ms instead of waiting out a real ttl,
// so no step depends on how fast the machine is.
func TestRedisDeduper(t *testing.T) {
	d, client := newTestRedis(t)
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
	d, client := newTestRedis(t)
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
