// Package rightsize turns an environment's usage history (the right-sizing recording rules
// in charts/devenvs/files/devenvs.rules.yaml) into advice: a CPU and memory size with the
// evidence behind it, never below the observed peak, only once the history is long enough.
// advice.go is pure; prometheus.go reads the figures for a list in one query.
package rightsize

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
)

// Recommendation states.
const (
	// StateResize: a different size fits the usage (one resource or both change).
	StateResize = "resize"
	// StateFits: the requested size fits; nothing to do.
	StateFits = "fits"
	// StateHistoryTooShort: not enough usage history yet to advise.
	StateHistoryTooShort = "historyTooShort"
)

// Actions per resource.
const (
	ActionShrink = "shrink"
	ActionGrow   = "grow"
	ActionKeep   = "keep"
)

// Headroom on top of the usage figures, and the steps sizes are rounded up to. A size
// covers the p95 with room to spare and the peak with a margin; memory gets more margin on
// the peak than CPU because running out of it is an OOM kill, not a slowdown.
const (
	P95Headroom       = 1.30
	CPUPeakHeadroom   = 1.15
	MemPeakHeadroom   = 1.25
	CPUStepMilli      = 100
	MemoryStepBytes   = 128 << 20
	minShrinkFraction = 0.20 // advise a smaller size only when it gives back at least 20%
)

// Usage is what the recording rules know of one environment over the window.
type Usage struct {
	CPUP95, CPUPeak       float64 // cores
	MemoryP95, MemoryPeak float64 // bytes
	// History is how long the figures stand on (at most the window).
	History time.Duration
}

// Policy is what bounds the advice: the history it needs, the rules' window, and the sizes
// a resize accepts (the spec's minimum, the team's maximum).
type Policy struct {
	MinHistory     time.Duration
	Window         time.Duration
	MinCPUMilli    int64
	MaxCPUMilli    int64
	MinMemoryBytes int64
	MaxMemoryBytes int64
}

// Requested is the environment's current size.
type Requested struct {
	CPUMilli    int64
	MemoryBytes int64
}

// Recommendation is listenvs' `recommendation` field of an environment.
type Recommendation struct {
	State string `json:"state"`
	// Window is the rules' window; HistorySeconds how much of it the figures stand on.
	Window         string `json:"window"`
	HistorySeconds int64  `json:"historySeconds"`
	// CPU (millicores) and Memory (bytes) are set unless the history is too short.
	CPU    *Advice `json:"cpu,omitempty"`
	Memory *Advice `json:"memory,omitempty"`
	// Message is the whole advice as one sentence.
	Message string `json:"message"`
}

// Advice is one resource's advice, in millicores (CPU) or bytes (memory).
type Advice struct {
	Action      string `json:"action"`
	Requested   int64  `json:"requested"`
	Recommended int64  `json:"recommended"`
	// Quantity is Recommended as updateenv's resize takes it ("500m", "1536Mi").
	Quantity string `json:"quantity"`
	P95      int64  `json:"p95"`
	Peak     int64  `json:"peak"`
	// Evidence says what the advice stands on, e.g. "p95 CPU 0.3 of 4 cores over 6h, peak 0.42".
	Evidence string `json:"evidence"`
}

// Recommend advises one environment. u is nil when Prometheus has no usage of it at all
// (just created, or not run within the window).
func Recommend(u *Usage, req Requested, p Policy) *Recommendation {
	r := &Recommendation{Window: duration(p.Window)}
	if u == nil || !valid(u) || u.History < p.MinHistory {
		var h time.Duration
		if u != nil && valid(u) {
			h = u.History
		}
		r.State = StateHistoryTooShort
		r.HistorySeconds = int64(h / time.Second)
		if h < time.Minute {
			r.Message = fmt.Sprintf("history too short: no usage recorded yet, advice after %s", duration(p.MinHistory))
		} else {
			r.Message = fmt.Sprintf("history too short: %s of usage, advice after %s", duration(h), duration(p.MinHistory))
		}
		return r
	}
	r.HistorySeconds = int64(u.History / time.Second)
	// The history rule steps a minute at a time, so a full window reads up to a minute short.
	span := u.History
	if span > p.Window-time.Minute {
		span = p.Window
	}
	over := duration(span)
	var cpuNeeds, memNeeds int64
	r.CPU, cpuNeeds = advise(u.CPUP95*1000, u.CPUPeak*1000, CPUPeakHeadroom, CPUStepMilli, req.CPUMilli, p.MinCPUMilli, p.MaxCPUMilli)
	unit := "cores"
	if req.CPUMilli == 1000 {
		unit = "core"
	}
	r.CPU.Evidence = fmt.Sprintf("p95 CPU %s of %s %s over %s, peak %s", cores(r.CPU.P95), cores(req.CPUMilli), unit, over, cores(r.CPU.Peak))
	r.CPU.Quantity = resource.NewMilliQuantity(r.CPU.Recommended, resource.DecimalSI).String()
	r.Memory, memNeeds = advise(u.MemoryP95, u.MemoryPeak, MemPeakHeadroom, MemoryStepBytes, req.MemoryBytes, p.MinMemoryBytes, p.MaxMemoryBytes)
	r.Memory.Evidence = fmt.Sprintf("p95 memory %s of %s over %s, peak %s", bytes(r.Memory.P95), bytes(req.MemoryBytes), over, bytes(r.Memory.Peak))
	r.Memory.Quantity = resource.NewQuantity(r.Memory.Recommended, resource.BinarySI).String()
	if r.CPU.Recommended < cpuNeeds {
		r.CPU.Evidence += "; the team's limit is below what the peak needs"
	}
	if r.Memory.Recommended < memNeeds {
		r.Memory.Evidence += "; the team's limit is below what the peak needs"
	}
	r.State = StateFits
	if r.CPU.Action != ActionKeep || r.Memory.Action != ActionKeep {
		r.State = StateResize
	}
	r.Message = message(r)
	return r
}

// advise sizes one resource: the larger of p95 and peak with their headroom, rounded up
// to step, within [lo, hi]; kept as requested unless that grows it or gives back enough.
// It also returns the size the usage needs before the bounds.
func advise(p95, peak, peakHeadroom float64, step, requested, lo, hi int64) (*Advice, int64) {
	a := &Advice{Requested: requested, P95: int64(math.Ceil(p95)), Peak: int64(math.Ceil(peak))}
	target := roundUp(max(p95*P95Headroom, peak*peakHeadroom), step)
	a.Recommended = target
	if a.Recommended < lo {
		a.Recommended = lo
	}
	if hi > 0 && a.Recommended > hi {
		a.Recommended = hi
	}
	switch {
	case a.Recommended > requested:
		a.Action = ActionGrow
	case float64(requested-a.Recommended) >= minShrinkFraction*float64(requested):
		a.Action = ActionShrink
	default:
		a.Action, a.Recommended = ActionKeep, requested
	}
	return a, target
}

func roundUp(v float64, step int64) int64 {
	return int64(math.Ceil(v/float64(step))) * step
}

func valid(u *Usage) bool {
	for _, v := range []float64{u.CPUP95, u.CPUPeak, u.MemoryP95, u.MemoryPeak} {
		if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
			return false
		}
	}
	return u.History >= 0
}

func message(r *Recommendation) string {
	if r.State == StateFits {
		return "the requested size fits: " + r.CPU.Evidence + "; " + r.Memory.Evidence
	}
	var parts []string
	if r.CPU.Action != ActionKeep {
		parts = append(parts, fmt.Sprintf("%s CPU to %s", r.CPU.Action, r.CPU.Quantity))
	}
	if r.Memory.Action != ActionKeep {
		parts = append(parts, fmt.Sprintf("%s memory to %s", r.Memory.Action, r.Memory.Quantity))
	}
	return strings.Join(parts, " and ") + ": " + r.CPU.Evidence + "; " + r.Memory.Evidence
}

// cores writes millicores as cores with up to three decimals: 300 -> "0.3", 4000 -> "4".
func cores(milli int64) string {
	return strconv.FormatFloat(float64(milli)/1000, 'f', -1, 64)
}

// bytes writes a size in the binary units people read: "310Mi", "1.5Gi".
func bytes(b int64) string {
	switch {
	case b >= 1<<30:
		return strconv.FormatFloat(math.Round(float64(b)/(1<<30)*10)/10, 'f', -1, 64) + "Gi"
	case b >= 1<<20:
		return strconv.FormatFloat(math.Round(float64(b)/(1<<20)), 'f', -1, 64) + "Mi"
	default:
		return strconv.FormatFloat(math.Round(float64(b)/(1<<10)), 'f', -1, 64) + "Ki"
	}
}

// duration writes whole minutes the way configurations do: "6h", "2h15m", "12m".
func duration(d time.Duration) string {
	h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%dh%dm", h, m)
	case h > 0:
		return fmt.Sprintf("%dh", h)
	default:
		return fmt.Sprintf("%dm", m)
	}
}
