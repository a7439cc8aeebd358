package eventlog

import (
	"context"
	"fmt"
)

// Log is an append-only activity log.
type Log interface {
	// Append records ev. ev.ID is ignored and ev.Time defaults to now.
	Append(ctx context.Context, ev Event) error
	// Latest returns up to n events, newest first. team "" means all teams. The slice is
	// never nil on success, so it encodes as [] rather than null for the UI.
	Latest(ctx context.Context, team string, n int) ([]Event, error)
	// Before returns up to n events of team ("" for all teams) older than the event with id
	// (an Event.ID read from the same stream), newest first: the activity log's next page.
	Before(ctx context.Context, team, id string, n int) ([]Event, error)
	// Close releases connections.
	Close() error
}

// DefaultMemoryCapacity is how many events the in-process fallback keeps (globally and per
// team); enough for the UI's activity panel, small enough to never matter for memory.
const DefaultMemoryCapacity = 1000

// New returns a Redis-backed log when url is non-empty and an in-process log otherwise, so a
// function needs one line of wiring and local runs need no Redis.
func New(url string, opts ...Option) (Log, error) {
	if url == "" {
		return NewMemory(DefaultMemoryCapacity), nil
	}
	l, err := NewRedis(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("event log: %w", err)
	}
	return l, nil
}
