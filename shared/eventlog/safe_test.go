package eventlog

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

// fakeLog fails Append with err, or with the context's error so tests see cancellation.
type fakeLog struct {
	err      error
	appended []Event
}

func (f *fakeLog) Append(ctx context.Context, ev Event) error {
	if f.err != nil {
		return f.err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	f.appended = append(f.appended, ev)
	return nil
}
func (f *fakeLog) Latest(context.Context, string, int) ([]Event, error)         { return nil, nil }
func (f *fakeLog) Before(context.Context, string, string, int) ([]Event, error) { return nil, nil }
func (f *fakeLog) Close() error                                                 { return nil }

func TestSafeRecord(t *testing.T) {
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name         string
		ctx          context.Context
		err          error
		wantFailures float64
		wantLogs     []logrus.Fields
	}{{
		name: "success counts nothing",
		ctx:  context.Background(),
	}, {
		name: "cancelled request still records the action",
		ctx:  cancelled,
	}, {
		name:         "failure is counted, logged and swallowed",
		ctx:          context.Background(),
		err:          errors.New("boom"),
		wantFailures: 1,
		wantLogs:     []logrus.Fields{{"action": "create", "team": "alpha", "env": "e1", "request_id": "r1", "error": "boom"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logger, hook := logtest.NewNullLogger()
			reg := prometheus.NewRegistry()
			s := NewSafe(&fakeLog{err: tt.err}, logrus.NewEntry(logger), reg)
			s.Record(tt.ctx, Event{Action: ActionCreate, Team: "alpha", Env: "e1", RequestID: "r1"})
			if got := testutil.ToFloat64(s.Failures); got != tt.wantFailures {
				t.Errorf("failures = %v, want %v", got, tt.wantFailures)
			}
			var gotLogs []logrus.Fields
			for _, e := range hook.AllEntries() {
				f := logrus.Fields{}
				for k, v := range e.Data {
					if err, ok := v.(error); ok {
						v = err.Error()
					}
					f[k] = v
				}
				gotLogs = append(gotLogs, f)
			}
			if diff := cmp.Diff(tt.wantLogs, gotLogs); diff != "" {
				t.Errorf("log entries (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewFailuresCounterSharesRegisteredCounter(t *testing.T) {
	reg := prometheus.NewRegistry()
	a, b := NewFailuresCounter(reg), NewFailuresCounter(reg)
	a.Inc()
	b.Inc()
	if got := testutil.ToFloat64(a); got != 2 {
		t.Errorf("shared counter = %v, want 2", got)
	}
	if n, err := testutil.GatherAndCount(reg, FailuresMetric); err != nil || n != 1 {
		t.Errorf("registered series = %d (%v), want 1", n, err)
	}
}

// TestSafeRecordUnreachableRedis shows the contract end to end: with nothing listening, a
// handler's Record returns quickly, and the failure is only counted and logged.
func TestSafeRecordUnreachableRedis(t *testing.T) {
	rl, err := NewRedis("redis://127.0.0.1:1/0")
	if err != nil {
		t.Fatal(err)
	}
	defer rl.Close()
	logger, hook := logtest.NewNullLogger()
	s := NewSafe(rl, logrus.NewEntry(logger), prometheus.NewRegistry())

	start := time.Now()
	s.Record(context.Background(), Event{Action: ActionDelete, Team: "alpha", Env: "e1"})
	s.Record(context.Background(), Event{Action: ActionDelete, Team: "alpha", Env: "e2"})
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("two Records took %v, want < 1s", elapsed)
	}
	if got := testutil.ToFloat64(s.Failures); got != 2 {
		t.Errorf("failures = %v, want 2", got)
	}
	if got := len(hook.AllEntries()); got != 2 {
		t.Errorf("log entries = %d, want 2", got)
	}
}
