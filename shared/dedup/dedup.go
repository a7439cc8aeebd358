// Package dedup is the store that makes at-least-once deliveries (CloudEvents retried by the
// Broker) acted on once: a key per delivery, pending while it is acted on, done after. It
// shares the event log's Redis pool, and is in-process when the log is.
package dedup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/devenvs/devenvs/shared/eventlog"
)

// Deduper tracks deliveries of at-least-once events (CloudEvents retried by the Broker) so
// each is acted on once and none is acknowledged before it was acted on. A key has two
// states: pending (a delivery claimed it and is acting now) and done (acted on). Only done
// may be answered as a duplicate: a delivery that meets a pending key must be retried
// later, because the claimant may still fail.
type Deduper interface {
	// Claim marks key pending for the given time when it is neither pending nor done, and
	// says which it found. pending bounds how long a claimant that died holds the key. On
	// error the caller does not know, and should prefer retrying the delivery over dropping
	// it.
	Claim(ctx context.Context, key string, pending time.Duration) (ClaimResult, error)
	// Done marks key acted on for ttl, after which a delivery of it is a duplicate.
	Done(ctx context.Context, key string, ttl time.Duration) error
	// Forget removes key, so that a delivery whose handling failed is handled when it is
	// retried instead of being refused as pending until the claim expires.
	Forget(ctx context.Context, key string) error
}

// ClaimResult is what Claim found. The zero value is no result, so it is never mistaken for
// permission to act.
type ClaimResult int

const (
	// ClaimNew: the key was new and is now pending for the caller, who must act and then
	// call Done, or Forget when acting failed.
	ClaimNew ClaimResult = iota + 1
	// ClaimPending: another delivery holds the key and is acting now; retry later.
	ClaimPending
	// ClaimDone: the key was acted on; this delivery is a duplicate.
	ClaimDone
)

func (r ClaimResult) String() string {
	switch r {
	case ClaimNew:
		return "new"
	case ClaimPending:
		return "pending"
	case ClaimDone:
		return "done"
	}
	return fmt.Sprintf("ClaimResult(%d)", int(r))
}

// DedupPrefix namespaces dedup keys in Redis.
const DedupPrefix = "devenvs:dedup:"

// The values of a dedup key in Redis. Any other value counts as done: versions before the
// pending state wrote "1" once they had seen a key, and such keys must keep meaning
// "duplicate" rather than "claimed by nobody", which would hold their retries off until
// they expire.
const (
	dedupPending = "pending"
	dedupDone    = "done"
)

var errNoTTL = errors.New("dedup ttl must be positive: without expiry the key set grows forever")

// New returns a Deduper sharing l's Redis pool when l is a RedisLog, and an in-process
// one otherwise, so functions wire dedup with the same one-line choice as the log.
func New(l eventlog.Log) Deduper {
	if rl, ok := l.(*eventlog.RedisLog); ok {
		return &RedisDeduper{client: rl.Client()}
	}
	return NewMemoryDeduper()
}

// RedisDeduper keeps dedup keys in Redis, where one command both claims a key and reads its
// state, so the claim is atomic across function replicas.
type RedisDeduper struct {
	client *redis.Client
}

// Claim implements Deduper with SET key pending NX GET PX (Redis 7.0 or later): it sets the
// key only when absent and returns the previous value, nil when the SET happened.
func (d *RedisDeduper) Claim(ctx context.Context, key string, pending time.Duration) (ClaimResult, error) {
	if pending <= 0 {
		return 0, errNoTTL
	}
	old, err := d.client.SetArgs(ctx, DedupPrefix+dedupKey(key), dedupPending, redis.SetArgs{Mode: "NX", Get: true, TTL: pending}).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return ClaimNew, nil
	case err != nil:
		return 0, fmt.Errorf("claim %q: %w", key, err)
	case old == dedupPending:
		return ClaimPending, nil
	default:
		return ClaimDone, nil
	}
}

// Done implements Deduper. It overwrites whatever is there: the caller acted, so the key is
// done even if its claim expired meanwhile.
func (d *RedisDeduper) Done(ctx context.Context, key string, ttl time.Duration) error {
	if ttl <= 0 {
		return errNoTTL
	}
	if err := d.client.Set(ctx, DedupPrefix+dedupKey(key), dedupDone, ttl).Err(); err != nil {
		return fmt.Errorf("mark %q done: %w", key, err)
	}
	return nil
}

// Forget implements Deduper.
func (d *RedisDeduper) Forget(ctx context.Context, key string) error {
	if err := d.client.Del(ctx, DedupPrefix+dedupKey(key)).Err(); err != nil {
		return fmt.Errorf("forget %q: %w", key, err)
	}
	return nil
}

// MemoryDeduper is a per-process Deduper; it only deduplicates deliveries that reach the same
// instance, which is what a local single-replica run needs.
type MemoryDeduper struct {
	mu        sync.Mutex
	keys      map[string]memoryKey
	nextSweep time.Time
	now       func() time.Time
}

type memoryKey struct {
	done    bool // false: pending
	expires time.Time
}

// sweepEvery bounds how often expired keys are purged, keeping Claim and Done O(1) amortised.
const sweepEvery = time.Minute

// NewMemoryDeduper returns an empty MemoryDeduper.
func NewMemoryDeduper() *MemoryDeduper {
	return &MemoryDeduper{keys: map[string]memoryKey{}, now: time.Now}
}

// Claim implements Deduper.
func (d *MemoryDeduper) Claim(_ context.Context, key string, pending time.Duration) (ClaimResult, error) {
	if pending <= 0 {
		return 0, errNoTTL
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.sweep()
	key = dedupKey(key)
	if k, ok := d.keys[key]; ok && now.Before(k.expires) {
		if k.done {
			return ClaimDone, nil
		}
		return ClaimPending, nil
	}
	d.keys[key] = memoryKey{expires: now.Add(pending)}
	return ClaimNew, nil
}

// Done implements Deduper.
func (d *MemoryDeduper) Done(_ context.Context, key string, ttl time.Duration) error {
	if ttl <= 0 {
		return errNoTTL
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	now := d.sweep()
	d.keys[dedupKey(key)] = memoryKey{done: true, expires: now.Add(ttl)}
	return nil
}

// Forget implements Deduper.
func (d *MemoryDeduper) Forget(_ context.Context, key string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.keys, dedupKey(key))
	return nil
}

// sweep purges expired keys at most once per sweepEvery and returns the current time. The
// caller holds d.mu.
func (d *MemoryDeduper) sweep() time.Time {
	now := d.now()
	if now.Before(d.nextSweep) {
		return now
	}
	for k, v := range d.keys {
		if !now.Before(v.expires) {
			delete(d.keys, k)
		}
	}
	d.nextSweep = now.Add(sweepEvery)
	return now
}

const (
	// MaxKeyBytes caps the dedup key a caller chooses (a CloudEvent's source and id):
	// a longer one is stored as its sha256, so a key costs Redis at most this much.
	MaxKeyBytes = 200
)

// dedupKey is key as stored: itself when short, else its sha256 (collisions are not a
// concern at 256 bits), so the store's key size is bounded whatever the sender chose.
func dedupKey(key string) string {
	if len(key) <= MaxKeyBytes {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "sha256:" + hex.EncodeToString(sum[:])
}
