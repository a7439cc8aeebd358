package dedup

import (
	"context"
	"errors"
	"fmt"
	"github.com/devenvs/devenvs/shared/eventlog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/devenvs/devenvs/shared/testbed"
)

// chartRedisArgs are the in-chart Redis's limits (charts/devenvs/templates/30-redis.yaml),
// scaled down so a test fills them quickly: a memory ceiling, a policy that never evicts
// (dedup keys must stay until they expire; a full Redis refuses writes instead), and a
// password.
var chartRedisArgs = []string{"--maxmemory", "8mb", "--maxmemory-policy", "noeviction", "--requirepass", "flood-test-secret"}

// usedMemory reads used_memory from INFO memory.
func usedMemory(t *testing.T, c *redis.Client) int64 {
	t.Helper()
	info, err := c.Info(context.Background(), "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no used_memory in INFO memory:\n%s", info)
	return 0
}

// TestFloodIsRefusedAndMemoryBounded is issue 14 item 5 on a real redis-server configured as
// the chart configures it: a 1 GiB flood attempt (5,120 events of 200 KiB summaries, and as
// many dedup claims with 200 KiB keys) leaves Redis's memory bounded, because every stored
// string and key is bounded; when memory does fill up, writes are refused and the dedup keys
// that were there are still there. Without the password nothing gets in.
func TestFloodIsRefusedAndMemoryBounded(t *testing.T) {
	url, _ := testbed.PrivateRedisWith(t, chartRedisArgs...)
	ctx := context.Background()

	anonymous, err := eventlog.NewRedis(url)
	if err != nil {
		t.Fatal(err)
	}
	defer anonymous.Close()
	if err := anonymous.Append(ctx, eventlog.Event{Action: "create", Team: "alpha"}); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("append without the password = %v, want NOAUTH", err)
	}

	l, err := eventlog.NewRedis(url, eventlog.WithPassword("flood-test-secret"), eventlog.WithMaxLen(100))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	admin := l.Client()
	before := usedMemory(t, admin)

	const n, size = 5120, 200 << 10 // 1 GiB of summaries and 1 GiB of keys
	summary := strings.Repeat("s", size)
	store := New(l)
	if _, err := store.Claim(ctx, "kept|before-the-flood", time.Hour); err != nil {
		t.Fatal(err)
	}
	for i := range n {
		ev := eventlog.Event{Actor: "alert:EnvIdleCPU", Action: "alert", Team: "alpha", Env: "demo", Outcome: "success", Reason: summary}
		if err := l.Append(ctx, ev); err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
		key := fmt.Sprintf("%d|%s", i, summary)
		if _, err := store.Claim(ctx, key, time.Hour); err != nil {
			t.Fatalf("claim %d: %v", i, err)
		}
	}
	after := usedMemory(t, admin)
	t.Logf("used_memory %d KiB before, %d KiB after a %d MiB flood attempt", before>>10, after>>10, 2*n*size>>20)
	// 2 x 100 entries of ~1.2 KiB, 5,121 keys of ~80 bytes, and Redis's own overhead.
	if grown := after - before; grown > 4<<20 {
		t.Errorf("memory grew by %d KiB, want at most 4 MiB", grown>>10)
	}
	latest, err := l.Latest(ctx, "alpha", 1)
	if err != nil || len(latest) != 1 || len(latest[0].Reason) != eventlog.MaxReasonBytes {
		t.Errorf("latest = %+v, %v: want one event with a %d-byte reason", latest, err, eventlog.MaxReasonBytes)
	}

	// Fill the rest with something unbounded (as a misbehaving writer would): at maxmemory
	// Redis refuses the write (noeviction) and evicts nothing.
	blob := strings.Repeat("b", 512<<10)
	refused := false
	for i := 0; i < 64 && !refused; i++ {
		err := admin.Set(ctx, fmt.Sprintf("devenvs:test:blob:%d", i), blob, 0).Err()
		if err != nil {
			if !strings.Contains(err.Error(), "OOM") {
				t.Fatalf("set blob %d: %v, want an OOM refusal", i, err)
			}
			refused = true
		}
	}
	if !refused {
		t.Fatal("32 MiB of writes into an 8 MiB Redis were all accepted")
	}
	if got := usedMemory(t, admin); got > 9<<20 {
		t.Errorf("used_memory %d KiB after the refusal, want at most maxmemory (8 MiB) and a little", got>>10)
	}
	if got, err := store.Claim(ctx, "kept|before-the-flood", time.Hour); !errors.Is(err, nil) || got != ClaimPending {
		// A refused claim (OOM) would be an error the handler answers 503 to: retried, not lost.
		t.Errorf("the dedup key from before the flood: claim = %v, %v; want it still pending (not evicted)", got, err)
	}
	if evicted, _ := admin.Info(ctx, "stats").Result(); !strings.Contains(evicted, "evicted_keys:0\r\n") {
		t.Errorf("Redis evicted keys:\n%s", evicted)
	}
}
