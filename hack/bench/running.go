package main

import (
	"context"
	"fmt"
	"net/http"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/env"
)

// running measures create to Running (pod phase Running and Ready, what the UI shows as
// Running) for environments made through createenv, one at a time, against a plain
// Deployment of one pod on the same nodes created with client-go.
func (b *bench) running(ctx context.Context) error {
	if err := b.build(ctx, "./cmd/createenv"); err != nil {
		return err
	}
	if err := b.ensureBenchNodes(ctx); err != nil {
		return err
	}
	cfg, envs, err := b.opsTeams(ctx)
	if err != nil {
		return err
	}
	t, _ := cfg.Team(teamRun)
	p, err := b.startFn(ctx, "createenv", envs)
	if err != nil {
		return err
	}
	defer b.stopFn(p)
	n := 30
	if *quick {
		n = 5
	}
	var fnLat, baseLat []time.Duration
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("r-%03d", i)
		start := time.Now()
		st, _, body, err := b.post(p.url, benchSpec(teamRun, name))
		if err != nil || st != http.StatusCreated {
			return fmt.Errorf("create %s: %d %s %v", name, st, body, err)
		}
		d, err := b.waitReady(ctx, t.Namespace, env.NameSelector(name), start)
		if err != nil {
			return err
		}
		fnLat = append(fnLat, d)

		plain := fmt.Sprintf("plain-%03d", i)
		start = time.Now()
		if _, err := b.cs.AppsV1().Deployments(t.Namespace).Create(ctx, plainDeployment(plain), metav1.CreateOptions{}); err != nil {
			return err
		}
		d, err = b.waitReady(ctx, t.Namespace, "bench-plain="+plain, start)
		if err != nil {
			return err
		}
		baseLat = append(baseLat, d)
	}
	p50, p99, b50, b99 := percentile(fnLat, 50), percentile(fnLat, 99), percentile(baseLat, 50), percentile(baseLat, 99)
	b.table.add(row{section: "running", figure: fmt.Sprintf("create->Running p50, %d one at a time", n), value: ms(p50), baseline: ms(b50), ratio: dratio(p50, b50), note: "baseline: plain Deployment"})
	b.table.add(row{section: "running", figure: fmt.Sprintf("create->Running p99, %d one at a time", n), value: ms(p99), baseline: ms(b99), ratio: dratio(p99, b99)})
	return nil
}

// waitReady polls (every 20 ms, at most 2 minutes) until a pod matching selector is Running
// and Ready and returns the time since start.
func (b *bench) waitReady(ctx context.Context, ns, selector string, start time.Time) (time.Duration, error) {
	deadline := start.Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		l, err := b.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
		if err == nil {
			for _, p := range l.Items {
				if p.Status.Phase != corev1.PodRunning {
					continue
				}
				for _, c := range p.Status.Conditions {
					if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
						return time.Since(start), nil
					}
				}
			}
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("no Ready pod for %s in %s after 2 minutes", selector, ns)
}

func plainDeployment(name string) *appsv1.Deployment {
	lbls := map[string]string{"bench-plain": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: lbls},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: lbls},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"pool": benchPool},
					Containers: []corev1.Container{{Name: "c", Image: "ubuntu:24.04", Resources: corev1.ResourceRequirements{
						Requests: corev1.ResourceList{corev1.ResourceCPU: *mustQ("100m"), corev1.ResourceMemory: *mustQ("256Mi")},
						Limits:   corev1.ResourceList{corev1.ResourceCPU: *mustQ("100m"), corev1.ResourceMemory: *mustQ("256Mi")},
					}}},
				},
			},
		},
	}
}

func mustQ(s string) *resource.Quantity { q := resource.MustParse(s); return &q }
