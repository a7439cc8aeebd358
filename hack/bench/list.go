package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/devenvs/devenvs/functions/listenvs"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/testbed"
)

// list measures listenvs at growing numbers of environments in one team, then across four
// teams: latency of GET on the real binary, its peak RSS (VmHWM), the API requests of one call
// (an in-process listenvs whose client counts requests, testbed.CountRequests), against
// `kubectl get deployments,pods -l app.kubernetes.io/managed-by=devenvs -o json`.
func (b *bench) list(ctx context.Context) error {
	if err := b.build(ctx, "./cmd/listenvs"); err != nil {
		return err
	}
	if *cmpList != "" {
		b.built["listenvs-before"] = *cmpList
	}
	if err := b.ensureBenchNodes(ctx); err != nil {
		return err
	}
	var steps []int
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-list-sizes: %w", err)
		}
		steps = append(steps, n)
	}
	if *quick {
		steps = []int{20, 100}
	}
	teams := []string{"bench-l1", "bench-l2", "bench-l3", "bench-l4"}
	ns := map[string]string{}
	for _, t := range teams {
		ns[t] = t + "-" + b.run
	}
	cfg := b.benchConfig(ns, 30000, false)
	envs, err := b.setupTeams(ctx, cfg, "list")
	if err != nil {
		return err
	}

	// The in-process twin that counts requests.
	var calls atomic.Int64
	counted := listenvs.New()
	if err := counted.Start(ctx, envs); err != nil {
		return err
	}
	defer counted.Stop(context.Background())
	if counted.App.Kube, err = kube.New(testbed.CountRequests(b.rc, &calls)); err != nil {
		return err
	}
	countCall := func(query string) (int64, error) {
		req := httptest.NewRequest(http.MethodGet, "/"+query, nil)
		req.Header.Set("Authorization", "Bearer "+b.token)
		rec := httptest.NewRecorder()
		before := calls.Load()
		counted.Handle(rec, req)
		if rec.Code != http.StatusOK {
			return 0, fmt.Errorf("counted list: %d %s", rec.Code, rec.Body.String())
		}
		return calls.Load() - before, nil
	}

	have := map[string]int{}
	grow := func(team string, n int) error {
		if have[team] >= n {
			return nil
		}
		names := make([]string, 0, n-have[team])
		for i := have[team]; i < n; i++ {
			names = append(names, fmt.Sprintf("e-%05d", i))
		}
		start := time.Now()
		if err := b.createDirect(ctx, cfg, team, names, true); err != nil {
			return err
		}
		logf("  %s: +%d environments in %s", team, len(names), time.Since(start).Round(time.Second))
		have[team] = n
		return nil
	}
	settle := func(teams []string) {
		for _, t := range teams {
			tt, _ := cfg.Team(t)
			got, err := b.waitPodsRunning(ctx, tt.Namespace, have[t], 5*time.Minute)
			if err != nil {
				logf("  %s: only %d of %d pods Running after 5 minutes; measuring anyway", t, got, have[t])
			}
		}
		// Usage shows up once metrics-server has scraped the new pods (15 s resolution).
		_ = wait.PollUntilContextTimeout(ctx, 5*time.Second, 90*time.Second, true, func(ctx context.Context) (bool, error) {
			for _, t := range teams {
				tt, _ := cfg.Team(t)
				m, err := b.kc.PodMetrics(ctx, tt.Namespace, env.Selector())
				if err != nil || len(m) < have[t]*9/10 {
					return false, nil
				}
			}
			return true, nil
		})
	}

	measure := func(label, query string, total, nTeams, runs, kruns int, kargs []string) error {
		type target struct {
			name, tag string
			p         *proc
			lat       []time.Duration // one call: the first page
			whole     []time.Duration // every page, one after the other
			calls     int             // pages in a whole list
			hwm       int64
		}
		targets := []*target{{name: "listenvs"}}
		if *cmpList != "" {
			targets = append(targets, &target{name: "listenvs-before", tag: " (before fix)"})
		}
		stopAll := func() {
			for _, t := range targets {
				b.stopFn(t.p)
			}
		}
		defer stopAll()
		// page GETs one page; all follows the continue tokens to the end, as the UI does.
		page := func(p *proc, cont string) (time.Duration, int, string, error) {
			u := p.url + "/" + query
			if cont != "" {
				sep := "&"
				if query == "" {
					sep = "?"
				}
				u += sep + "continue=" + url.QueryEscape(cont)
			}
			req, _ := http.NewRequest(http.MethodGet, u, nil)
			req.Header.Set("Authorization", "Bearer "+b.token)
			s := time.Now()
			resp, err := apiClient.Do(req)
			if err != nil {
				return 0, 0, "", err
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			d := time.Since(s)
			if err != nil || resp.StatusCode != http.StatusOK {
				return d, 0, "", fmt.Errorf("listenvs: %d %v: %.200s", resp.StatusCode, err, body)
			}
			var r struct {
				Environments []json.RawMessage `json:"environments"`
				Continue     string            `json:"continue"`
			}
			if err := json.Unmarshal(body, &r); err != nil {
				return d, 0, "", err
			}
			return d, len(r.Environments), r.Continue, nil
		}
		all := func(p *proc) (first, total time.Duration, n, calls int, err error) {
			cont := ""
			for ; calls == 0 || cont != ""; calls++ {
				d, got, next, err := page(p, cont)
				if err != nil {
					return 0, 0, 0, 0, err
				}
				if calls == 0 {
					first = d
				}
				total += d
				n += got
				cont = next
			}
			return first, total, n, calls, nil
		}
		for _, t := range targets {
			var err error
			if t.p, err = b.startFn(ctx, t.name, envs); err != nil {
				return err
			}
			if _, _, got, _, err := all(t.p); err != nil || got != total { // warm-up, untimed
				return fmt.Errorf("warm-up list: %d environments, want %d: %v", got, total, err)
			}
		}
		for i := 0; i < runs; i++ { // interleaved, so both see the same load
			for _, t := range targets {
				first, whole, _, calls, err := all(t.p)
				if err != nil {
					return err
				}
				t.calls = calls
				t.lat = append(t.lat, first)
				t.whole = append(t.whole, whole)
			}
		}
		for _, t := range targets {
			t.hwm = procStatus(t.p.cmd.Process.Pid, "VmHWM")
		}
		stopAll()
		reqs, err := countCall(query)
		if err != nil {
			return err
		}
		var klat []time.Duration
		for i := 0; i < kruns; i++ {
			cmd := exec.CommandContext(ctx, b.kubectl, kargs...)
			cmd.Env = append(os.Environ(), "KUBECONFIG="+b.kubeconfig)
			var stderr strings.Builder
			cmd.Stdout, cmd.Stderr = io.Discard, &stderr
			s := time.Now()
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("kubectl %v: %v %s", kargs, err, stderr.String())
			}
			klat = append(klat, time.Since(s))
		}
		k50, k99 := percentile(klat, 50), percentile(klat, 99)
		for _, t := range targets {
			p50, p99 := percentile(t.lat, 50), percentile(t.lat, 99)
			goal := ""
			if total == 5000 && nTeams == 1 {
				goal = check("<=200ms", p50 <= 200*time.Millisecond)
			}
			b.table.add(row{section: "list", figure: label + " GET p50" + t.tag, value: ms(p50), baseline: ms(k50), ratio: dratio(p50, k50), goal: goal,
				note: fmt.Sprintf("one call (a page of at most %d); %d runs, %d kubectl get", listenvs.DefaultLimit, runs, kruns)})
			b.table.add(row{section: "list", figure: label + " GET p99" + t.tag, value: ms(p99), baseline: ms(k99), ratio: dratio(p99, k99)})
			w50 := percentile(t.whole, 50)
			b.table.add(row{section: "list", figure: label + " all pages p50" + t.tag, value: ms(w50), baseline: ms(k50), ratio: dratio(w50, k50),
				note: fmt.Sprintf("%d calls, one after the other, as the UI reads them", t.calls)})
			b.table.add(row{section: "list", figure: label + " peak RSS (VmHWM)" + t.tag, value: mib(t.hwm), baseline: "-", ratio: "-"})
		}
		b.table.add(row{section: "list", figure: label + " API requests per GET", value: strconv.FormatInt(reqs, 10),
			baseline: strconv.Itoa(2 * nTeams), ratio: ratio(float64(reqs), float64(2*nTeams)),
			goal: check(fmt.Sprintf("<=%d (3 per team)", 3*nTeams), reqs <= int64(3*nTeams)), note: "baseline: kubectl's 2 lists per namespace"})
		return nil
	}

	l1, _ := cfg.Team("bench-l1")
	for _, n := range steps {
		if err := grow("bench-l1", n); err != nil {
			return err
		}
		settle([]string{"bench-l1"})
		if *listHold > 0 {
			logf("holding %d environments in namespace %s for %s (KUBECONFIG=%s)", n, l1.Namespace, *listHold, b.kubeconfig)
			select {
			case <-time.After(*listHold):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		runs, kruns := 30, 20
		if n >= 5000 {
			runs, kruns = 20, 5
		}
		if err := measure(fmt.Sprintf("%d envs, 1 team", n), "?team=bench-l1", n, 1, runs, kruns,
			[]string{"get", "deployments,pods", "-l", env.Selector(), "-n", l1.Namespace, "-o", "json"}); err != nil {
			return err
		}
	}
	if *listTotal <= 0 || *quick {
		return nil
	}
	per := *listTotal / len(teams)
	if err := grow("bench-l1", per); err != nil {
		return err
	}
	for _, t := range teams[1:] {
		if err := grow(t, per); err != nil {
			return fmt.Errorf("cross-team step stopped at %v: %w", have, err)
		}
	}
	total := 0
	for _, t := range teams {
		total += have[t]
	}
	settle(teams)
	return measure(fmt.Sprintf("%d envs, %d teams", total, len(teams)), "", total, len(teams), 10, 3,
		[]string{"get", "deployments,pods", "-l", env.Selector() + ",devenvs.dev/team in (bench-l1,bench-l2,bench-l3,bench-l4)", "-A", "-o", "json"})
}
