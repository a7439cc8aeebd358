package eventlog

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisLog is a Log on Redis Streams. It is safe for concurrent use and keeps one connection
// pool for the life of the function instance.
type RedisLog struct {
	client *redis.Client
	stream string
	maxLen int64
}

var _ Log = (*RedisLog)(nil)

// NewRedis connects lazily to the Redis at url (redis://[user:pass@]host:port/db, or
// rediss:// for TLS): no round trip happens until the first command, so a cold start does
// not wait for Redis.
func NewRedis(url string, opts ...Option) (*RedisLog, error) {
	cfg := defaultRedisConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.stream == "" {
		return nil, errors.New("redis event log: empty stream key")
	}
	if cfg.maxLen <= 0 {
		return nil, fmt.Errorf("redis event log: max length must be positive, got %d", cfg.maxLen)
	}
	ro, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("parse redis url: %w", err)
	}
	if cfg.password != "" {
		ro.Password = cfg.password
	}
	applyTimeouts(ro, cfg.timeout)
	return &RedisLog{client: redis.NewClient(ro), stream: cfg.stream, maxLen: cfg.maxLen}, nil
}

// applyTimeouts keeps a dead Redis from stalling requests: go-redis defaults to 5s timeouts,
// 3 command retries and 5 dial attempts, which together can hold a request for many seconds.
// Values set in the URL win.
func applyTimeouts(o *redis.Options, d time.Duration) {
	if o.DialTimeout == 0 {
		o.DialTimeout = d
	}
	if o.ReadTimeout == 0 {
		o.ReadTimeout = d
	}
	if o.WriteTimeout == 0 {
		o.WriteTimeout = d
	}
	if o.PoolTimeout == 0 {
		o.PoolTimeout = d
	}
	if o.MaxRetries == 0 {
		// One retry still covers a pooled connection that Redis closed while idle.
		o.MaxRetries = 1
	}
	if o.DialerRetries == 0 {
		o.DialerRetries = 1
	}
	// Let callers' deadlines cut a command short too.
	o.ContextTimeoutEnabled = true
}

// teamStream is where events of one team are mirrored so Latest(team) is one XREVRANGE
// instead of a scan of the global stream.
func (l *RedisLog) teamStream(team string) string {
	return l.stream + ":" + team
}

// Append writes ev to the global stream and, when it has a team, to the team's stream, in one
// MULTI/EXEC round trip so the two never disagree.
func (l *RedisLog) Append(ctx context.Context, ev Event) error {
	ev = stamped(ev, time.Now)
	values := encode(ev)
	_, err := l.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.XAdd(ctx, &redis.XAddArgs{Stream: l.stream, MaxLen: l.maxLen, Approx: true, Values: values})
		if ev.Team != "" {
			p.XAdd(ctx, &redis.XAddArgs{Stream: l.teamStream(ev.Team), MaxLen: l.maxLen, Approx: true, Values: values})
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("append %s event for %s/%s: %w", ev.Action, ev.Team, ev.Env, err)
	}
	return nil
}

// Latest returns up to n events, newest first; team "" reads the global stream.
func (l *RedisLog) Latest(ctx context.Context, team string, n int) ([]Event, error) {
	if n <= 0 {
		return []Event{}, nil
	}
	key := l.stream
	if team != "" {
		key = l.teamStream(team)
	}
	msgs, err := l.client.XRevRangeN(ctx, key, "+", "-", int64(n)).Result()
	if err != nil {
		return nil, fmt.Errorf("read latest events from %s: %w", key, err)
	}
	events := make([]Event, 0, len(msgs))
	for _, m := range msgs {
		events = append(events, decode(m.ID, m.Values))
	}
	return events, nil
}

// Before returns up to n events older than id, newest first; team "" means all teams.
func (l *RedisLog) Before(ctx context.Context, team, id string, n int) ([]Event, error) {
	if !streamID.MatchString(id) {
		return nil, fmt.Errorf("event id %q: %w", id, ErrBadID)
	}
	if n <= 0 {
		return []Event{}, nil
	}
	key := l.stream
	if team != "" {
		key = l.teamStream(team)
	}
	// "(" makes the end exclusive (Redis 6.2+): the page starts after the event shown last.
	msgs, err := l.client.XRevRangeN(ctx, key, "("+id, "-", int64(n)).Result()
	if err != nil {
		return nil, fmt.Errorf("read events before %s from %s: %w", id, key, err)
	}
	events := make([]Event, 0, len(msgs))
	for _, m := range msgs {
		events = append(events, decode(m.ID, m.Values))
	}
	return events, nil
}

// streamID is the shape of a Redis stream entry id.
var streamID = regexp.MustCompile(`^[0-9]{1,20}-[0-9]{1,20}$`)

// Close closes the connection pool.
func (l *RedisLog) Close() error {
	if err := l.client.Close(); err != nil {
		return fmt.Errorf("close redis event log: %w", err)
	}
	return nil
}

// Client is this log's connection pool, so a function that logs and deduplicates
// (shared/dedup) keeps one pool. Closing the log closes it too.
func (l *RedisLog) Client() *redis.Client { return l.client }
