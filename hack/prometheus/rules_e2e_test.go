// Package prometheus runs the devenvs rules (charts/devenvs/files/devenvs.rules.yaml) in a
// real Prometheus over series the local cluster produces: kube-state-metrics (a local
// process, built by `hack/build-tools.sh kube-state-metrics`) watching the test's
// namespace, and KWOK's simulated kubelet resource metrics, whose usage the test decides
// through the pod annotations kwok.x-k8s.io/usage-cpu / usage-memory. No series and no
// alert is written by hand: an alert fires only if the rules find it in the data.
package prometheus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/resources"
	"github.com/devenvs/devenvs/shared/testbed"
)

const (
	rulesFile = "../../charts/devenvs/files/devenvs.rules.yaml"
	libFile   = "../lib.sh"

	// The rules' time parameters cannot be waited out in a test: EnvIdleCPU needs 30m, and
	// each group is evaluated once a minute, which alone puts up to two minutes between the
	// data and a firing alert (recording group, then alert group). The test therefore runs a
	// copy in which only these values differ (shortenedRules checks that): every expression,
	// threshold, label and annotation is the shipped one, byte for byte.
	testFor      = "10s" // > 0, so the pending -> firing path of `for:` is exercised too
	testInterval = "2s"

	scrapeInterval = "1s"
	// warmUp of samples puts the busy environment's rate(...[5m]) at 0.9*45/300 = 0.135.
	warmUp      = 45 * time.Second
	fireTimeout = 120 * time.Second

	// Both environments request 1 CPU (the default size).
	idleCPU = "5m"   // 0.5%, below EnvIdleCPU's 10%
	busyCPU = "900m" // 90%

	usageCPU    = "kwok.x-k8s.io/usage-cpu"
	usageMemory = "kwok.x-k8s.io/usage-memory"
	// resourceMetricsPath is the node annotation metrics-server follows to the kubelet's
	// resource metrics; on KWOK nodes it points at the kwok-controller's Metric endpoint.
	resourceMetricsPath = "metrics.k8s.io/resource-metrics-path"

	sshKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL1Yev+bk2DU7ob+1kYnux2JyteL8keLmsHcFe9Q1ylG alice@laptop"
)

// TestShortenedRulesChangeOnlyTimings needs nothing but the rules file: the copy the e2e
// test loads differs from the shipped rules in exactly the three alerts' `for:` and the
// two groups' `interval:`.
func TestShortenedRulesChangeOnlyTimings(t *testing.T) {
	orig, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	shortenedRules(t, orig, nil)
}

// TestIdleCPUFiresFromClusterData creates two 1-CPU environments in a fresh team
// namespace, one idle (5m used) and one busy (900m used), and checks that Prometheus,
// evaluating the rules over kube-state-metrics and KWOK series, fires EnvIdleCPU for the
// idle one, with the shipped labels and a description filled from the recording rules,
// and raises no alert at all for the busy one.
func TestIdleCPUFiresFromClusterData(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-state-metrics and Prometheus against the local cluster")
	}
	lookPrometheus(t)
	kubeStateMetricsBinary(t)
	rc := testbed.RestConfig(t) // skips or fails (CI) without `make cluster`
	kc, err := kube.New(rc)
	if err != nil {
		t.Fatal(err)
	}
	cs := testbed.Clientset(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	// A team of the default configuration, in a namespace of the test's own.
	cfg := config.Default()
	cfg.Teams = cfg.Teams[:1]
	team := &cfg.Teams[0]
	team.Namespace = testbed.Namespace(t, cs, "prom-"+team.Name)
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := kc.ApplyTeams(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	ns := team.Namespace

	idle, busy := "idle", "busy"
	createEnv(ctx, t, kc, cfg, team, idle, map[string]string{usageCPU: idleCPU, usageMemory: "100Mi"})
	createEnv(ctx, t, kc, cfg, team, busy, map[string]string{usageCPU: busyCPU, usageMemory: "100Mi"})
	// Running before Prometheus starts, so a briefly Pending pod cannot trip EnvStuckPending.
	waitRunning(ctx, t, cs, ns, idle, busy)

	prom := startStack(ctx, t, cs, ns, []string{idle, busy}, stackOptions{})

	// Poll until EnvIdleCPU fires for the idle environment. Every poll also checks that the
	// busy one never has an alert, pending or firing.
	start := time.Now()
	var fired *alert
	for fired == nil {
		for _, a := range alertsIn(t, prom, ns) {
			if a.Labels["env"] == busy {
				t.Fatalf("busy environment (%s of 1 CPU) has alert %s (%s), value %s", busyCPU, a.Labels["alertname"], a.State, a.Value)
			}
			if a.Labels["alertname"] == "EnvIdleCPU" && a.Labels["env"] == idle && a.State == "firing" {
				fired = &a
			}
		}
		if fired != nil {
			break
		}
		if time.Since(start) > fireTimeout {
			t.Fatalf("EnvIdleCPU did not fire for %s/%s within %s; utilisation ratios now: %s",
				ns, idle, fireTimeout, queryText(t, prom, fmt.Sprintf("devenvs:env_cpu_utilisation_ratio{namespace=%q}", ns)))
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("EnvIdleCPU fired %.1fs after the rules were loaded (value %s)", time.Since(start).Seconds(), fired.Value)

	want := map[string]string{"alertname": "EnvIdleCPU", "namespace": ns, "team": team.Name, "env": idle, "severity": "info"}
	if !reflect.DeepEqual(fired.Labels, want) {
		t.Errorf("EnvIdleCPU labels\n got %v\nwant %v", fired.Labels, want)
	}
	if v, err := strconv.ParseFloat(fired.Value, 64); err != nil || v <= 0 || v >= 0.02 {
		t.Errorf("EnvIdleCPU value %q, want 0 < ratio < 0.02 (5m of 1 CPU, read low by the 5m rate while young)", fired.Value)
	}
	// The description queries the recording rules; "of 1.000 requested" proves the join
	// with kube-state-metrics' requests, "cores used" the rate over KWOK's counter.
	for _, part := range []string{"cores used", "of 1.000 requested", "namespace " + ns} {
		if !strings.Contains(strings.Join(strings.Fields(fired.Annotations["description"]), " "), part) {
			t.Errorf("EnvIdleCPU description lacks %q:\n%s", part, fired.Annotations["description"])
		}
	}

	// The negative must not be vacuous: the busy environment has a utilisation ratio, above
	// the 10% threshold, and ~180 times the idle one's (900m vs 5m; both still read low by
	// the same age/5m factor). Then give the alert group as long again as the idle alert
	// needed past its first pending state (for + two evaluations) to raise anything else.
	ratios := query(t, prom, fmt.Sprintf("devenvs:env_cpu_utilisation_ratio{namespace=%q}", ns))
	if b, i := ratios[busy], ratios[idle]; b < 0.1 || i <= 0 || i >= 0.1 || b < 100*i {
		t.Fatalf("devenvs:env_cpu_utilisation_ratio in %s: %v; want busy > 0.1, 0 < idle < 0.1, busy/idle ~180", ns, ratios)
	}
	settle := mustDuration(t, testFor) + 2*mustDuration(t, testInterval) + time.Second
	for deadline := time.Now().Add(settle); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		var names []string
		for _, a := range alertsIn(t, prom, ns) {
			names = append(names, fmt.Sprintf("%s{env=%s}:%s", a.Labels["alertname"], a.Labels["env"], a.State))
		}
		slices.Sort(names)
		if !slices.Equal(names, []string{"EnvIdleCPUWarning{env=idle}:firing", "EnvIdleCPU{env=idle}:firing"} /* sorted: "W" < "{" */) {
			t.Fatalf("alerts in %s: %v, want only EnvIdleCPU and its warning firing for %s", ns, names, idle)
		}
	}
}

// startStack runs kube-state-metrics over namespace ns and a Prometheus scraping it and
// KWOK's kubelet metrics, sending alerts to alertmanager when not empty. It loads the
// shortened rules (fors as in shortenedRules) only once every environment in envs has
// warmUp of samples, and returns Prometheus' URL.
//
// rate(...[5m]) divides the increase it sees by the whole 5 minutes, so over a series
// younger than that it reads low by age/5m: a busy environment (90%) reads below the 10%
// idle threshold for its first ~33 s of samples. In production EnvIdleCPU's 30m `for:`
// rides that out; the test's seconds-long `for:` would not, so the rules are loaded only
// once every pod has warmUp of samples, as they would be in a long-running Prometheus.
// Alerts still go through pending and their `for:` before firing.
func startStack(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string, envs []string, o stackOptions) string {
	t.Helper()
	promBin := lookPrometheus(t)
	ksmBin := kubeStateMetricsBinary(t)
	kwokTargets := kwokTargets(ctx, t, cs)

	dir := t.TempDir()
	ksmAddr, ksmTelemetry := testbed.FreeAddr(t), testbed.FreeAddr(t)
	ksmHost, ksmPort, _ := net.SplitHostPort(ksmAddr)
	_, ksmTelPort, _ := net.SplitHostPort(ksmTelemetry)
	ksm := startProcess(t, "kube-state-metrics", ksmBin,
		"--kubeconfig="+testbed.KubeconfigPath(),
		"--host="+ksmHost, "--port="+ksmPort,
		"--telemetry-host="+ksmHost, "--telemetry-port="+ksmTelPort,
		"--resources=pods", "--namespaces="+ns,
		// docs/monitoring.md: without it kube_pod_labels has no devenvs labels and
		// no rule can ever match (the pool: the dashboard's pool panels).
		"--metric-labels-allowlist=pods=[devenvs.dev/team,devenvs.dev/env,devenvs.dev/pool]")
	ksm.waitHTTP(t, "http://"+ksmAddr+"/healthz", 30*time.Second)

	orig, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	rulesPath := filepath.Join(dir, "devenvs.rules.yaml")
	writeFile(t, rulesPath, shortenedRules(t, orig, o.fors))
	configPath := filepath.Join(dir, "prometheus.yml")
	writeFile(t, configPath, prometheusConfig(t, "", ksmAddr, kwokTargets, o))

	promAddr := testbed.FreeAddr(t)
	prom := "http://" + promAddr
	p := startProcess(t, "prometheus", promBin,
		"--config.file="+configPath,
		"--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+promAddr)
	t.Cleanup(func() { // runs before the process is stopped
		if t.Failed() {
			for _, path := range []string{"/api/v1/targets", "/api/v1/rules", "/api/v1/alerts"} {
				body, err := get(prom + path)
				t.Logf("GET %s (err %v):\n%.8000s", path, err, body)
			}
		}
	})
	p.waitHTTP(t, prom+"/-/ready", 30*time.Second)

	warmStart := time.Now()
	waitWarm(t, prom, ns, envs)
	t.Logf("%s of samples after %.1fs; loading the rules", warmUp, time.Since(warmStart).Seconds())
	writeFile(t, configPath, prometheusConfig(t, rulesPath, ksmAddr, kwokTargets, o))
	p.reload(t)
	waitRules(t, prom)
	waitFunctionsUp(t, prom, len(o.functions))
	return prom
}

// stackOptions are what tests vary in startStack.
type stackOptions struct {
	fors         map[string]string // alerts' `for:` (shortenedRules)
	alertmanager string            // where alerts go; "" for none
	functions    []functionTarget  // functions whose /metrics Prometheus scrapes too
}

// shortenedRules returns the rules with each alert's `for:` set to testFor and each
// group's `interval:` to testInterval, edited on the parsed YAML. It fails the test unless
// the copy differs from orig in exactly those fields, every `expr` is unchanged, and the
// three alerts the platform consumes are among them.
func shortenedRules(t *testing.T, orig []byte, fors map[string]string) []byte {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal(orig, &doc); err != nil {
		t.Fatalf("parse %s: %v", rulesFile, err)
	}
	if len(doc.Content) != 1 {
		t.Fatalf("%s: want one YAML document", rulesFile)
	}
	groups := mapValue(doc.Content[0], "groups")
	if groups == nil || groups.Kind != yaml.SequenceNode {
		t.Fatalf("%s: no groups", rulesFile)
	}
	var wantChanged []string
	for _, g := range groups.Content {
		name := scalar(g, "name")
		if iv := mapValue(g, "interval"); iv != nil {
			iv.Value = testInterval
			wantChanged = append(wantChanged, name+".interval")
		}
		rules := mapValue(g, "rules")
		if rules == nil {
			continue
		}
		for _, r := range rules.Content {
			a := scalar(r, "alert")
			if a == "" {
				continue
			}
			f := mapValue(r, "for")
			if f == nil {
				t.Fatalf("alert %s has no for:", a)
			}
			f.Value = testFor
			if v, ok := fors[a]; ok {
				f.Value = v
			}
			wantChanged = append(wantChanged, name+"/"+a+".for")
		}
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		t.Fatal(err)
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	out := buf.Bytes()

	// Check on the data Prometheus will read, not on the edit above.
	var before, after any
	if err := yaml.Unmarshal(orig, &before); err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(out, &after); err != nil {
		t.Fatalf("re-parse the copy: %v", err)
	}
	changed := diff(before, after, "")
	slices.Sort(changed)
	slices.Sort(wantChanged)
	if !slices.Equal(changed, wantChanged) {
		t.Fatalf("copy of the rules differs in\n  %v\nwant exactly\n  %v", changed, wantChanged)
	}
	for _, a := range []string{"EnvIdleCPU", "EnvIdleCPUWarning", "EnvHighMemVsRequest", "EnvStuckPending"} {
		if !slices.Contains(changed, "devenvs.alerts/"+a+".for") {
			t.Fatalf("alert %s not found in group devenvs.alerts", a)
		}
	}
	exprs := 0
	for i, g := range before.(map[string]any)["groups"].([]any) {
		for j, r := range g.(map[string]any)["rules"].([]any) {
			e := r.(map[string]any)["expr"].(string)
			if e != after.(map[string]any)["groups"].([]any)[i].(map[string]any)["rules"].([]any)[j].(map[string]any)["expr"] {
				t.Fatalf("expression of rule %d.%d changed", i, j)
			}
			exprs++
		}
	}
	if exprs != 34 {
		t.Fatalf("compared %d expressions, the rules have 34 (7 recording and 4 alerts of environments, 5 of right-sizing, 14 recording and 4 alerts of the platform SLOs): update this test with the rules", exprs)
	}
	return out
}

// diff lists the paths at which a and b (parsed YAML) differ. Rules are named by their
// record/alert name and groups by their name, e.g. "devenvs.alerts/EnvIdleCPU.for".
func diff(a, b any, path string) []string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return []string{path}
		}
		var out []string
		for k := range av {
			if _, ok := bv[k]; !ok {
				out = append(out, join(path, k))
			}
		}
		for k := range bv {
			if _, ok := av[k]; !ok {
				out = append(out, join(path, k))
				continue
			}
			out = append(out, diff(av[k], bv[k], join(path, k))...)
		}
		return out
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return []string{path}
		}
		var out []string
		for i := range av {
			out = append(out, diff(av[i], bv[i], itemPath(path, av[i], i))...)
		}
		return out
	default:
		if !reflect.DeepEqual(a, b) {
			return []string{path}
		}
		return nil
	}
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// itemPath names list items: groups by name, rules by record/alert (under their group).
func itemPath(path string, item any, i int) string {
	if m, ok := item.(map[string]any); ok {
		for _, k := range []string{"alert", "record"} {
			if n, ok := m[k].(string); ok {
				return strings.TrimSuffix(path, ".rules") + "/" + n
			}
		}
		if n, ok := m["name"].(string); ok && path == "groups" {
			return n
		}
	}
	return fmt.Sprintf("%s[%d]", path, i)
}

func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalar(m *yaml.Node, key string) string {
	if v := mapValue(m, key); v != nil && v.Kind == yaml.ScalarNode {
		return v.Value
	}
	return ""
}

// createEnv makes an environment's Deployment and Secret as the createenv function does (the
// same builders, the same kube.Client.Create), plus usage annotations on the pod template.
// The Service is left out: it plays no part in metrics, and the local cluster's small
// service IP range may be used up by other tests.
func createEnv(ctx context.Context, t *testing.T, kc *kube.Client, cfg *config.Config, team *config.Team, name string, annotations map[string]string) {
	t.Helper()
	spec := &env.Spec{Team: team.Name, Name: name, SSHPublicKeys: []string{sshKey}}
	spec.SetDefaults(cfg)
	if fe := validation.ValidateSpec(spec, cfg); fe != nil {
		t.Fatalf("spec %s: %v", name, fe)
	}
	d := resources.MakeDeployment(spec, team, cfg, "alice", time.Now())
	d.Spec.Template.Annotations = annotations
	objs := kube.Objects{
		Deployment: d,
		Secret:     resources.MakeSecret(spec, team, "alice"),
	}
	if _, err := kc.Create(ctx, objs, team.MaxEnvironments); err != nil {
		t.Fatalf("create environment %s: %v", name, err)
	}
}

func waitRunning(ctx context.Context, t *testing.T, cs kubernetes.Interface, ns string, names ...string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for _, name := range names {
		for {
			pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: env.NameSelector(name)})
			if err == nil && len(pods.Items) == 1 && ready(&pods.Items[0]) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("pod of environment %s/%s not Running and Ready within 60s (err %v, pods %d)", ns, name, err, len(pods.Items))
			}
			time.Sleep(250 * time.Millisecond)
		}
	}
}

func ready(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

type scrapeTarget struct {
	node, addr, path string
}

// kwokTargets finds each node's resource-metrics endpoint the way metrics-server does
// (--kubelet-use-node-status-port): the node's address, its kubelet port, and the path in
// its metrics.k8s.io/resource-metrics-path annotation. On KWOK nodes that is the
// kwok-controller's plain-HTTP server.
func kwokTargets(ctx context.Context, t *testing.T, cs kubernetes.Interface) []scrapeTarget {
	t.Helper()
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []scrapeTarget
	for _, n := range nodes.Items {
		path := n.Annotations[resourceMetricsPath]
		port := n.Status.DaemonEndpoints.KubeletEndpoint.Port
		if path == "" || port == 0 {
			continue
		}
		host := ""
		for _, typ := range []corev1.NodeAddressType{corev1.NodeInternalIP, corev1.NodeExternalIP, corev1.NodeHostName} {
			for _, a := range n.Status.Addresses {
				if a.Type == typ && host == "" {
					host = a.Address
				}
			}
		}
		if host == "" {
			continue
		}
		out = append(out, scrapeTarget{node: n.Name, addr: net.JoinHostPort(host, strconv.Itoa(int(port))), path: path})
	}
	if len(out) == 0 {
		t.Fatalf("no node has the %s annotation and a kubelet port: `make cluster` sets up KWOK's resource metrics", resourceMetricsPath)
	}
	return out
}

func prometheusConfig(t *testing.T, rulesPath, ksmAddr string, kwok []scrapeTarget, o stackOptions) []byte {
	t.Helper()
	type staticConfig struct {
		Targets []string          `yaml:"targets"`
		Labels  map[string]string `yaml:"labels,omitempty"`
	}
	var kwokStatic []staticConfig
	for _, k := range kwok {
		// One path per node, all on the kwok-controller's address: instance must name the
		// node, or the node-level series of different nodes collide.
		kwokStatic = append(kwokStatic, staticConfig{Targets: []string{k.addr},
			Labels: map[string]string{"__metrics_path__": k.path, "instance": k.node, "node": k.node}})
	}
	cfg := map[string]any{
		"global": map[string]any{"scrape_interval": scrapeInterval, "scrape_timeout": scrapeInterval, "evaluation_interval": testInterval},
		"scrape_configs": []any{
			// honor_labels: the series' own namespace/pod/container labels are the point.
			map[string]any{"job_name": "kube-state-metrics", "honor_labels": true,
				"static_configs": []staticConfig{{Targets: []string{ksmAddr}}}},
			map[string]any{"job_name": "kubelet-resource", "honor_labels": true,
				"static_configs": kwokStatic},
		},
	}
	// The real node's kubelet serves the same series from real containers; it wants a client
	// certificate (webhook authentication), and its serving certificate is self-signed.
	if realNodeUp() {
		pki := testbed.ClusterPKIDir()
		cfg["scrape_configs"] = append(cfg["scrape_configs"].([]any), map[string]any{
			"job_name": "kubelet-real", "honor_labels": true, "scheme": "https", "metrics_path": "/metrics/resource",
			"tls_config":     map[string]any{"cert_file": pki + "/admin.crt", "key_file": pki + "/admin.key", "insecure_skip_verify": true},
			"static_configs": []staticConfig{{Targets: []string{realKubelet}, Labels: map[string]string{"instance": testbed.RealNodeName, "node": testbed.RealNodeName}}},
		})
	}
	for i, f := range o.functions {
		u, err := url.Parse(f.url)
		if err != nil {
			t.Fatal(err)
		}
		job := map[string]any{"job_name": fmt.Sprintf("function-%d", i),
			"static_configs": []staticConfig{{Targets: []string{u.Host}, Labels: map[string]string{"function": f.name}}}}
		if f.token != "" {
			job["authorization"] = map[string]any{"type": "Bearer", "credentials": f.token}
		}
		cfg["scrape_configs"] = append(cfg["scrape_configs"].([]any), job)
	}
	if rulesPath != "" {
		cfg["rule_files"] = []string{rulesPath}
	}
	if o.alertmanager != "" {
		cfg["alerting"] = map[string]any{"alertmanagers": []any{
			map[string]any{"static_configs": []staticConfig{{Targets: []string{strings.TrimPrefix(o.alertmanager, "http://")}}}},
		}}
	}
	out, err := yaml.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// waitWarm waits until Prometheus holds warmUp worth of CPU samples for the pod of each
// environment (at one sample per scrapeInterval).
func waitWarm(t *testing.T, prom, ns string, envs []string) {
	t.Helper()
	want := float64(warmUp / mustDuration(t, scrapeInterval))
	q := fmt.Sprintf(`label_replace(count_over_time(container_cpu_usage_seconds_total{namespace=%q, container="workspace"}[5m]), "env", "$1", "pod", "(.+)-[^-]+-[^-]+")`, ns)
	deadline := time.Now().Add(warmUp + 30*time.Second)
	for {
		counts := query(t, prom, q)
		warm := true
		for _, e := range envs {
			if counts[e] < want {
				warm = false
			}
		}
		if warm {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("KWOK's container_cpu_usage_seconds_total samples per environment in %s: %v, want %v each within %s", ns, counts, want, warmUp+30*time.Second)
		}
		time.Sleep(time.Second)
	}
}

// waitRules waits until Prometheus has loaded both rule groups.
func waitRules(t *testing.T, prom string) {
	t.Helper()
	var body []byte
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		body, err = get(prom + "/api/v1/rules")
		if err == nil && bytes.Contains(body, []byte(`"name":"devenvs.recording"`)) && bytes.Contains(body, []byte(`"name":"devenvs.alerts"`)) {
			return
		}
	}
	t.Fatalf("rule groups not loaded after reload (err %v): %s", err, body)
}

type alert struct {
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
	State       string            `json:"state"`
	Value       string            `json:"value"`
}

// alertsIn returns Prometheus' active (pending or firing) alerts of namespace ns.
func alertsIn(t *testing.T, prom, ns string) []alert {
	t.Helper()
	body, err := get(prom + "/api/v1/alerts")
	if err != nil {
		t.Fatalf("GET /api/v1/alerts: %v", err)
	}
	var resp struct {
		Data struct {
			Alerts []alert `json:"alerts"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("alerts %s: %v", body, err)
	}
	var out []alert
	for _, a := range resp.Data.Alerts {
		if a.Labels["namespace"] == ns {
			out = append(out, a)
		}
	}
	return out
}

// query runs an instant query and returns each series' value by its env label.
func query(t *testing.T, prom, q string) map[string]float64 {
	t.Helper()
	body := queryText(t, prom, q)
	var resp struct {
		Data struct {
			Result []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatalf("query %s: %s: %v", q, body, err)
	}
	out := map[string]float64{}
	for _, r := range resp.Data.Result {
		s, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("query %s: value %v", q, r.Value)
		}
		out[r.Metric["env"]] = v
	}
	return out
}

func queryText(t *testing.T, prom, q string) string {
	t.Helper()
	body, err := get(prom + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatalf("query %s: %v", q, err)
	}
	return string(body)
}

func get(u string) ([]byte, error) {
	c := http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("status %d", resp.StatusCode)
	}
	return body, err
}

// process is a child process that is interrupted (then killed) when the test ends and whose
// output is logged if the test failed.
type process struct {
	name   string
	cmd    *exec.Cmd
	out    *testbed.SyncBuffer
	exited chan struct{}
}

func startProcess(t *testing.T, name, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, args...)
	p := &process{name: name, cmd: cmd, out: &testbed.SyncBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() { _ = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("%s output (last 8 KiB):\n%s", name, tail(p.out.String(), 8<<10))
		}
	})
	return p
}

// reload sends SIGHUP, on which Prometheus rereads its configuration and rule files.
func (p *process) reload(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatalf("reload %s: %v", p.name, err)
	}
}

func (p *process) waitHTTP(t *testing.T, u string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		select {
		case <-p.exited:
			t.Fatalf("%s exited early:\n%s", p.name, tail(p.out.String(), 8<<10))
		default:
		}
		_, err := get(u)
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s not ready within %s (%v)", p.name, u, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) > n {
		return "..." + s[len(s)-n:]
	}
	return s
}

// unavailable fails under CI and skips elsewhere, like shared/testbed: a missing tool must
// never pass in CI.
func unavailable(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this is a failure, not a skip)", msg)
	}
	t.Skip(msg)
}

func lookPrometheus(t *testing.T) string {
	t.Helper()
	name := os.Getenv("PROMETHEUS")
	if name == "" {
		name = "prometheus"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		unavailable(t, "%s not found: apt-get install -y prometheus (.ci/run does), or set PROMETHEUS=", name)
	}
	return p
}

// kubeStateMetricsBinary is the binary `hack/build-tools.sh kube-state-metrics` caches, at
// the version hack/lib.sh pins (read from there, so the version lives in one place).
func kubeStateMetricsBinary(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("KUBE_STATE_METRICS")
	version := os.Getenv("KSM_VERSION")
	if bin == "" && version == "" {
		lib, err := os.ReadFile(libFile)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`(?m)^KSM_VERSION=\$\{KSM_VERSION:-(v[0-9][^}]*)\}`).FindSubmatch(lib)
		if m == nil {
			t.Fatalf("%s: no KSM_VERSION=${KSM_VERSION:-vX.Y.Z} line", libFile)
		}
		version = string(m[1])
	}
	if bin == "" {
		bin = filepath.Join(testbed.CacheDir(), "kube-state-metrics-"+version, "kube-state-metrics")
	}
	if _, err := os.Stat(bin); err != nil {
		unavailable(t, "kube-state-metrics %s not built (%s): run `hack/build-tools.sh kube-state-metrics`", version, bin)
	}
	return bin
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func mustDuration(t *testing.T, s string) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
