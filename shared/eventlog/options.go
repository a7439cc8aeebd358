package eventlog

import "time"

// Defaults for the Redis log.
const (
	DefaultStream = "devenvs:events"
	// DefaultMaxLen bounds each stream; trimming is approximate (MAXLEN ~) because exact
	// trimming makes Redis split radix-tree nodes on every write.
	DefaultMaxLen = 10000
	// DefaultTimeout bounds dialling, reading and writing so a dead Redis costs a request at
	// most about this long instead of go-redis's 5s defaults.
	DefaultTimeout = 500 * time.Millisecond
)

type redisConfig struct {
	stream   string
	maxLen   int64
	timeout  time.Duration
	password string
}

func defaultRedisConfig() redisConfig {
	return redisConfig{stream: DefaultStream, maxLen: DefaultMaxLen, timeout: DefaultTimeout}
}

// Option changes how NewRedis connects and where it writes.
type Option func(*redisConfig)

// WithStream sets the global stream key; per-team streams are "<key>:<team>". Tests use it to
// stay out of each other's way on a shared server.
func WithStream(key string) Option {
	return func(c *redisConfig) { c.stream = key }
}

// WithMaxLen sets the approximate number of entries each stream keeps.
func WithMaxLen(n int64) Option {
	return func(c *redisConfig) { c.maxLen = n }
}

// WithTimeout sets the dial, read and write timeouts unless the URL sets them itself
// (dial_timeout, read_timeout, write_timeout query parameters).
func WithTimeout(d time.Duration) Option {
	return func(c *redisConfig) { c.timeout = d }
}

// WithPassword sets the password Redis requires (requirepass), overriding one in the URL,
// so the URL can live in a ConfigMap and the password in a Secret. Empty changes nothing.
func WithPassword(p string) Option {
	return func(c *redisConfig) { c.password = p }
}
