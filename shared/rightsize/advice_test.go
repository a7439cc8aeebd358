package rightsize

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const (
	mi = 1 << 20
	gi = 1 << 30
)

var policy = Policy{
	MinHistory: time.Hour, Window: 6 * time.Hour,
	MinCPUMilli: 100, MaxCPUMilli: 8000,
	MinMemoryBytes: 128 * mi, MaxMemoryBytes: 32 * gi,
}

func TestRecommend(t *testing.T) {
	capped := policy
	capped.MaxCPUMilli = 4000
	tests := []struct {
		name   string
		usage  *Usage
		req    Requested
		policy Policy
		want   *Recommendation
	}{{
		// Busy: the p95 with its headroom needs more than the request (CPU is throttled at
		// its limit, so a busy environment reads just under it).
		name:  "busy grows CPU, gives back memory",
		usage: &Usage{CPUP95: 0.89, CPUPeak: 0.91, MemoryP95: 900 * mi, MemoryPeak: 950 * mi, History: 6*time.Hour - 30*time.Second},
		req:   Requested{CPUMilli: 1000, MemoryBytes: 2 * gi},
		want: &Recommendation{
			State: StateResize, Window: "6h", HistorySeconds: 21570, // within the rule's minute step of the window: "over 6h"
			CPU: &Advice{Action: ActionGrow, Requested: 1000, Recommended: 1200, Quantity: "1200m", P95: 890, Peak: 910,
				Evidence: "p95 CPU 0.89 of 1 core over 6h, peak 0.91"},
			Memory: &Advice{Action: ActionShrink, Requested: 2 * gi, Recommended: 1280 * mi, Quantity: "1280Mi", P95: 900 * mi, Peak: 950 * mi,
				Evidence: "p95 memory 900Mi of 2Gi over 6h, peak 950Mi"},
			Message: "grow CPU to 1200m and shrink memory to 1280Mi: p95 CPU 0.89 of 1 core over 6h, peak 0.91; p95 memory 900Mi of 2Gi over 6h, peak 950Mi",
		},
	}, {
		name:  "idle shrinks both to the spec's minimum step",
		usage: &Usage{CPUP95: 0.02, CPUPeak: 0.05, MemoryP95: 100 * mi, MemoryPeak: 120 * mi, History: 2*time.Hour + 15*time.Minute},
		req:   Requested{CPUMilli: 4000, MemoryBytes: 8 * gi},
		want: &Recommendation{
			State: StateResize, Window: "6h", HistorySeconds: 8100,
			CPU: &Advice{Action: ActionShrink, Requested: 4000, Recommended: 100, Quantity: "100m", P95: 20, Peak: 50,
				Evidence: "p95 CPU 0.02 of 4 cores over 2h15m, peak 0.05"},
			Memory: &Advice{Action: ActionShrink, Requested: 8 * gi, Recommended: 256 * mi, Quantity: "256Mi", P95: 100 * mi, Peak: 120 * mi,
				Evidence: "p95 memory 100Mi of 8Gi over 2h15m, peak 120Mi"},
			Message: "shrink CPU to 100m and shrink memory to 256Mi: p95 CPU 0.02 of 4 cores over 2h15m, peak 0.05; p95 memory 100Mi of 8Gi over 2h15m, peak 120Mi",
		},
	}, {
		name:  "short history",
		usage: &Usage{CPUP95: 0.5, CPUPeak: 0.5, MemoryP95: 200 * mi, MemoryPeak: 200 * mi, History: 30 * time.Minute},
		req:   Requested{CPUMilli: 1000, MemoryBytes: 2 * gi},
		want: &Recommendation{State: StateHistoryTooShort, Window: "6h", HistorySeconds: 1800,
			Message: "history too short: 30m of usage, advice after 1h"},
	}, {
		// Spiky: p95 alone would say 200m and 384Mi; the peak keeps CPU and sets memory.
		name:  "spiky: never below the peak",
		usage: &Usage{CPUP95: 0.1, CPUPeak: 3, MemoryP95: 200 * mi, MemoryPeak: 1.5 * gi, History: 6 * time.Hour},
		req:   Requested{CPUMilli: 4000, MemoryBytes: 4 * gi},
		want: &Recommendation{
			State: StateResize, Window: "6h", HistorySeconds: 21600,
			CPU: &Advice{Action: ActionKeep, Requested: 4000, Recommended: 4000, Quantity: "4", P95: 100, Peak: 3000,
				Evidence: "p95 CPU 0.1 of 4 cores over 6h, peak 3"},
			Memory: &Advice{Action: ActionShrink, Requested: 4 * gi, Recommended: 1920 * mi, Quantity: "1920Mi", P95: 200 * mi, Peak: 1536 * mi,
				Evidence: "p95 memory 200Mi of 4Gi over 6h, peak 1.5Gi"},
			Message: "shrink memory to 1920Mi: p95 CPU 0.1 of 4 cores over 6h, peak 3; p95 memory 200Mi of 4Gi over 6h, peak 1.5Gi",
		},
	}, {
		name:  "fits: small changes are not worth a resize",
		usage: &Usage{CPUP95: 0.6, CPUPeak: 0.7, MemoryP95: 600 * mi, MemoryPeak: 700 * mi, History: time.Hour},
		req:   Requested{CPUMilli: 1000, MemoryBytes: gi},
		want: &Recommendation{
			State: StateFits, Window: "6h", HistorySeconds: 3600,
			CPU: &Advice{Action: ActionKeep, Requested: 1000, Recommended: 1000, Quantity: "1", P95: 600, Peak: 700,
				Evidence: "p95 CPU 0.6 of 1 core over 1h, peak 0.7"},
			Memory: &Advice{Action: ActionKeep, Requested: gi, Recommended: gi, Quantity: "1Gi", P95: 600 * mi, Peak: 700 * mi,
				Evidence: "p95 memory 600Mi of 1Gi over 1h, peak 700Mi"},
			Message: "the requested size fits: p95 CPU 0.6 of 1 core over 1h, peak 0.7; p95 memory 600Mi of 1Gi over 1h, peak 700Mi",
		},
	}, {
		name:   "the team's limit caps the advice, and says so",
		usage:  &Usage{CPUP95: 3.9, CPUPeak: 4, MemoryP95: 600 * mi, MemoryPeak: 700 * mi, History: 7 * time.Hour},
		req:    Requested{CPUMilli: 4000, MemoryBytes: gi},
		policy: capped,
		want: &Recommendation{
			State: StateFits, Window: "6h", HistorySeconds: 25200,
			CPU: &Advice{Action: ActionKeep, Requested: 4000, Recommended: 4000, Quantity: "4", P95: 3900, Peak: 4000,
				Evidence: "p95 CPU 3.9 of 4 cores over 6h, peak 4; the team's limit is below what the peak needs"},
			Memory: &Advice{Action: ActionKeep, Requested: gi, Recommended: gi, Quantity: "1Gi", P95: 600 * mi, Peak: 700 * mi,
				Evidence: "p95 memory 600Mi of 1Gi over 6h, peak 700Mi"},
			Message: "the requested size fits: p95 CPU 3.9 of 4 cores over 6h, peak 4; the team's limit is below what the peak needs; p95 memory 600Mi of 1Gi over 6h, peak 700Mi",
		},
	}, {
		name: "no usage at all",
		req:  Requested{CPUMilli: 1000, MemoryBytes: gi},
		want: &Recommendation{State: StateHistoryTooShort, Window: "6h",
			Message: "history too short: no usage recorded yet, advice after 1h"},
	}, {
		name:  "a figure that is not a number counts as no usage",
		usage: &Usage{CPUP95: math.NaN(), CPUPeak: 1, MemoryP95: 1, MemoryPeak: 1, History: 6 * time.Hour},
		req:   Requested{CPUMilli: 1000, MemoryBytes: gi},
		want: &Recommendation{State: StateHistoryTooShort, Window: "6h",
			Message: "history too short: no usage recorded yet, advice after 1h"},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.policy
			if p == (Policy{}) {
				p = policy
			}
			got := Recommend(tt.usage, tt.req, p)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Recommend (-want +got):\n%s", diff)
			}
		})
	}
}

// Whatever the usage, advice is never below the observed peak unless the team's limit
// forbids it, and always a size a resize accepts: a step multiple within the bounds.
func TestRecommendNeverBelowPeak(t *testing.T) {
	for _, cpuPeak := range []float64{0, 0.001, 0.05, 0.3, 0.95, 1.7, 3, 7.9, 12} {
		for _, memPeak := range []float64{0, 1 * mi, 127 * mi, 129 * mi, 900 * mi, 3 * gi, 31 * gi, 40 * gi} {
			u := &Usage{CPUP95: cpuPeak / 3, CPUPeak: cpuPeak, MemoryP95: memPeak / 2, MemoryPeak: memPeak, History: 6 * time.Hour}
			r := Recommend(u, Requested{CPUMilli: 2000, MemoryBytes: 4 * gi}, policy)
			if c := r.CPU.Recommended; float64(c) < math.Min(cpuPeak*1000, float64(policy.MaxCPUMilli)) ||
				c < policy.MinCPUMilli || c > policy.MaxCPUMilli || (c%CPUStepMilli != 0 && c != 2000) {
				t.Errorf("cpu peak %v: recommended %dm", cpuPeak, c)
			}
			if m := r.Memory.Recommended; float64(m) < math.Min(memPeak, float64(policy.MaxMemoryBytes)) ||
				m < policy.MinMemoryBytes || m > policy.MaxMemoryBytes || (m%MemoryStepBytes != 0 && m != 4*gi) {
				t.Errorf("memory peak %v: recommended %d", memPeak, m)
			}
		}
	}
}
