package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"github.com/devenvs/devenvs/hack/realstack"
	"net/http"
	"os/exec"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/env"
)

const teamReal = "bench-s" // start times on the real node

// realStart measures, on the local cluster's real node, what a user waits for: createenv to
// the first SSH command that succeeds, and updateenv stop -> start to the same, p50 over
// several runs, with the steps of each first start (schedule, sandbox and image, package
// install, sshd) read from the pod's conditions and the start script's timestamped steps.
// The baseline is the same image with no packages (the start script still installs sshd).
func (b *bench) realStart(ctx context.Context) error {
	if _, err := b.cs.CoreV1().Nodes().Get(ctx, "devenvs-real", metav1.GetOptions{}); err != nil {
		return fmt.Errorf("no real node (run make cluster; hack/realnode.sh check says why): %w", err)
	}
	if err := b.build(ctx, "./cmd/createenv", "./cmd/updateenv"); err != nil {
		return err
	}
	cfg := b.benchConfig(map[string]string{teamReal: teamReal + "-" + b.run}, 20, false)
	t := &cfg.Teams[0]
	t.Pools, t.Images = []string{"real"}, []string{"debian:*"}
	cfg.Defaults.Pool = "real"
	envs, err := b.setupTeams(ctx, cfg, "real")
	if err != nil {
		return err
	}
	create, err := b.startFn(ctx, "createenv", envs)
	if err != nil {
		return err
	}
	defer b.stopFn(create)
	update, err := b.startFn(ctx, "updateenv", envs)
	if err != nil {
		return err
	}
	defer b.stopFn(update)
	key, err := realstack.NewKey("", "bench@devenvs")
	if err != nil {
		return err
	}
	n := 5
	if *quick {
		n = 2
	}
	type series struct{ first, restart []time.Duration }
	results := map[string]*series{}
	var steps []startSteps
	for _, variant := range []struct {
		name     string
		packages []string
	}{{"baseline", nil}, {"git curl", []string{"git", "curl"}}} {
		s := &series{}
		results[variant.name] = s
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("s-%s-%d", strings.ReplaceAll(variant.name, " ", ""), i)
			spec := map[string]any{"team": teamReal, "name": name, "image": "debian:bookworm", "cpu": "500m", "memory": "512Mi",
				"packages": variant.packages, "sshPublicKeys": []string{key.Public}}
			start := time.Now()
			if st, _, body, err := b.post(create.url, spec); err != nil || st != http.StatusCreated {
				return fmt.Errorf("create %s: %d %s %v", name, st, body, err)
			}
			pod, err := b.waitSSH(ctx, t.Namespace, name, key, start)
			if err != nil {
				return err
			}
			s.first = append(s.first, time.Since(start))
			if variant.packages != nil {
				st, err := b.stepsOf(ctx, pod, start)
				if err != nil {
					return err
				}
				steps = append(steps, st)
			}
			if err := b.stopAndWait(ctx, update.url, t.Namespace, name); err != nil {
				return err
			}
			start = time.Now()
			if st, _, body, err := b.post(update.url+"/"+teamReal+"/"+name, map[string]string{"action": "start"}); err != nil || st != http.StatusOK {
				return fmt.Errorf("start %s: %d %s %v", name, st, body, err)
			}
			if _, err := b.waitSSH(ctx, t.Namespace, name, key, start); err != nil {
				return err
			}
			s.restart = append(s.restart, time.Since(start))
			if err := b.cs.AppsV1().Deployments(t.Namespace).Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: new(metav1.DeletePropagationForeground)}); err != nil {
				return err
			}
			logf("%s: first start %s, restart %s", name, ms(s.first[len(s.first)-1]), ms(s.restart[len(s.restart)-1]))
		}
	}
	base, pk := results["baseline"], results["git curl"]
	f50, b50 := percentile(pk.first, 50), percentile(base.first, 50)
	r50, rb50 := percentile(pk.restart, 50), percentile(base.restart, 50)
	b.table.add(row{section: "realstart", figure: fmt.Sprintf("create -> first SSH command, git curl, p50 of %d", n), value: ms(f50), baseline: ms(b50),
		ratio: dratio(f50, b50), note: "baseline: same image, no packages; " + check("<= 1.3x", float64(f50) <= 1.3*float64(b50))})
	b.table.add(row{section: "realstart", figure: fmt.Sprintf("stop -> start -> SSH command, git curl, p50 of %d", n), value: ms(r50), baseline: ms(rb50),
		ratio: dratio(r50, rb50), note: check("<= 8 s", r50 <= 8*time.Second)})
	mid := medianSteps(steps)
	b.table.add(row{section: "realstart", figure: "first start's steps (p50): schedule / sandbox+image / packages / sshd / first SSH",
		value: fmt.Sprintf("%s / %s / %s / %s / %s", ms(mid.schedule), ms(mid.image), ms(mid.packages), ms(mid.sshd), ms(mid.login))})
	return nil
}

// waitSSH polls until the environment's pod has an address and a real ssh `true` succeeds.
func (b *bench) waitSSH(ctx context.Context, ns, name string, k realstack.Key, start time.Time) (*corev1.Pod, error) {
	for deadline := start.Add(4 * time.Minute); time.Now().Before(deadline); {
		pods, err := b.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: env.NameLabel + "=" + name})
		if err != nil {
			return nil, err
		}
		for i := range pods.Items {
			p := &pods.Items[i]
			if p.DeletionTimestamp != nil || p.Status.PodIP == "" {
				continue
			}
			ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err := exec.CommandContext(ctx, "ssh", "-i", k.Private, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
				"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "ConnectTimeout=2",
				"-o", "LogLevel=ERROR", "dev@"+p.Status.PodIP, "true").Run()
			cancel()
			if err == nil {
				return p, nil
			}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("%s/%s: no SSH login within 4 minutes", ns, name)
}

func (b *bench) stopAndWait(ctx context.Context, updateURL, ns, name string) error {
	if st, _, body, err := b.post(updateURL+"/"+teamReal+"/"+name, map[string]string{"action": "stop"}); err != nil || st != http.StatusOK {
		return fmt.Errorf("stop %s: %d %s %v", name, st, body, err)
	}
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		pods, err := b.cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: env.NameLabel + "=" + name})
		if err != nil {
			return err
		}
		if len(pods.Items) == 0 {
			return nil
		}
	}
	return fmt.Errorf("%s/%s: pod still there a minute after stop", ns, name)
}

// startSteps is where one first start spent its time.
type startSteps struct{ schedule, image, packages, sshd, login time.Duration }

// stepsOf reads a started pod's timeline: scheduled (PodScheduled), container started
// (sandbox, image, mounts), the start script's steps (kubelet log timestamps), Ready, and
// the first SSH login (now).
func (b *bench) stepsOf(ctx context.Context, pod *corev1.Pod, created time.Time) (startSteps, error) {
	var s startSteps
	login := time.Now()
	var scheduled time.Time
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled {
			scheduled = c.LastTransitionTime.Time
		}
	}
	raw, err := b.cs.CoreV1().Pods(pod.Namespace).GetLogs(pod.Name, &corev1.PodLogOptions{Container: "workspace", Timestamps: true}).DoRaw(ctx)
	if err != nil {
		return s, fmt.Errorf("logs of %s: %w", pod.Name, err)
	}
	at := map[string]time.Time{}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		ts, line, ok := strings.Cut(sc.Text(), " ")
		if !ok || !strings.HasPrefix(line, "devenvs-step: ") {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			at[strings.TrimPrefix(line, "devenvs-step: ")] = t
		}
	}
	install, sshd, ready := at["installing-packages"], at["starting-ssh"], at["ready"]
	if install.IsZero() || sshd.IsZero() || ready.IsZero() {
		return s, fmt.Errorf("%s: start script steps missing from its log", pod.Name)
	}
	s.schedule = scheduled.Sub(created)
	s.image = install.Sub(scheduled)
	s.packages = sshd.Sub(install)
	s.sshd = ready.Sub(sshd)
	s.login = login.Sub(ready)
	return s, nil
}

func medianSteps(all []startSteps) startSteps {
	pick := func(f func(startSteps) time.Duration) time.Duration {
		var ds []time.Duration
		for _, s := range all {
			ds = append(ds, f(s))
		}
		return percentile(ds, 50)
	}
	return startSteps{
		schedule: pick(func(s startSteps) time.Duration { return s.schedule }),
		image:    pick(func(s startSteps) time.Duration { return s.image }),
		packages: pick(func(s startSteps) time.Duration { return s.packages }),
		sshd:     pick(func(s startSteps) time.Duration { return s.sshd }),
		login:    pick(func(s startSteps) time.Duration { return s.login }),
	}
}
