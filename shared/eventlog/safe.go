package eventlog

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"
)

// FailuresMetric counts event log writes that failed and were dropped.
const FailuresMetric = "devenvs_eventlog_write_failures_total"

// DefaultRecordTimeout bounds one Record call. The Kubernetes action has already happened, so
// the caller's response must not wait long on the log.
const DefaultRecordTimeout = 750 * time.Millisecond

// Safe writes events on behalf of handlers with the contract that a failed log write never
// fails the action being logged: errors are counted, logged and swallowed.
type Safe struct {
	Log Log
	// Logger receives one entry per failed write; nil uses logrus's standard logger.
	Logger *logrus.Entry
	// Failures is incremented per failed write; nil counts nothing.
	Failures prometheus.Counter
	// Actions counts the platform's own actions (actions.go) written or not; nil counts nothing.
	Actions *prometheus.CounterVec
	// Timeout bounds each write; zero means DefaultRecordTimeout.
	Timeout time.Duration
}

// NewSafe wires a Safe with the failures and actions counters registered on reg (nil: not
// registered).
func NewSafe(l Log, logger *logrus.Entry, reg prometheus.Registerer) *Safe {
	return &Safe{Log: l, Logger: logger, Failures: NewFailuresCounter(reg), Actions: NewActionsCounter(reg)}
}

// NewFailuresCounter returns the devenvs_eventlog_write_failures_total counter registered on
// reg. When it is already registered (several handlers in one function) the existing counter
// is returned so all of them add to one series.
func NewFailuresCounter(reg prometheus.Registerer) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{
		Name: FailuresMetric,
		Help: "Event log writes that failed and were dropped; the logged action itself went ahead.",
	})
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(prometheus.Counter); ok {
				return existing
			}
		}
		// A clashing metric of another type is a wiring bug, but metrics are no reason to
		// stop the function: count into the unregistered counter instead.
	}
	return c
}

// Record appends ev and never reports failure. It detaches from ctx's cancellation because
// the action already happened: a client that hung up must not erase the record of it.
func (s *Safe) Record(ctx context.Context, ev Event) {
	if s == nil {
		return
	}
	countAction(s.Actions, ev)
	if s.Log == nil {
		return
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = DefaultRecordTimeout
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	err := s.Log.Append(ctx, ev)
	if err == nil {
		return
	}
	if s.Failures != nil {
		s.Failures.Inc()
	}
	logger := s.Logger
	if logger == nil {
		logger = logrus.NewEntry(logrus.StandardLogger())
	}
	logger.WithFields(logrus.Fields{
		"action":     ev.Action,
		"team":       ev.Team,
		"env":        ev.Env,
		"request_id": ev.RequestID,
	}).WithError(err).Warn("event log write failed; action not affected")
}
