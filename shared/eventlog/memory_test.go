package eventlog

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var t0 = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

func ev(team, env, action string, minute int) Event {
	return Event{Time: t0.Add(time.Duration(minute) * time.Minute), Actor: "alice", Action: action, Team: team, Env: env, Outcome: OutcomeSuccess}
}

func withID(e Event, id string) Event {
	e.ID = id
	return e
}

func TestMemoryLatest(t *testing.T) {
	tests := []struct {
		name     string
		capacity int
		appended []Event
		team     string
		n        int
		want     []Event
	}{{
		name:     "empty log",
		capacity: 5,
		n:        10,
		want:     []Event{},
	}, {
		name:     "newest first",
		capacity: 5,
		appended: []Event{ev("alpha", "a1", ActionCreate, 1), ev("beta", "b1", ActionCreate, 2), ev("alpha", "a1", ActionDelete, 3)},
		n:        10,
		want: []Event{
			withID(ev("alpha", "a1", ActionDelete, 3), "3"),
			withID(ev("beta", "b1", ActionCreate, 2), "2"),
			withID(ev("alpha", "a1", ActionCreate, 1), "1"),
		},
	}, {
		name:     "n limits the result",
		capacity: 5,
		appended: []Event{ev("alpha", "a1", ActionCreate, 1), ev("alpha", "a2", ActionCreate, 2), ev("alpha", "a3", ActionCreate, 3)},
		n:        2,
		want:     []Event{withID(ev("alpha", "a3", ActionCreate, 3), "3"), withID(ev("alpha", "a2", ActionCreate, 2), "2")},
	}, {
		name:     "team filter",
		capacity: 5,
		appended: []Event{ev("alpha", "a1", ActionCreate, 1), ev("beta", "b1", ActionCreate, 2), ev("alpha", "a1", ActionStop, 3)},
		team:     "alpha",
		n:        10,
		want:     []Event{withID(ev("alpha", "a1", ActionStop, 3), "3"), withID(ev("alpha", "a1", ActionCreate, 1), "1")},
	}, {
		name:     "unknown team",
		capacity: 5,
		appended: []Event{ev("alpha", "a1", ActionCreate, 1)},
		team:     "gamma",
		n:        10,
		want:     []Event{},
	}, {
		name:     "capacity drops the oldest",
		capacity: 2,
		appended: []Event{ev("alpha", "a1", ActionCreate, 1), ev("alpha", "a2", ActionCreate, 2), ev("alpha", "a3", ActionCreate, 3)},
		n:        10,
		want:     []Event{withID(ev("alpha", "a3", ActionCreate, 3), "3"), withID(ev("alpha", "a2", ActionCreate, 2), "2")},
	}, {
		name:     "a busy team does not push out a quiet one",
		capacity: 2,
		appended: []Event{ev("quiet", "q1", ActionCreate, 1), ev("busy", "b1", ActionCreate, 2), ev("busy", "b2", ActionCreate, 3), ev("busy", "b3", ActionCreate, 4)},
		team:     "quiet",
		n:        10,
		want:     []Event{withID(ev("quiet", "q1", ActionCreate, 1), "1")},
	}, {
		name:     "zero n",
		capacity: 5,
		appended: []Event{ev("alpha", "a1", ActionCreate, 1)},
		n:        0,
		want:     []Event{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := NewMemory(tt.capacity)
			for _, e := range tt.appended {
				if err := m.Append(context.Background(), e); err != nil {
					t.Fatalf("Append: %v", err)
				}
			}
			got, err := m.Latest(context.Background(), tt.team, tt.n)
			if err != nil {
				t.Fatalf("Latest: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Latest (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMemoryAppendStampsTime(t *testing.T) {
	m := NewMemory(3)
	m.now = func() time.Time { return t0.In(time.FixedZone("CEST", 2*3600)) }
	if err := m.Append(context.Background(), Event{ID: "caller-set", Action: ActionCreate}); err != nil {
		t.Fatalf("Append: %v", err)
	}
	got, _ := m.Latest(context.Background(), "", 1)
	want := []Event{{ID: "1", Time: t0, Action: ActionCreate}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Latest (-want +got):\n%s", diff)
	}
}

func TestMemoryConcurrentAppend(t *testing.T) {
	m := NewMemory(DefaultMemoryCapacity)
	done := make(chan struct{})
	for range 8 {
		go func() {
			defer func() { done <- struct{}{} }()
			for range 50 {
				_ = m.Append(context.Background(), Event{Team: "alpha", Action: ActionCreate})
				_, _ = m.Latest(context.Background(), "alpha", 5)
			}
		}()
	}
	for range 8 {
		<-done
	}
	got, _ := m.Latest(context.Background(), "alpha", DefaultMemoryCapacity)
	if len(got) != 400 {
		t.Errorf("got %d events, want 400", len(got))
	}
}
