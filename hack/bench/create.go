package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/yaml"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
	"github.com/devenvs/devenvs/shared/resources"
)

// Teams of the create, running and alerts sections, all in one configuration so one
// createenv process serves them.
const (
	teamCreate    = "bench-c" // createenv
	teamKubectl   = "bench-k" // kubectl apply baseline
	teamRun       = "bench-r" // create to Running
	teamAlerts    = "bench-a" // alert burst
	teamAlertBase = "bench-b" // alert baseline
)

// opsTeams sets up (once) the teams of the create, running and alerts sections.
func (b *bench) opsTeams(ctx context.Context) (*config.Config, map[string]string, error) {
	b.mu.Lock()
	cfg, env := b.opsCfg, b.opsEnv
	b.mu.Unlock()
	if cfg != nil {
		return cfg, env, nil
	}
	ns := map[string]string{}
	for _, t := range []string{teamCreate, teamKubectl, teamRun, teamAlerts, teamAlertBase} {
		ns[t] = t + "-" + b.run
	}
	cfg = b.benchConfig(ns, 1000, true)
	env, err := b.setupTeams(ctx, cfg, "ops")
	if err != nil {
		return nil, nil, err
	}
	b.mu.Lock()
	b.opsCfg, b.opsEnv = cfg, env
	b.mu.Unlock()
	return cfg, env, nil
}

var apiClient = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}

// post sends a JSON body with the bench user's token and returns the status and latency.
func (b *bench) post(url string, body any) (int, time.Duration, []byte, error) {
	return postAuth(url, b.token, body)
}

func postAuth(url, token string, body any) (int, time.Duration, []byte, error) {
	raw, err := json.Marshal(body)
	if err != nil {
		return 0, 0, nil, err
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return 0, 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := apiClient.Do(req)
	if err != nil {
		return 0, time.Since(start), nil, err
	}
	out, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, time.Since(start), out, nil
}

// runParallel calls fn(i) for i in [0,n) on `workers` goroutines and returns each latency.
func runParallel(n, workers int, fn func(i int) (time.Duration, error)) ([]time.Duration, error) {
	lat := make([]time.Duration, n)
	jobs := make(chan int)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				d, err := fn(i)
				lat[i] = d
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return lat, firstErr
}

// create measures createenv (the real binary, over HTTP) against `kubectl apply` of the same
// Deployment, Secret and Service, 200 environments sequentially and 200 with 8 in flight.
func (b *bench) create(ctx context.Context) error {
	if err := b.build(ctx, "./cmd/createenv"); err != nil {
		return err
	}
	if err := b.ensureBenchNodes(ctx); err != nil {
		return err
	}
	cfg, env, err := b.opsTeams(ctx)
	if err != nil {
		return err
	}
	p, err := b.startFn(ctx, "createenv", env)
	if err != nil {
		return err
	}
	defer b.stopFn(p)
	var old *proc
	if *cmpCreate != "" {
		b.built["createenv-before"] = *cmpCreate
		if old, err = b.startFn(ctx, "createenv-before", env); err != nil {
			return err
		}
		defer b.stopFn(old)
	}
	n := 200
	if *quick {
		n = 20
	}
	kubectlNS, _ := cfg.Team(teamKubectl)
	dir := filepath.Join(b.dir, "kubectl")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// The kubectl input files are written before timing starts.
	files := map[string]string{}
	for _, mode := range []string{"s", "c"} {
		for i := 0; i < n; i++ {
			name := fmt.Sprintf("%s-%03d", mode, i)
			f := filepath.Join(dir, name+".yaml")
			if err := writeEnvList(f, cfg, kubectlNS, name); err != nil {
				return err
			}
			files[name] = f
		}
	}
	// Warm both paths once (connections, kubectl's discovery cache), untimed.
	if st, _, body, err := b.post(p.url, benchSpec(teamCreate, "warm")); err != nil || st != http.StatusCreated {
		return fmt.Errorf("warm-up create: %d %s %v", st, body, err)
	}
	if old != nil {
		if st, _, body, err := b.post(old.url, benchSpec(teamCreate, "warm-old")); err != nil || st != http.StatusCreated {
			return fmt.Errorf("warm-up create: %d %s %v", st, body, err)
		}
	}
	if err := writeEnvList(filepath.Join(dir, "warm.yaml"), cfg, kubectlNS, "warm"); err != nil {
		return err
	}
	if _, err := b.kubectlApply(ctx, filepath.Join(dir, "warm.yaml")); err != nil {
		return err
	}

	createNS, _ := cfg.Team(teamCreate)
	for _, mode := range []struct {
		prefix  string
		workers int
		label   string
	}{{"s", 1, "sequential"}, {"c", 8, "8 concurrent"}} {
		// Rounds of 25: each Service takes a ClusterIP from the local cluster's /24, which
		// other developers' tests share, so at most 50 bench Services exist at once. A team
		// also holds tens of environments, not hundreds (maxEnvironments: 20 by default).
		var fnLat, oldLat, kLat []time.Duration
		for from := 0; from < n; from += roundSize {
			to := min(n, from+roundSize)
			// With a binary to compare, its requests alternate with the current one's (even
			// jobs current, odd jobs before), so both meet the same background load; the
			// number in flight stays the mode's (one at a time when sequential).
			targets := []*proc{p}
			if old != nil {
				targets = append(targets, old)
			}
			prefixes := []string{mode.prefix, "o" + mode.prefix}
			lat, err := runParallel((to-from)*len(targets), mode.workers, func(j int) (time.Duration, error) {
				k, i := j%len(targets), from+j/len(targets)
				st, d, body, err := b.post(targets[k].url, benchSpec(teamCreate, fmt.Sprintf("%s-%03d", prefixes[k], i)))
				if err == nil && st != http.StatusCreated {
					err = fmt.Errorf("createenv answered %d: %s", st, body)
				}
				return d, err
			})
			if err != nil {
				return err
			}
			for j, d := range lat {
				if j%len(targets) == 0 {
					fnLat = append(fnLat, d)
				} else {
					oldLat = append(oldLat, d)
				}
			}
			lat, err = runParallel(to-from, mode.workers, func(i int) (time.Duration, error) {
				return b.kubectlApply(ctx, files[fmt.Sprintf("%s-%03d", mode.prefix, from+i)])
			})
			if err != nil {
				return err
			}
			kLat = append(kLat, lat...)
			for _, ns := range []string{createNS.Namespace, kubectlNS.Namespace} {
				if err := b.emptyNamespace(ctx, ns); err != nil {
					return err
				}
			}
		}
		p50, p99, k50, k99 := percentile(fnLat, 50), percentile(fnLat, 99), percentile(kLat, 50), percentile(kLat, 99)
		b.table.add(row{section: "create", figure: fmt.Sprintf("createenv p50, %d %s", n, mode.label), value: ms(p50), baseline: ms(k50), ratio: dratio(p50, k50),
			note: "baseline: kubectl apply"})
		b.table.add(row{section: "create", figure: fmt.Sprintf("createenv p99, %d %s", n, mode.label), value: ms(p99), baseline: ms(k99), ratio: dratio(p99, k99),
			goal: check("<=50ms, >=5x faster", p99 <= 50*time.Millisecond && float64(k99) >= 5*float64(p99))})
		if old != nil {
			o50, o99 := percentile(oldLat, 50), percentile(oldLat, 99)
			b.table.add(row{section: "create", figure: fmt.Sprintf("createenv p50, %d %s (before fix)", n, mode.label), value: ms(o50), baseline: ms(k50), ratio: dratio(o50, k50)})
			b.table.add(row{section: "create", figure: fmt.Sprintf("createenv p99, %d %s (before fix)", n, mode.label), value: ms(o99), baseline: ms(k99), ratio: dratio(o99, k99)})
		}
	}
	return nil
}

const roundSize = 25

// emptyNamespace deletes every environment in ns (Deployments in the foreground, and their
// Services and Secrets at once, which frees the ClusterIPs) and waits until the Services and
// pods are gone, at most 2 minutes.
func (b *bench) emptyNamespace(ctx context.Context, ns string) error {
	fg := metav1.DeletePropagationForeground
	zero := int64(0)
	sel := metav1.ListOptions{LabelSelector: env.Selector()}
	if err := b.cs.AppsV1().Deployments(ns).DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &fg}, sel); err != nil {
		return err
	}
	svcs, err := b.cs.CoreV1().Services(ns).List(ctx, sel)
	if err != nil {
		return err
	}
	for _, s := range svcs.Items { // Services have no DeleteCollection
		if err := b.cs.CoreV1().Services(ns).Delete(ctx, s.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	if err := b.cs.CoreV1().Secrets(ns).DeleteCollection(ctx, metav1.DeleteOptions{}, sel); err != nil {
		return err
	}
	_ = b.cs.CoreV1().Pods(ns).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, sel)
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		d, err1 := b.cs.AppsV1().Deployments(ns).List(ctx, sel)
		s, err2 := b.cs.CoreV1().Services(ns).List(ctx, sel)
		if err1 != nil || err2 != nil {
			return false, nil
		}
		return len(d.Items) == 0 && len(s.Items) == 0, nil
	})
}

func (b *bench) kubectlApply(ctx context.Context, file string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, b.kubectl, "apply", "-f", file)
	cmd.Env = append(os.Environ(), "KUBECONFIG="+b.kubeconfig)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	d := time.Since(start)
	if err != nil {
		return d, fmt.Errorf("kubectl apply %s: %v: %s", file, err, out)
	}
	return d, nil
}

// writeEnvList writes the Deployment, Secret and Service that createenv would make for name
// in team t, as one v1 List.
func writeEnvList(path string, cfg *config.Config, t *config.Team, name string) error {
	spec := benchSpec(t.Name, name)
	spec.SetDefaults(cfg)
	if fe := validation.ValidateSpec(spec, cfg); fe != nil {
		return fe
	}
	now := time.Now()
	d := resources.MakeDeployment(spec, t, cfg, "bench", now)
	d.TypeMeta = metav1.TypeMeta{APIVersion: appsv1.SchemeGroupVersion.String(), Kind: "Deployment"}
	s := resources.MakeSecret(spec, t, "bench")
	s.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"}
	svc := resources.MakeService(spec, t, cfg, "bench")
	svc.TypeMeta = metav1.TypeMeta{APIVersion: "v1", Kind: "Service"}
	list := &corev1.List{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"},
		Items: []runtime.RawExtension{{Object: d}, {Object: s}, {Object: svc}}}
	return writeYAMLList(path, list)
}

func writeYAMLList(path string, list *corev1.List) error {
	raw, err := yaml.Marshal(list)
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}
