package eventlog

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// MemoryLog is an in-process Log for running without Redis. Like the Redis log it keeps the
// newest capacity events overall and, separately, per team, so a quiet team's history is not
// pushed out by a busy one.
type MemoryLog struct {
	mu       sync.Mutex
	capacity int
	seq      uint64
	all      *ring
	teams    map[string]*ring
	now      func() time.Time
}

var _ Log = (*MemoryLog)(nil)

// NewMemory returns an empty log keeping capacity events (at least 1).
func NewMemory(capacity int) *MemoryLog {
	if capacity < 1 {
		capacity = 1
	}
	return &MemoryLog{
		capacity: capacity,
		all:      newRing(capacity),
		teams:    map[string]*ring{},
		now:      time.Now,
	}
}

// Append records ev; it never fails.
func (m *MemoryLog) Append(_ context.Context, ev Event) error {
	ev = stamped(ev, m.now)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	ev.ID = strconv.FormatUint(m.seq, 10)
	m.all.push(ev)
	if ev.Team != "" {
		r, ok := m.teams[ev.Team]
		if !ok {
			r = newRing(m.capacity)
			m.teams[ev.Team] = r
		}
		r.push(ev)
	}
	return nil
}

// Latest returns up to n events, newest first; team "" means all teams.
func (m *MemoryLog) Latest(_ context.Context, team string, n int) ([]Event, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.all
	if team != "" {
		r = m.teams[team]
	}
	return r.newest(n), nil
}

// Before returns up to n events older than id, newest first; team "" means all teams.
func (m *MemoryLog) Before(_ context.Context, team, id string, n int) ([]Event, error) {
	before, err := strconv.ParseUint(id, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("event id %q: %w", id, ErrBadID)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := m.all
	if team != "" {
		r = m.teams[team]
	}
	out := []Event{}
	for _, ev := range r.newest(m.capacity) {
		if len(out) == n {
			break
		}
		if seq, _ := strconv.ParseUint(ev.ID, 10, 64); seq < before {
			out = append(out, ev)
		}
	}
	return out, nil
}

// Close is a no-op; the log lives as long as the process.
func (m *MemoryLog) Close() error { return nil }

// ring is a fixed-size buffer overwriting its oldest entry.
type ring struct {
	buf  []Event
	next int // index the next push writes to
	size int // entries held, up to len(buf)
}

func newRing(capacity int) *ring {
	return &ring{buf: make([]Event, capacity)}
}

func (r *ring) push(ev Event) {
	r.buf[r.next] = ev
	r.next = (r.next + 1) % len(r.buf)
	if r.size < len(r.buf) {
		r.size++
	}
}

// newest copies out up to n entries, newest first; nil-safe for teams never seen.
func (r *ring) newest(n int) []Event {
	if r == nil || n <= 0 {
		return []Event{}
	}
	n = min(n, r.size)
	out := make([]Event, 0, n)
	for i := 1; i <= n; i++ {
		out = append(out, r.buf[(r.next-i+len(r.buf))%len(r.buf)])
	}
	return out
}
