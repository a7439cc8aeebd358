package listenvs

import (
	"context"
	"sync"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/httpx"
	"github.com/devenvs/devenvs/shared/rightsize"
)

// usageSource is the Prometheus client of rightSizing, made on first use (NewSource makes
// no request) so Start stays free of it; nil when right-sizing is off.
func (f *Function) usageSource() *rightsize.Source {
	f.sourceOnce.Do(func() {
		rs := f.App.Config.RightSizing
		if !rs.Enabled() {
			return
		}
		src, err := rightsize.NewSource(rs.PrometheusURL, rs.QueryTimeout())
		if err != nil { // validated with the configuration, so not expected
			f.App.Logger.WithError(err).Warn("right-sizing off")
			return
		}
		f.source = src
	})
	return f.source
}

// startUsage asks Prometheus for the usage of every environment in the teams' namespaces,
// in one query running beside the Kubernetes calls. The returned function waits for the
// answer: nil when right-sizing is off, Prometheus is down or slower than the configured
// timeout, and the list then goes out without advice.
func (f *Function) startUsage(ctx context.Context, teams []*config.Team) func() map[rightsize.Key]*rightsize.Usage {
	src := f.usageSource()
	if src == nil || len(teams) == 0 {
		return func() map[rightsize.Key]*rightsize.Usage { return nil }
	}
	namespaces := make([]string, len(teams))
	for i, t := range teams {
		namespaces[i] = t.Namespace
	}
	var (
		wg    sync.WaitGroup
		usage map[rightsize.Key]*rightsize.Usage
	)
	wg.Go(func() {
		var err error
		if usage, err = src.Usage(ctx, namespaces); err != nil {
			httpx.Logger(ctx).WithError(err).Warn("right-sizing: no advice in this list")
		}
	})
	return func() map[rightsize.Key]*rightsize.Usage { wg.Wait(); return usage }
}

// recommend attaches advice to each environment that is running or was within the window,
// when Prometheus answered (usage not nil).
func recommend(envs []env.Environment, usage map[rightsize.Key]*rightsize.Usage, cfg *config.Config) {
	if usage == nil {
		return
	}
	for i := range envs {
		e := &envs[i]
		team, ok := cfg.Team(e.Team)
		if !ok {
			continue
		}
		p := rightsize.Policy{
			MinHistory:     cfg.RightSizing.History(),
			Window:         config.RightSizingWindow,
			MinCPUMilli:    env.MinCPU.MilliValue(),
			MaxCPUMilli:    team.MaxCPU.MilliValue(),
			MinMemoryBytes: env.MinMemory.Value(),
			MaxMemoryBytes: team.MaxMemory.Value(),
		}
		req := rightsize.Requested{CPUMilli: e.Requested.CPUMilli, MemoryBytes: e.Requested.MemoryBytes}
		e.Recommendation = rightsize.Recommend(usage[rightsize.Key{Namespace: team.Namespace, Env: e.Name}], req, p)
	}
}
