package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// coldStart execs each function binary (and the two baselines) in turn, round-robin so
// that load from other users of the machine hits all of them alike, and measures exec to
// readiness 200, RSS once ready, and binary size. The baselines are the empty func-go
// function (emptyfn) and the same linking the libraries DESIGN.md names (floorfn).
func (b *bench) coldStart(ctx context.Context) error {
	pkgs := []string{"./hack/bench/emptyfn", "./hack/bench/floorfn"}
	for _, n := range functionNames {
		pkgs = append(pkgs, "./cmd/"+n)
	}
	if err := b.build(ctx, pkgs...); err != nil {
		return err
	}
	runs := 20
	if *quick {
		runs = 5
	}
	// The settings hack/dev.sh gives each function.
	var urls []string
	for _, n := range functionNames {
		urls = append(urls, n+"=http://127.0.0.1:1")
	}
	base := map[string]string{
		"KUBECONFIG":              b.kubeconfig,
		"DEVENVS_DEV_TOKENS":      "true",
		"DEVENVS_REDIS_URL":       b.redisURL,
		"DEVENVS_EVENTLOG_STREAM": b.stream,
	}
	envFor := func(name string) map[string]string {
		env := map[string]string{}
		if name == "emptyfn" || name == "floorfn" {
			return env
		}
		for k, v := range base {
			env[k] = v
		}
		for _, kv := range strings.Split(*startEnv, ",") {
			if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
				env[k] = v
			}
		}
		// The event functions refuse to start without the shared event secret.
		env["DEVENVS_EVENT_TOKEN"] = "bench"
		switch name {
		case "web":
			env["DEVENVS_FUNCTION_URLS"] = strings.Join(urls, ",")
		case "alertsource":
			env["K_SINK"] = "http://127.0.0.1:1"
			env["DEVENVS_ALERTSOURCE_TOKEN"] = "bench"
		}
		return env
	}
	names := append([]string{"emptyfn", "floorfn"}, functionNames...)
	// Another build of a function starts as "<name>@compared", with the function's settings.
	compared := map[string]string{}
	for _, kv := range strings.Split(*cmpStart, ",") {
		if n, path, ok := strings.Cut(strings.TrimSpace(kv), "="); ok {
			compared[n+"@compared"] = n
			b.built[n+"@compared"] = path
			names = append(names, n+"@compared")
		}
	}
	ready := map[string][]time.Duration{}
	rss := map[string][]int64{}
	for i := 0; i < runs+1; i++ { // the first round warms the page cache and is dropped
		for _, n := range names {
			settings := envFor(n)
			if fn, ok := compared[n]; ok {
				settings = envFor(fn)
			}
			p, err := b.startFn(ctx, n, settings)
			if err != nil {
				return err
			}
			r := procStatus(p.cmd.Process.Pid, "VmRSS")
			b.stopFn(p)
			if i > 0 {
				ready[n] = append(ready[n], p.ready)
				rss[n] = append(rss[n], r)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	size := func(n string) int64 {
		st, err := os.Stat(b.built[n])
		if err != nil {
			return 0
		}
		return st.Size()
	}
	medRSS := func(n string) int64 {
		ds := make([]time.Duration, len(rss[n]))
		for i, v := range rss[n] {
			ds[i] = time.Duration(v)
		}
		return int64(percentile(ds, 50))
	}
	e50, eRSS, eSize := percentile(ready["emptyfn"], 50), medRSS("emptyfn"), size("emptyfn")
	b.table.add(row{section: "start", figure: "emptyfn exec->ready p50 / p90", value: ms(e50) + " / " + ms(percentile(ready["emptyfn"], 90)),
		baseline: "-", ratio: "1.00x", note: fmt.Sprintf("RSS %s, %.1f MB binary", mib(eRSS), float64(eSize)/1e6)})
	f50 := percentile(ready["floorfn"], 50)
	b.table.add(row{section: "start", figure: "floorfn exec->ready p50 / p90", value: ms(f50) + " / " + ms(percentile(ready["floorfn"], 90)),
		baseline: ms(e50), ratio: dratio(f50, e50), note: "the empty function linking the design's libraries"})
	for _, n := range slices.Concat(functionNames, slices.Sorted(maps.Keys(compared))) {
		p50 := percentile(ready[n], 50)
		r := medRSS(n)
		ok := p50 <= 50*time.Millisecond && float64(p50) <= 1.5*float64(e50)
		b.table.add(row{section: "start", figure: n + " exec->ready p50 (p90)", value: ms(p50) + " (" + ms(percentile(ready[n], 90)) + ")",
			baseline: ms(e50), ratio: dratio(p50, e50), goal: check("<=50ms, <=1.5x", ok),
			note: dratio(p50, f50) + " of floorfn"})
		b.table.add(row{section: "start", figure: n + " RSS after ready", value: mib(r), baseline: mib(eRSS),
			ratio: ratio(float64(r), float64(eRSS)), goal: check("<40MiB", r < 40*1024)})
		b.table.add(row{section: "start", figure: n + " binary size", value: fmt.Sprintf("%.1f MB", float64(size(n))/1e6),
			baseline: fmt.Sprintf("%.1f MB", float64(eSize)/1e6), ratio: ratio(float64(size(n)), float64(eSize))})
	}
	return nil
}
