package eventlog

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDecode(t *testing.T) {
	full := Event{Time: t0.Add(123 * time.Nanosecond), Actor: "alice", Action: ActionResize, Team: "alpha", Env: "e1", Outcome: OutcomeFailure, Reason: "quota", RequestID: "r1"}
	roundTrip := map[string]any{}
	kv := encode(full)
	for i := 0; i < len(kv); i += 2 {
		roundTrip[kv[i]] = kv[i+1]
	}
	tests := []struct {
		name   string
		values map[string]any
		want   Event
	}{{
		name:   "round trip keeps every field",
		values: roundTrip,
		want:   withID(full, "1-0"),
	}, {
		name:   "missing fields and bad time are tolerated",
		values: map[string]any{"action": "create", "time": "yesterday", "extra": "x"},
		want:   Event{ID: "1-0", Action: ActionCreate},
	}, {
		name:   "non-string values are printed",
		values: map[string]any{"actor": int64(7)},
		want:   Event{ID: "1-0", Actor: "7"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, decode("1-0", tt.values)); diff != "" {
				t.Errorf("decode (-want +got):\n%s", diff)
			}
		})
	}
}
