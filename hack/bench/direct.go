package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
	"github.com/devenvs/devenvs/shared/resources"
)

const benchKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL1Yev+bk2DU7ob+1kYnux2JyteL8keLmsHcFe9Q1ylG bench@devenvs"

func benchSpec(team, name string) *env.Spec {
	return &env.Spec{Team: team, Name: name, Pool: benchPool, SSHPublicKeys: []string{benchKey}, Packages: []string{"git", "vim"}}
}

// pausedStatus is what the deployment controller writes on a paused Deployment that has no
// ReplicaSet. createDirect writes it itself so the controller finds nothing to change: the
// controller's 20 QPS would otherwise queue the other developers' Deployments behind
// thousands of status writes.
var (
	pausedOnce   sync.Once
	pausedStatus *appsv1.DeploymentStatus
	pausedErr    error
)

func (b *bench) learnPausedStatus(ctx context.Context, d *appsv1.Deployment) (*appsv1.DeploymentStatus, error) {
	pausedOnce.Do(func() {
		probe := d.DeepCopy()
		probe.Name = "status-probe"
		probe.Spec.Selector.MatchLabels[env.NameLabel] = probe.Name
		probe.Spec.Template.Labels[env.NameLabel] = probe.Name
		probe.Labels = map[string]string{"devenvs.dev/bench": "probe"} // not listed as an environment
		if _, err := b.cs.AppsV1().Deployments(d.Namespace).Create(ctx, probe, metav1.CreateOptions{}); err != nil {
			pausedErr = err
			return
		}
		pausedErr = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			got, err := b.cs.AppsV1().Deployments(d.Namespace).Get(ctx, probe.Name, metav1.GetOptions{})
			if err != nil || got.Status.ObservedGeneration < got.Generation || len(got.Status.Conditions) < 2 {
				return false, nil
			}
			pausedStatus = got.Status.DeepCopy()
			return true, nil
		})
		_ = b.cs.AppsV1().Deployments(d.Namespace).Delete(ctx, probe.Name, metav1.DeleteOptions{})
	})
	return pausedStatus, pausedErr
}

// createDirect makes environments the way the scale sections need them without waiting for
// the controllers: each Deployment (from the resources builder, paused so the controllers
// make no ReplicaSet) and, when withPods, its pod bound straight to a bench node, labelled
// and annotated like the pod the ReplicaSet would make (KWOK runs it; its usage annotations
// give the metrics API figures). 16 writers; every 1,000 a progress line.
func (b *bench) createDirect(ctx context.Context, cfg *config.Config, team string, names []string, withPods bool) error {
	t, ok := cfg.Team(team)
	if !ok {
		return fmt.Errorf("no team %s", team)
	}
	now := time.Now()
	jobs := make(chan int)
	var done atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := b.createOne(ctx, cfg, t, names[i], i, withPods, now); err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				if n := done.Add(1); n%1000 == 0 {
					logf("  %s: %d/%d environments", t.Namespace, n, len(names))
				}
			}
		}()
	}
	for i := range names {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
	}
	close(jobs)
	wg.Wait()
	return firstErr
}

func (b *bench) createOne(ctx context.Context, cfg *config.Config, t *config.Team, name string, i int, withPods bool, now time.Time) error {
	spec := benchSpec(t.Name, name)
	spec.SetDefaults(cfg)
	if fe := validation.ValidateSpec(spec, cfg); fe != nil {
		return fmt.Errorf("bench spec: %w", fe)
	}
	d := resources.MakeDeployment(spec, t, cfg, "bench", now)
	d.Spec.Paused = true
	status, err := b.learnPausedStatus(ctx, d)
	if err != nil {
		return fmt.Errorf("learn paused status: %w", err)
	}
	created, err := b.cs.AppsV1().Deployments(t.Namespace).Create(ctx, d, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create deployment %s: %w", name, err)
	}
	created.Status = *status.DeepCopy()
	if _, err := b.cs.AppsV1().Deployments(t.Namespace).UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil && !apierrors.IsConflict(err) {
		return fmt.Errorf("status of %s: %w", name, err)
	}
	if !withPods {
		return nil
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:      fmt.Sprintf("%s-%s-%s", name, "5d8f7c9b6d", randHex(3)[:5]),
			Namespace: t.Namespace,
			Labels:    d.Spec.Template.Labels,
			Annotations: map[string]string{
				"kwok.x-k8s.io/usage-cpu":    "20m",
				"kwok.x-k8s.io/usage-memory": "300Mi",
			},
		},
		Spec: *d.Spec.Template.Spec.DeepCopy(),
	}
	pod.Spec.NodeName = fmt.Sprintf("kwok-%s-%d", benchPool, i%max(1, *nodes))
	if _, err := b.cs.CoreV1().Pods(t.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create pod of %s: %w", name, err)
	}
	return nil
}

// waitPodsRunning waits (bounded) until at least want pods in ns are Running.
func (b *bench) waitPodsRunning(ctx context.Context, ns string, want int, limit time.Duration) (int, error) {
	running := 0
	err := wait.PollUntilContextTimeout(ctx, 2*time.Second, limit, true, func(ctx context.Context) (bool, error) {
		l, err := b.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{FieldSelector: "status.phase=Running", ResourceVersion: "0"})
		if err != nil {
			return false, nil
		}
		running = len(l.Items)
		return running >= want, nil
	})
	return running, err
}
