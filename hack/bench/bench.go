package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/devenvs/devenvs/shared/auth"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/testbed"
)

// Functions measured for cold start, as hack/dev.sh names them.
var functionNames = []string{"web", "createenv", "listenvs", "deleteenv", "updateenv", "alertsource", "alerthandler", "reaper"}

const benchPool = "bench"

type bench struct {
	run        string // random id of this run: names of namespaces, streams and alert sources
	dir        string // temporary files and binaries
	kubeconfig string
	kubectl    string
	rc         *rest.Config
	cs         kubernetes.Interface
	kc         *kube.Client
	redisURL   string
	redis      *redis.Client
	stream     string // event log stream of this run
	token      string // bearer token of the bench user
	table      table

	mu         sync.Mutex
	namespaces []string
	benchNodes []string
	procs      map[int]*exec.Cmd
	built      map[string]string
	opsCfg     *config.Config
	opsEnv     map[string]string
}

func newBench(ctx context.Context) (*bench, error) {
	b := &bench{run: randHex(3), procs: map[int]*exec.Cmd{}, built: map[string]string{}}
	var err error
	if b.dir, err = os.MkdirTemp("", "devenvs-bench-"); err != nil {
		return nil, err
	}
	b.kubeconfig = testbed.KubeconfigPath()
	if b.rc, err = clientcmd.BuildConfigFromFlags("", b.kubeconfig); err != nil {
		return nil, fmt.Errorf("kubeconfig %s (run `make cluster`): %w", b.kubeconfig, err)
	}
	b.rc.QPS, b.rc.Burst = 500, 1000
	if b.kc, err = kube.New(b.rc); err != nil {
		return nil, err
	}
	if b.cs, err = kubernetes.NewForConfig(b.rc); err != nil {
		return nil, err
	}
	rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := b.cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(rctx); err != nil {
		return nil, fmt.Errorf("local cluster is not ready (run `make cluster`): %w", err)
	}
	b.kubectl = kubectlPath()
	b.redisURL = testbed.RedisURLOrEmpty()
	opts, err := redis.ParseURL(b.redisURL)
	if err != nil {
		return nil, err
	}
	b.redis = redis.NewClient(opts)
	if err := b.redis.Ping(rctx).Err(); err != nil {
		return nil, fmt.Errorf("redis at %s (run `make redis`): %w", b.redisURL, err)
	}
	b.stream = "devenvs:bench:" + b.run
	b.token = "bench-token-" + randHex(8)
	logf("run %s: cluster %s, redis %s, kubectl %s, files in %s", b.run, b.rc.Host, b.redisURL, b.kubectl, b.dir)
	return b, nil
}

func kubectlPath() string {
	if p := os.Getenv("KUBECTL"); p != "" {
		return p
	}
	cache := os.Getenv("DEVENVS_CACHE")
	if cache == "" {
		cache = filepath.Join(filepath.Dir(testbed.StateDir()))
	}
	return filepath.Join(cache, "kubernetes-v1.35.4", "kubectl")
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// build compiles main packages the way a release does (-trimpath -ldflags="-s -w") and
// returns the path of each binary by its last path element.
func (b *bench) build(ctx context.Context, pkgs ...string) error {
	var todo []string
	for _, p := range pkgs {
		if _, ok := b.built[filepath.Base(p)]; !ok {
			todo = append(todo, p)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	bin := filepath.Join(b.dir, "bin")
	logf("building %s", strings.Join(todo, " "))
	args := append([]string{"build", "-trimpath", "-ldflags=-s -w", "-o", bin + "/"}, todo...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build: %w", err)
	}
	for _, p := range todo {
		b.built[filepath.Base(p)] = filepath.Join(bin, filepath.Base(p))
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// proc is a started function binary.
type proc struct {
	cmd   *exec.Cmd
	url   string
	ready time.Duration // exec to the first 200 on /health/readiness
	log   *bytes.Buffer
}

var probeClient = &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}

// startFn execs a function binary on a free loopback port with env (added to a minimal
// environment) and waits, polling every 0.5 ms, until /health/readiness answers 200.
func (b *bench) startFn(ctx context.Context, name string, env map[string]string) (*proc, error) {
	path, ok := b.built[name]
	if !ok {
		return nil, fmt.Errorf("%s was not built", name)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cmd := exec.Command(path)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "LISTEN_ADDRESS=" + addr}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	logBuf := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = io.Discard, &limitedWriter{w: logBuf, n: 64 << 10}
	p := &proc{cmd: cmd, url: "http://" + addr, log: logBuf}
	readyURL := p.url + "/health/readiness"
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b.mu.Lock()
	b.procs[cmd.Process.Pid] = cmd
	b.mu.Unlock()
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	deadline := start.Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := probeClient.Get(readyURL)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				p.ready = time.Since(start)
				return p, nil
			}
		}
		select {
		case <-exited:
			return nil, fmt.Errorf("%s exited before ready: %s", name, logBuf.String())
		case <-ctx.Done():
			b.stopFn(p)
			return nil, ctx.Err()
		case <-time.After(500 * time.Microsecond):
		}
	}
	b.stopFn(p)
	return nil, fmt.Errorf("%s not ready after 20s: %s", name, logBuf.String())
}

// stopFn sends SIGTERM (func-go then runs Stop) and waits at most 5 s before SIGKILL.
func (b *bench) stopFn(p *proc) {
	if p == nil || p.cmd.Process == nil {
		return
	}
	pid := p.cmd.Process.Pid
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	for i := 0; i < 500; i++ {
		if syscall.Kill(pid, 0) != nil || isZombie(pid) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = p.cmd.Process.Kill()
	b.mu.Lock()
	delete(b.procs, pid)
	b.mu.Unlock()
}

func isZombie(pid int) bool {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return true
	}
	s := string(raw)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] == 'Z'
}

// procStatus reads a "VmRSS"/"VmHWM" line of /proc/PID/status in KiB.
func procStatus(pid int, key string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key+":"); ok {
			n, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return n
		}
	}
	return 0
}

type limitedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
	n  int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.n - l.w.Len(); room > 0 {
		l.w.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// benchConfig is the default configuration plus the bench pool (the untainted KWOK nodes
// labelled pool=bench) and one team per namespace given, each allowed that pool.
func (b *bench) benchConfig(namespaces map[string]string, maxEnvs int, quota bool) *config.Config {
	cfg := config.Default()
	cfg.Pools = append(cfg.Pools, config.Pool{
		Name: benchPool, Description: "bench nodes", NodeSelector: map[string]string{"pool": benchPool},
	})
	cfg.Teams = nil
	for team, ns := range namespaces {
		t := config.Team{
			Name: team, Namespace: ns, Pools: []string{benchPool}, Priorities: []string{"normal"},
			Images: []string{"ubuntu:*"}, MaxCPU: resource.MustParse("8"), MaxMemory: resource.MustParse("32Gi"),
			MaxEnvironments: maxEnvs, MaxLifetime: config.Duration(72 * time.Hour), OnExpiry: config.ExpiryStop,
		}
		if quota {
			n := strconv.Itoa(maxEnvs)
			t.Quota = corev1.ResourceList{
				"requests.cpu": resource.MustParse(n), "requests.memory": resource.MustParse(n + "Gi"),
				"limits.cpu": resource.MustParse(n), "limits.memory": resource.MustParse(n + "Gi"),
				"pods": resource.MustParse(n),
			}
		}
		cfg.Teams = append(cfg.Teams, t)
	}
	cfg.Defaults.Pool = benchPool
	cfg.Defaults.CPU = resource.MustParse("100m")
	cfg.Defaults.Memory = resource.MustParse("256Mi")
	return cfg
}

// setupTeams applies cfg's namespaces and quotas (remembering the namespaces for cleanup),
// waits for each namespace's default ServiceAccount (pods are refused without it) and
// writes the configuration and a token file for the bench user, a member of every team.
// It returns the settings a function needs.
func (b *bench) setupTeams(ctx context.Context, cfg *config.Config, tag string) (map[string]string, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("bench configuration: %w", err)
	}
	var teams []string
	b.mu.Lock()
	for _, t := range cfg.Teams {
		b.namespaces = append(b.namespaces, t.Namespace)
		teams = append(teams, t.Name)
	}
	b.mu.Unlock()
	actx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := b.kc.ApplyTeams(actx, cfg); err != nil {
		return nil, err
	}
	for _, t := range cfg.Teams {
		err := wait.PollUntilContextTimeout(actx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			_, err := b.cs.CoreV1().ServiceAccounts(t.Namespace).Get(ctx, "default", metav1.GetOptions{})
			return err == nil, nil
		})
		if err != nil {
			return nil, fmt.Errorf("namespace %s has no default ServiceAccount: %w", t.Namespace, err)
		}
	}
	cfgPath := filepath.Join(b.dir, tag+"-config.yaml")
	tokPath := filepath.Join(b.dir, tag+"-tokens.yaml")
	if err := writeYAML(cfgPath, cfg); err != nil {
		return nil, err
	}
	if err := writeYAML(tokPath, []auth.TokenEntry{{User: "bench", Teams: teams, SHA256: auth.HashToken(b.token)}}); err != nil {
		return nil, err
	}
	return map[string]string{
		"KUBECONFIG":              b.kubeconfig,
		"DEVENVS_CONFIG":          cfgPath,
		"DEVENVS_TOKENS_FILE":     tokPath,
		"DEVENVS_REDIS_URL":       b.redisURL,
		"DEVENVS_EVENTLOG_STREAM": b.stream,
	}, nil
}

func writeYAML(path string, v any) error {
	raw, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, raw, 0o600)
}

// ensureBenchNodes applies the pool=bench KWOK nodes that `go run ./hack/kwoknodes -scale N`
// prints (only those: the pool nodes belong to `make cluster`) and waits until they are Ready.
func (b *bench) ensureBenchNodes(ctx context.Context) error {
	if len(b.benchNodes) > 0 || *nodes == 0 {
		return nil
	}
	cmd := exec.CommandContext(ctx, "go", "run", "./hack/kwoknodes", "-scale", strconv.Itoa(*nodes))
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("hack/kwoknodes: %w", err)
	}
	var list struct {
		Items []corev1.Node `json:"items"`
	}
	if err := yaml.Unmarshal(out, &list); err != nil {
		return fmt.Errorf("parse kwoknodes output: %w", err)
	}
	for i := range list.Items {
		n := &list.Items[i]
		if n.Labels["pool"] != benchPool {
			continue
		}
		b.mu.Lock()
		b.benchNodes = append(b.benchNodes, n.Name)
		b.mu.Unlock()
		n.ResourceVersion = ""
		if _, err := b.cs.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
			return fmt.Errorf("create node %s: %w", n.Name, err)
		}
	}
	logf("applied %d bench nodes; waiting for Ready", len(b.benchNodes))
	return wait.PollUntilContextTimeout(ctx, 500*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		nl, err := b.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: "pool=" + benchPool})
		if err != nil {
			return false, nil
		}
		ready := 0
		for _, n := range nl.Items {
			for _, c := range n.Status.Conditions {
				if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
					ready++
				}
			}
		}
		return ready >= len(b.benchNodes), nil
	})
}

// cleanup stops every started process and deletes the namespaces, nodes and Redis keys of
// this run, waiting (bounded) until the namespaces are gone.
func (b *bench) cleanup() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	b.mu.Lock()
	procs := make([]*exec.Cmd, 0, len(b.procs))
	for _, c := range b.procs {
		procs = append(procs, c)
	}
	b.mu.Unlock()
	for _, c := range procs {
		b.stopFn(&proc{cmd: c})
	}
	// Pods on KWOK nodes are removed at once rather than after a grace period each.
	zero := int64(0)
	for _, ns := range b.namespaces {
		_ = b.cs.CoreV1().Pods(ns).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: &zero}, metav1.ListOptions{})
	}
	for _, ns := range b.namespaces {
		if err := b.cs.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			logf("cleanup: delete namespace %s: %v", ns, err)
		}
	}
	if len(b.namespaces) > 0 {
		logf("cleanup: waiting for %d namespaces to be deleted", len(b.namespaces))
	}
	for _, ns := range b.namespaces {
		_ = wait.PollUntilContextTimeout(ctx, time.Second, 8*time.Minute, true, func(ctx context.Context) (bool, error) {
			_, err := b.cs.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
	}
	for _, n := range b.benchNodes {
		if err := b.cs.CoreV1().Nodes().Delete(ctx, n, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			logf("cleanup: delete node %s: %v", n, err)
		}
	}
	b.cleanupRedis(ctx)
	_ = os.RemoveAll(b.dir)
	logf("cleanup done")
}

func (b *bench) cleanupRedis(ctx context.Context) {
	var keys []string
	for _, pattern := range []string{b.stream + "*", "devenvs:dedup:http://bench-" + b.run + "*"} {
		iter := b.redis.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			keys = append(keys, iter.Val())
		}
	}
	for len(keys) > 0 {
		n := min(len(keys), 500)
		if err := b.redis.Del(ctx, keys[:n]...).Err(); err != nil {
			logf("cleanup: redis del: %v", err)
			break
		}
		keys = keys[n:]
	}
	_ = b.redis.Close()
}

var errSkip = errors.New("skipped")
