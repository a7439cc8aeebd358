package app

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/devenvs/devenvs/shared/eventlog"
)

// ActionDenied is the activity log's action for a refused request (401 or 403).
const ActionDenied = "access-denied"

// Refusals are logged so a team sees who tried to act in it, but at most refusalBurst per
// refusalWindow per function instance: a stream of bad tokens must not push the team's real
// events out of the (bounded) log. What is not logged is counted.
const (
	refusalWindow = time.Minute
	refusalBurst  = 10
)

// RefusalsMetric counts refused requests, by whether they reached the activity log.
const RefusalsMetric = "devenvs_access_denied_total"

type refusalLog struct {
	mu          sync.Mutex
	windowStart time.Time
	inWindow    int
	counter     *prometheus.CounterVec
	now         func() time.Time
}

func newRefusalLog(reg prometheus.Registerer) *refusalLog {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: RefusalsMetric,
		Help: "Requests refused with 401 or 403, by whether they were written to the activity log (logged: true, false when rate-limited).",
	}, []string{"logged"})
	reg.MustRegister(c)
	return &refusalLog{counter: c, now: time.Now}
}

// allow reports whether one more refusal may be logged in the current window.
func (l *refusalLog) allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.windowStart) >= refusalWindow {
		l.windowStart, l.inWindow = now, 0
	}
	if l.inWindow >= refusalBurst {
		return false
	}
	l.inWindow++
	return true
}

// record logs ev when the rate allows, and counts it either way.
func (l *refusalLog) record(ctx context.Context, events *eventlog.Safe, ev eventlog.Event) {
	if !l.allow() {
		l.counter.WithLabelValues("false").Inc()
		return
	}
	l.counter.WithLabelValues("true").Inc()
	events.Record(ctx, ev)
}
