// Command bench is `make bench`: it measures devenvs against the local cluster and Redis and
// prints one table in which every figure stands beside a baseline measured in the same run.
//
//	go run ./hack/bench [-only start,create,list,alerts,eventlog,running,realstart] [-quick]
//
// What it measures (see docs/PERFORMANCE.md for figures and how to read them):
//
//	start     exec of each function binary to 200 on /health/readiness, RSS, binary size;
//	          baseline: an empty func-go function (hack/bench/emptyfn) built the same way
//	create    createenv over HTTP, sequential and 8 concurrent; baseline: kubectl apply
//	list      listenvs at 100, 1,000, 5,000 environments in one team and 20,000 across teams:
//	          latency, API requests per call, peak memory; baseline: kubectl get -o json
//	alerts    1,000 alerts through alertsource -> alerthandler; lost and duplicate actions;
//	          baseline: the same changes made directly with client-go
//	eventlog  Append and Latest p50/p99 on Redis; baseline: a Redis PING
//	running   createenv to pod Running and Ready; baseline: a plain Deployment
//	realstart on the real node: create -> first SSH command and stop -> start -> SSH, with
//	          packages git curl; baseline: the same image without packages
//
// Every object it makes lives in bench-* namespaces or on nodes labelled pool=bench, and all
// of them are deleted before it exits (also on Ctrl-C). Each loop is bounded in count and time.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

var (
	only      = flag.String("only", "start,create,list,alerts,eventlog,running,realstart", "comma-separated sections to run")
	quick     = flag.Bool("quick", false, "smaller counts, for trying the harness (figures are not comparable)")
	sizes     = flag.String("list-sizes", "100,1000,5000", "environments in one team for the list section")
	listTotal = flag.Int("list-total", 20000, "environments across teams for the last list figure (0 skips)")
	nodes     = flag.Int("nodes", 50, "KWOK bench nodes to add (pool=bench); deleted at the end")
	mdOut     = flag.String("md", "", "also write the table as Markdown to this file")
	cmpList   = flag.String("compare-listenvs", "", "path of another listenvs binary (say, built before a change) to measure beside the current one, interleaved")
	cmpCreate = flag.String("compare-createenv", "", "path of another createenv binary to measure beside the current one, interleaved")
	cmpStart  = flag.String("compare-start", "", "NAME=PATH,...: other builds of functions (say, from before a change) to start beside the current ones, round-robin")
	listHold  = flag.Duration("list-hold", 0, "after populating each one-team list size, keep the environments this long before measuring (to profile listenvs or the apiserver against them)")
	startEnv  = flag.String("start-env", "", "extra K=V,... settings for the functions in the start section (e.g. GOGC=400), to try a start-up setting")
)

func main() {
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	b, err := newBench(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	code := 0
	if err := b.runSections(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		code = 1
	}
	b.cleanup()
	b.table.print(os.Stdout)
	if *mdOut != "" {
		if err := os.WriteFile(*mdOut, []byte(b.table.markdown()), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func (b *bench) runSections(ctx context.Context) error {
	sections := map[string]func(context.Context) error{
		"start":     b.coldStart,
		"eventlog":  b.eventLog,
		"create":    b.create,
		"running":   b.running,
		"alerts":    b.alerts,
		"list":      b.list,
		"realstart": b.realStart,
	}
	// A fixed order: the cheap and noise-sensitive figures first, the cluster-heavy ones last.
	order := []string{"start", "eventlog", "create", "running", "realstart", "alerts", "list"}
	want := map[string]bool{}
	for _, s := range strings.Split(*only, ",") {
		s = strings.TrimSpace(s)
		if _, ok := sections[s]; !ok && s != "" {
			return fmt.Errorf("unknown section %q", s)
		}
		want[s] = true
	}
	for _, s := range order {
		if !want[s] {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		start := time.Now()
		logf("== %s", s)
		if err := sections[s](ctx); err != nil {
			return fmt.Errorf("%s: %w", s, err)
		}
		logf("== %s done in %s", s, time.Since(start).Round(time.Second))
	}
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[bench %s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
