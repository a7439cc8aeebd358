package eventlog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// SSHInputPrefix prefixes the Redis keys holding an environment's last SSH input.
const SSHInputPrefix = "devenvs:ssh-input:"

// sshInputTTL drops the key of an environment nobody typed into for a week: no idle window
// is that long, and deleted environments leave nothing behind for good.
const sshInputTTL = 7 * 24 * time.Hour

// SSHInput remembers when a user last typed into an environment through the SSH gateway,
// so the alert handler can tell an environment in use from one that is only idle on CPU.
// Keys are namespace/name: namespaces are unique per team (and per test), names per namespace.
type SSHInput interface {
	// Touch records input at t; an older t never moves the record back.
	Touch(ctx context.Context, namespace, name string, t time.Time) error
	// Last returns the last recorded input; ok is false when none was recorded.
	Last(ctx context.Context, namespace, name string) (t time.Time, ok bool, err error)
}

// NewSSHInput shares l's Redis pool when l is a RedisLog (the gateway and the alert handler
// are separate processes and must see one record), and keeps it in process otherwise.
func NewSSHInput(l Log) SSHInput {
	if rl, ok := l.(*RedisLog); ok {
		return &RedisSSHInput{client: rl.client}
	}
	return &MemorySSHInput{}
}

// RedisSSHInput keeps the record as Unix milliseconds in one key per environment.
type RedisSSHInput struct{ client *redis.Client }

// touchScript sets the key only forward in time, so two gateway replicas racing with
// slightly different clocks never move it back.
var touchScript = redis.NewScript(`
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > old then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return 0`)

// Touch implements SSHInput.
func (s *RedisSSHInput) Touch(ctx context.Context, namespace, name string, t time.Time) error {
	err := touchScript.Run(ctx, s.client, []string{SSHInputPrefix + namespace + "/" + name},
		t.UnixMilli(), sshInputTTL.Milliseconds()).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("record SSH input of %s/%s: %w", namespace, name, err)
	}
	return nil
}

// Last implements SSHInput.
func (s *RedisSSHInput) Last(ctx context.Context, namespace, name string) (time.Time, bool, error) {
	v, err := s.client.Get(ctx, SSHInputPrefix+namespace+"/"+name).Result()
	switch {
	case errors.Is(err, redis.Nil):
		return time.Time{}, false, nil
	case err != nil:
		return time.Time{}, false, fmt.Errorf("read SSH input of %s/%s: %w", namespace, name, err)
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("SSH input of %s/%s: %q is not a time: %w", namespace, name, v, err)
	}
	return time.UnixMilli(ms).UTC(), true, nil
}

// MemorySSHInput is the in-process SSHInput for a single process (tests, a local run).
type MemorySSHInput struct {
	mu   sync.Mutex
	last map[string]time.Time
}

// Touch implements SSHInput.
func (s *MemorySSHInput) Touch(_ context.Context, namespace, name string, t time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.last == nil {
		s.last = map[string]time.Time{}
	}
	if k := namespace + "/" + name; t.After(s.last[k]) {
		s.last[k] = t.UTC()
	}
	return nil
}

// Last implements SSHInput.
func (s *MemorySSHInput) Last(_ context.Context, namespace, name string) (time.Time, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.last[namespace+"/"+name]
	return t, ok, nil
}
