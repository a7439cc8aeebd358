package eventlog

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Deduper remembers keys for a while so at-least-once deliveries (CloudEvents retried by the
// Broker) are acted on once.
type Deduper interface {
	// FirstSeen marks key as seen for ttl and reports whether it was new. On error the caller
	// does not know, and should prefer retrying the delivery over dropping it.
	FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Forget removes key, so that a delivery whose handling failed is handled when it is
	// retried instead of being dropped as a duplicate.
	Forget(ctx context.Context, key string) error
}

// DedupPrefix namespaces dedup keys in Redis.
const DedupPrefix = "devenvs:dedup:"

var errNoTTL = errors.New("dedup ttl must be positive: without expiry the key set grows forever")

// NewDeduper returns a Deduper sharing l's Redis pool when l is a RedisLog, and an in-process
// one otherwise, so functions wire dedup with the same one-line choice as the log.
func NewDeduper(l Log) Deduper {
	if rl, ok := l.(*RedisLog); ok {
		return rl.Deduper()
	}
	return NewMemoryDeduper()
}

// RedisDeduper stores seen keys with SET NX EX, which is atomic across function replicas.
type RedisDeduper struct {
	client *redis.Client
}

// FirstSeen implements Deduper.
func (d *RedisDeduper) FirstSeen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errNoTTL
	}
	ok, err := d.client.SetNX(ctx, DedupPrefix+key, "1", ttl).Result()
	if err != nil {
		return false, fmt.Errorf("dedup %q: %w", key, err)
	}
	return ok, nil
}

// Forget implements Deduper.
func (d *RedisDeduper) Forget(ctx context.Context, key string) error {
	if err := d.client.Del(ctx, DedupPrefix+key).Err(); err != nil {
		return fmt.Errorf("forget %q: %w", key, err)
	}
	return nil
}

// MemoryDeduper is a per-process Deduper; it only deduplicates deliveries that reach the same
// instance, which is what a local single-replica run needs.
type MemoryDeduper struct {
	mu        sync.Mutex
	seen      map[string]time.Time // key -> expiry
	nextSweep time.Time
	now       func() time.Time
}

// sweepEvery bounds how often expired keys are purged, keeping FirstSeen O(1) amortised.
const sweepEvery = time.Minute

// NewMemoryDeduper returns an empty MemoryDeduper.
func NewMemoryDeduper() *MemoryDeduper {
	return &MemoryDeduper{seen: map[string]time.Time{}, now: time.Now}
}

// FirstSeen implements Deduper.
func (d *MemoryDeduper) FirstSeen(_ context.Context, key string, ttl time.Duration) (bool, error) {
	if ttl <= 0 {
		return false, errNoTTL
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.now()
	if !now.Before(d.nextSweep) {
		for k, exp := range d.seen {
			if !now.Before(exp) {
				delete(d.seen, k)
			}
		}
		d.nextSweep = now.Add(sweepEvery)
	}
	if exp, ok := d.seen[key]; ok && now.Before(exp) {
		return false, nil
	}
	d.seen[key] = now.Add(ttl)
	return true, nil
}

// Forget implements Deduper.
func (d *MemoryDeduper) Forget(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.seen, key)
	return nil
}
