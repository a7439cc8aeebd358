package dedup

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"github.com/devenvs/devenvs/shared/eventlog"
	"strings"
	"testing"
	"time"
)

// dedupStep is one call on a Deduper: Claim (checked against want), Done or Forget.
type dedupStep struct {
	at   time.Duration // since t0, on the memory tests' fake clock
	op   string        // "claim", "done" or "forget"
	key  string
	ttl  time.Duration // Claim's pending time or Done's ttl
	want ClaimResult   // Claim's result
}

// runDedupSteps runs steps on d in order; setClock, when not nil, moves a fake clock to each
// step's time first.
func runDedupSteps(t *testing.T, d Deduper, prefix string, steps []dedupStep, setClock func(time.Duration)) {
	t.Helper()
	ctx := context.Background()
	for i, s := range steps {
		if setClock != nil {
			setClock(s.at)
		}
		key := prefix + s.key
		switch s.op {
		case "claim":
			got, err := d.Claim(ctx, key, s.ttl)
			if err != nil {
				t.Fatalf("step %d: Claim(%q): %v", i, s.key, err)
			}
			if got != s.want {
				t.Errorf("step %d: Claim(%q) at +%v = %v, want %v", i, s.key, s.at, got, s.want)
			}
		case "done":
			if err := d.Done(ctx, key, s.ttl); err != nil {
				t.Fatalf("step %d: Done(%q): %v", i, s.key, err)
			}
		case "forget":
			if err := d.Forget(ctx, key); err != nil {
				t.Fatalf("step %d: Forget(%q): %v", i, s.key, err)
			}
		default:
			t.Fatalf("step %d: unknown op %q", i, s.op)
		}
	}
}

func claim(at time.Duration, key string, pending time.Duration, want ClaimResult) dedupStep {
	return dedupStep{at: at, op: "claim", key: key, ttl: pending, want: want}
}

func done(at time.Duration, key string, ttl time.Duration) dedupStep {
	return dedupStep{at: at, op: "done", key: key, ttl: ttl}
}

func forget(at time.Duration, key string) dedupStep {
	return dedupStep{at: at, op: "forget", key: key}
}

// dedupStateTests need no clock, so both implementations run them.
var dedupStateTests = []struct {
	name  string
	steps []dedupStep
}{{
	name:  "a claimed key is pending for other deliveries",
	steps: []dedupStep{claim(0, "a", time.Minute, ClaimNew), claim(0, "a", time.Minute, ClaimPending), claim(0, "a", time.Minute, ClaimPending)},
}, {
	name:  "a done key is a duplicate",
	steps: []dedupStep{claim(0, "a", time.Minute, ClaimNew), done(0, "a", time.Hour), claim(0, "a", time.Minute, ClaimDone)},
}, {
	name:  "done without a live claim still counts",
	steps: []dedupStep{done(0, "a", time.Hour), claim(0, "a", time.Minute, ClaimDone)},
}, {
	name:  "forget after a failed attempt lets the retry claim",
	steps: []dedupStep{claim(0, "a", time.Minute, ClaimNew), forget(0, "a"), claim(0, "a", time.Minute, ClaimNew), claim(0, "a", time.Minute, ClaimPending)},
}, {
	name:  "forget of a done key makes it new",
	steps: []dedupStep{claim(0, "a", time.Minute, ClaimNew), done(0, "a", time.Hour), forget(0, "a"), claim(0, "a", time.Minute, ClaimNew)},
}, {
	name:  "forget of an unknown key is fine",
	steps: []dedupStep{forget(0, "a"), claim(0, "a", time.Minute, ClaimNew)},
}, {
	name:  "keys are independent",
	steps: []dedupStep{claim(0, "a", time.Minute, ClaimNew), done(0, "a", time.Hour), claim(0, "b", time.Minute, ClaimNew), claim(0, "a", time.Minute, ClaimDone), claim(0, "b", time.Minute, ClaimPending)},
}}

// TestDeduperStates runs the state table on both implementations; the Redis one on the real
// server, with keys unique to the run because the server outlives it.
func TestDeduperStates(t *testing.T) {
	impls := []struct {
		name string
		new  func(t *testing.T, prefix string) Deduper
	}{
		{"memory", func(*testing.T, string) Deduper { return NewMemoryDeduper() }},
		{"redis", func(t *testing.T, prefix string) Deduper {
			d, client := newTestRedis(t)
			t.Cleanup(func() { client.Del(context.Background(), DedupPrefix+prefix+"a", DedupPrefix+prefix+"b") })
			return d
		}},
	}
	for _, impl := range impls {
		for _, tt := range dedupStateTests {
			t.Run(impl.name+"/"+tt.name, func(t *testing.T) {
				prefix := "states-test/" + randomHex(t) + "/"
				runDedupSteps(t, impl.new(t, prefix), prefix, tt.steps, nil)
			})
		}
	}
}

// TestMemoryDeduperExpiry moves a fake clock: a pending key frees itself after its pending
// time (a claimant that died does not hold the event for ever) and a done key after its ttl.
func TestMemoryDeduperExpiry(t *testing.T) {
	const pending, ttl = 25 * time.Second, time.Hour
	tests := []struct {
		name  string
		steps []dedupStep
	}{{
		name:  "pending until its time is up",
		steps: []dedupStep{claim(0, "a", pending, ClaimNew), claim(pending-time.Millisecond, "a", pending, ClaimPending), claim(pending, "a", pending, ClaimNew)},
	}, {
		name:  "a retry's claim does not extend the first one",
		steps: []dedupStep{claim(0, "a", pending, ClaimNew), claim(pending/2, "a", pending, ClaimPending), claim(pending, "a", pending, ClaimNew)},
	}, {
		name:  "done outlives the pending time",
		steps: []dedupStep{claim(0, "a", pending, ClaimNew), done(time.Second, "a", ttl), claim(2*pending, "a", pending, ClaimDone), claim(time.Second+ttl-time.Millisecond, "a", pending, ClaimDone)},
	}, {
		name:  "done until its ttl is up",
		steps: []dedupStep{claim(0, "a", pending, ClaimNew), done(time.Second, "a", ttl), claim(time.Second+ttl, "a", pending, ClaimNew)},
	}, {
		name:  "expired keys swept and key reusable",
		steps: []dedupStep{claim(0, "a", time.Second, ClaimNew), done(0, "b", time.Second), claim(2*time.Minute, "c", time.Second, ClaimNew), claim(2*time.Minute, "a", time.Second, ClaimNew), claim(2*time.Minute, "b", time.Second, ClaimNew)},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewMemoryDeduper()
			var now time.Time
			d.now = func() time.Time { return now }
			runDedupSteps(t, d, "", tt.steps, func(at time.Duration) { now = t0.Add(at) })
		})
	}
}

func TestMemoryDeduperSweeps(t *testing.T) {
	ctx := context.Background()
	d := NewMemoryDeduper()
	now := t0
	d.now = func() time.Time { return now }
	for _, k := range []string{"a", "b", "c"} {
		_, _ = d.Claim(ctx, k, time.Second)
	}
	_ = d.Done(ctx, "b", time.Second)
	now = now.Add(2 * sweepEvery)
	_, _ = d.Claim(ctx, "d", time.Second)
	if len(d.keys) != 1 {
		t.Errorf("after sweep %d keys kept, want 1 (only the fresh one)", len(d.keys))
	}
}

func TestDeduperRejectsNoTTL(t *testing.T) {
	// The check comes before any command, so a Redis that is not there does for this test.
	rl, err := eventlog.NewRedis("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer rl.Close()
	ctx := context.Background()
	for name, d := range map[string]Deduper{"memory": NewMemoryDeduper(), "redis": New(rl)} {
		for _, ttl := range []time.Duration{0, -time.Second} {
			if _, err := d.Claim(ctx, "k", ttl); err == nil {
				t.Errorf("%s: Claim with pending %v: want error, got nil", name, ttl)
			}
			if err := d.Done(ctx, "k", ttl); err == nil {
				t.Errorf("%s: Done with ttl %v: want error, got nil", name, ttl)
			}
		}
	}
}

func TestNewFollowsLog(t *testing.T) {
	if _, ok := New(eventlog.NewMemory(1)).(*MemoryDeduper); !ok {
		t.Error("memory log: want *MemoryDeduper")
	}
	rl, err := eventlog.NewRedis("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer rl.Close()
	if _, ok := New(rl).(*RedisDeduper); !ok {
		t.Error("redis log: want *RedisDeduper")
	}
}

func randomHex(t testing.TB) string {
	t.Helper()
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

func TestDedupKey(t *testing.T) {
	short := "http://am/#/receivers/devenvs|0123abcd"
	if got := dedupKey(short); got != short {
		t.Errorf("dedupKey(short) = %q, want it unchanged", got)
	}
	long := strings.Repeat("k", 1<<20)
	got := dedupKey(long)
	if len(got) > MaxKeyBytes || got == dedupKey(long+"x") {
		t.Errorf("dedupKey(1 MiB) = %q (%d bytes): want a distinct digest within %d bytes", got, len(got), MaxKeyBytes)
	}
}

// t0 is the start of the memory tests' fake clock.
var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
