package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"time"

	"github.com/prometheus/alertmanager/template"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/resources"
)

// alertHooks is how many webhooks the alerts section posts at once, as Alertmanager posts
// several groups in parallel. The alert handler takes concurrent deliveries now that it
// decodes CloudEvents without the SDK receiver that could wedge, and alertsource sends each
// webhook's events alertsource.SendConcurrency (8) at once, so 4 webhooks put up to 32
// deliveries on the one handler process (no queue-proxy here to hold it at its
// containerConcurrency of 10), enough to overlap the apiserver round trips on two cores.
var alertHooks = flag.Int("alert-hooks", 4, "webhooks the alerts section posts at once")

// alerts sends 1,000 alerts (EnvIdleCPU and EnvHighMemVsRequest firing for 500 environments)
// as 100 Alertmanager webhooks of 10 alerts to the real alertsource binary, whose K_SINK is
// the real alerthandler binary; then sends all 100 webhooks again, as Alertmanager re-sends
// groups. Webhooks go -alert-hooks at a time. Lost: an alert without its action in the event
// log or the cluster; duplicate: an alert acted on twice. Baseline: the same 1,000 changes
// made with client-go (kube.Client.Update, as the handler does), one at a time.
func (b *bench) alerts(ctx context.Context) error {
	if err := b.build(ctx, "./cmd/alertsource", "./cmd/alerthandler"); err != nil {
		return err
	}
	cfg, envs, err := b.opsTeams(ctx)
	if err != nil {
		return err
	}
	nEnv := 500
	if *quick {
		nEnv = 50
	}
	names := make([]string, nEnv)
	for i := range names {
		names[i] = fmt.Sprintf("a-%04d", i)
	}
	logf("creating %d environments in each of %s and %s", nEnv, teamAlerts, teamAlertBase)
	if err := b.createDirect(ctx, cfg, teamAlerts, names, false); err != nil {
		return err
	}
	if err := b.createDirect(ctx, cfg, teamAlertBase, names, false); err != nil {
		return err
	}
	// The alert handler acts only on events carrying the shared secret; the source signs them.
	eventSecret := "bench-events-" + randHex(8)
	handlerEnv := map[string]string{"DEVENVS_EVENT_TOKEN": eventSecret}
	for k, v := range envs {
		handlerEnv[k] = v
	}
	handler, err := b.startFn(ctx, "alerthandler", handlerEnv)
	if err != nil {
		return err
	}
	defer b.stopFn(handler)
	srcToken := "bench-alertsource-" + randHex(4)
	source, err := b.startFn(ctx, "alertsource", map[string]string{"K_SINK": handler.url, "DEVENVS_ALERTSOURCE_TOKEN": srcToken, "DEVENVS_EVENT_TOKEN": eventSecret})
	if err != nil {
		return err
	}
	defer b.stopFn(source)

	team, _ := cfg.Team(teamAlerts)
	startsAt := time.Now().UTC().Add(-30 * time.Minute)
	var hooks []*template.Data
	const perHook = 10
	var alerts []template.Alert
	for _, name := range names {
		for _, alertname := range []string{"EnvIdleCPU", "EnvHighMemVsRequest"} {
			labels := map[string]string{"alertname": alertname, "team": teamAlerts, "env": name, "namespace": team.Namespace, "severity": "info", "bench": b.run}
			sum := sha256.Sum256([]byte(b.run + alertname + name))
			alerts = append(alerts, template.Alert{
				Status: "firing", Labels: labels,
				Annotations: map[string]string{"summary": "bench alert " + alertname + " for " + name},
				StartsAt:    startsAt, Fingerprint: hex.EncodeToString(sum[:8]),
			})
		}
	}
	for i := 0; i < len(alerts); i += perHook {
		hooks = append(hooks, &template.Data{
			Receiver: "devenvs", Status: "firing", Alerts: alerts[i:min(i+perHook, len(alerts))],
			GroupLabels: map[string]string{"bench": b.run}, ExternalURL: "http://bench-" + b.run + ".invalid",
		})
	}
	send := func() (time.Duration, error) {
		start := time.Now()
		_, err := runParallel(len(hooks), max(*alertHooks, 1), func(i int) (time.Duration, error) {
			h := hooks[i]
			body := map[string]any{
				"version": "4", "groupKey": fmt.Sprintf("{}:{bench=%q,n=%d}", b.run, i), "truncatedAlerts": 0,
				"receiver": h.Receiver, "status": h.Status, "alerts": h.Alerts, "groupLabels": h.GroupLabels,
				"commonLabels": map[string]string{}, "commonAnnotations": map[string]string{}, "externalURL": h.ExternalURL,
			}
			st, d, out, err := postAuth(source.url+"/", srcToken, body)
			if err != nil || st != http.StatusOK {
				return d, fmt.Errorf("webhook %d: %d %s %v", i, st, out, err)
			}
			return d, nil
		})
		return time.Since(start), err
	}
	first, err := send()
	if err != nil {
		return err
	}
	again, err := send()
	if err != nil {
		return err
	}

	// Count actions in the event log (the team's stream) by event id.
	entries, err := b.redis.XRange(ctx, b.stream+":"+teamAlerts, "-", "+").Result()
	if err != nil {
		return err
	}
	perID := map[string]int{}
	for _, e := range entries {
		if id, ok := e.Values["requestId"].(string); ok {
			perID[id]++
		}
	}
	dups := 0
	for _, c := range perID {
		dups += c - 1
	}
	// And in the cluster: every environment stopped and annotated.
	deps, err := b.cs.AppsV1().Deployments(team.Namespace).List(ctx, metav1.ListOptions{LabelSelector: env.Selector()})
	if err != nil {
		return err
	}
	notDone := 0
	for _, d := range deps.Items {
		if d.Spec.Replicas == nil || *d.Spec.Replicas != 0 {
			notDone++
		}
		if _, ok := d.Annotations[env.MemoryWarningAnnotation]; !ok {
			notDone++
		}
	}
	lost := max(len(alerts)-len(perID), notDone)

	// Baseline: the same changes straight through client-go.
	base, _ := cfg.Team(teamAlertBase)
	stamp := time.Now().UTC().Format(time.RFC3339)
	bstart := time.Now()
	for _, name := range names {
		if _, err := b.kc.Update(ctx, base.Namespace, name, func(d *appsv1.Deployment) (bool, error) { return resources.Stop(d, "IdleCPU"), nil }); err != nil {
			return err
		}
		if _, err := b.kc.Update(ctx, base.Namespace, name, func(d *appsv1.Deployment) (bool, error) {
			return resources.Annotate(d, env.MemoryWarningAnnotation, stamp), nil
		}); err != nil {
			return err
		}
	}
	direct := time.Since(bstart)
	n := len(alerts)
	b.table.add(row{section: "alerts", figure: fmt.Sprintf("%d alerts, source->handler, first delivery (%d webhooks at once)", n, max(*alertHooks, 1)), value: fmt.Sprintf("%.1f s (%.0f/s)", first.Seconds(), float64(n)/first.Seconds()),
		baseline: fmt.Sprintf("%.1f s", direct.Seconds()), ratio: dratio(first, direct), goal: check("<=10s", first <= 10*time.Second), note: "baseline: same changes via client-go"})
	b.table.add(row{section: "alerts", figure: fmt.Sprintf("%d alerts re-sent (all duplicates)", n), value: fmt.Sprintf("%.1f s (%.0f/s)", again.Seconds(), float64(n)/again.Seconds()),
		baseline: fmt.Sprintf("%.1f s", direct.Seconds()), ratio: dratio(again, direct)})
	b.table.add(row{section: "alerts", figure: "lost / duplicate actions", value: fmt.Sprintf("%d / %d", lost, dups), baseline: "0 / 0", ratio: "-",
		goal: check("0 / 0", lost == 0 && dups == 0), note: fmt.Sprintf("%d log entries for %d alerts", len(entries), n)})
	return nil
}
