package rightsize

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/prometheus/common/model"
)

func TestQuery(t *testing.T) {
	got := Query([]string{"devenvs-alpha", "team.b"})
	want := `{__name__=~"devenvs:env_cpu_used_cores:p95_6h|devenvs:env_cpu_used_cores:max_6h|devenvs:env_memory_used_bytes:p95_6h|devenvs:env_memory_used_bytes:max_6h|devenvs:env_usage_history_seconds:6h", namespace=~"devenvs-alpha|team\\.b"}`
	if got != want {
		t.Errorf("Query\n got %s\nwant %s", got, want)
	}
}

func TestFromVector(t *testing.T) {
	sample := func(name, ns, env string, v float64) *model.Sample {
		return &model.Sample{Metric: model.Metric{"__name__": model.LabelValue(name), "namespace": model.LabelValue(ns), "team": "a", "env": model.LabelValue(env)}, Value: model.SampleValue(v)}
	}
	vec := model.Vector{
		sample(SeriesCPUP95, "ns", "full", 0.3),
		sample(SeriesCPUPeak, "ns", "full", 0.5),
		sample(SeriesMemoryP95, "ns", "full", 1e9),
		sample(SeriesMemoryPeak, "ns", "full", 2e9),
		sample(SeriesHistory, "ns", "full", 5400),
		// only part of the set: left out
		sample(SeriesCPUP95, "ns", "partial", 0.1),
		sample(SeriesHistory, "ns", "partial", 60),
		// no env label: left out
		sample(SeriesCPUP95, "ns", "", 0.1),
	}
	want := map[Key]*Usage{{Namespace: "ns", Env: "full"}: {CPUP95: 0.3, CPUPeak: 0.5, MemoryP95: 1e9, MemoryPeak: 2e9, History: 90 * time.Minute}}
	if diff := cmp.Diff(want, FromVector(vec)); diff != "" {
		t.Errorf("FromVector (-want +got):\n%s", diff)
	}
}
