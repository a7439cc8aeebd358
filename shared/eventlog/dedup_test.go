package eventlog

import (
	"context"
	"testing"
	"time"

	"github.com/devenvs/devenvs/shared/testenv"
)

func TestMemoryDeduper(t *testing.T) {
	type call struct {
		at   time.Duration // since t0
		key  string
		ttl  time.Duration
		want bool
	}
	tests := []struct {
		name  string
		calls []call
	}{{
		name:  "first then duplicate",
		calls: []call{{0, "src/1", time.Hour, true}, {time.Second, "src/1", time.Hour, false}},
	}, {
		name:  "different keys are independent",
		calls: []call{{0, "src/1", time.Hour, true}, {0, "src/2", time.Hour, true}},
	}, {
		name:  "seen again after expiry",
		calls: []call{{0, "src/1", time.Minute, true}, {time.Minute, "src/1", time.Minute, true}, {time.Minute + time.Second, "src/1", time.Minute, false}},
	}, {
		name:  "expired keys swept and key reusable",
		calls: []call{{0, "a", time.Second, true}, {2 * time.Minute, "b", time.Second, true}, {2 * time.Minute, "a", time.Second, true}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewMemoryDeduper()
			var now time.Time
			d.now = func() time.Time { return now }
			for i, c := range tt.calls {
				now = t0.Add(c.at)
				got, err := d.FirstSeen(context.Background(), c.key, c.ttl)
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if got != c.want {
					t.Errorf("call %d FirstSeen(%q) at +%v = %v, want %v", i, c.key, c.at, got, c.want)
				}
			}
		})
	}
}

func TestMemoryDeduperSweeps(t *testing.T) {
	d := NewMemoryDeduper()
	now := t0
	d.now = func() time.Time { return now }
	for _, k := range []string{"a", "b", "c"} {
		_, _ = d.FirstSeen(context.Background(), k, time.Second)
	}
	now = now.Add(2 * sweepEvery)
	_, _ = d.FirstSeen(context.Background(), "d", time.Second)
	if len(d.seen) != 1 {
		t.Errorf("after sweep %d keys kept, want 1 (only the fresh one)", len(d.seen))
	}
}

func TestDeduperRejectsNoTTL(t *testing.T) {
	if _, err := NewMemoryDeduper().FirstSeen(context.Background(), "k", 0); err == nil {
		t.Error("FirstSeen with ttl 0: want error, got nil")
	}
}

func TestNewDeduperFollowsLog(t *testing.T) {
	if _, ok := NewDeduper(NewMemory(1)).(*MemoryDeduper); !ok {
		t.Error("memory log: want *MemoryDeduper")
	}
	rl, err := NewRedis("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer rl.Close()
	if _, ok := NewDeduper(rl).(*RedisDeduper); !ok {
		t.Error("redis log: want *RedisDeduper")
	}
}

// TestForgetLetsARetryThrough covers both implementations: after Forget, the same key is new
// again, which is how a failed delivery gets handled on its retry.
func TestForgetLetsARetryThrough(t *testing.T) {
	redisLog, err := NewRedis(testenv.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = redisLog.Close() })
	for name, d := range map[string]Deduper{"memory": NewMemoryDeduper(), "redis": redisLog.Deduper()} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			key := "forget-test/" + t.Name() + time.Now().String()
			for i, want := range []bool{true, false} {
				if got, err := d.FirstSeen(ctx, key, time.Minute); err != nil || got != want {
					t.Fatalf("FirstSeen #%d = %v, %v; want %v", i, got, err, want)
				}
			}
			if err := d.Forget(ctx, key); err != nil {
				t.Fatal(err)
			}
			if got, err := d.FirstSeen(ctx, key, time.Minute); err != nil || !got {
				t.Fatalf("FirstSeen after Forget = %v, %v; want true", got, err)
			}
		})
	}
}
