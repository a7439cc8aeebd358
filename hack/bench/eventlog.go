package main

import (
	"context"
	"fmt"
	"time"

	"github.com/devenvs/devenvs/shared/eventlog"
)

// eventLog times each Append and each Latest(team, 50) of the Redis event log on the real
// Redis, one at a time, against a PING on the same connection pool settings (the round trip
// no command can beat). The stream is this run's own and is deleted at the end.
func (b *bench) eventLog(ctx context.Context) error {
	n := 2000
	if *quick {
		n = 200
	}
	l, err := eventlog.NewRedis(b.redisURL, eventlog.WithStream(b.stream))
	if err != nil {
		return err
	}
	defer l.Close()
	ping := func() (time.Duration, error) {
		s := time.Now()
		err := b.redis.Ping(ctx).Err()
		return time.Since(s), err
	}
	for i := 0; i < 50; i++ { // warm both pools
		_, _ = ping()
		_ = l.Append(ctx, eventlog.Event{Actor: "bench", Action: "create", Team: "bench", Env: "warm", Outcome: eventlog.OutcomeSuccess})
	}
	var app, lat, pings []time.Duration
	for i := 0; i < n; i++ {
		ev := eventlog.Event{Actor: "bench", Action: "create", Team: "bench", Env: fmt.Sprintf("e-%d", i), Outcome: eventlog.OutcomeSuccess, RequestID: randHex(8)}
		s := time.Now()
		if err := l.Append(ctx, ev); err != nil {
			return err
		}
		app = append(app, time.Since(s))
		s = time.Now()
		if _, err := l.Latest(ctx, "bench", 50); err != nil {
			return err
		}
		lat = append(lat, time.Since(s))
		d, err := ping()
		if err != nil {
			return err
		}
		pings = append(pings, d)
	}
	p50, p99 := percentile(pings, 50), percentile(pings, 99)
	for _, f := range []struct {
		name string
		ds   []time.Duration
	}{{"Append", app}, {"Latest(team, 50)", lat}} {
		v50, v99 := percentile(f.ds, 50), percentile(f.ds, 99)
		b.table.add(row{section: "eventlog", figure: fmt.Sprintf("%s p50 / p99 (%d)", f.name, n), value: ms(v50) + " / " + ms(v99),
			baseline: ms(p50) + " / " + ms(p99), ratio: dratio(v99, p99) + " (p99)", note: "baseline: Redis PING"})
	}
	return nil
}
