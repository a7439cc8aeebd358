package prometheus

import (
	"context"
	"net"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
	"github.com/devenvs/devenvs/shared/eventlog"
	"github.com/devenvs/devenvs/shared/kube"
	"github.com/devenvs/devenvs/shared/resources"
	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// realKubelet is the real node's kubelet (hack/realnode.sh: the bridge's address, port 10350).
const realKubelet = "10.244.7.1:10350"

func realNodeUp() bool {
	c, err := net.DialTimeout("tcp", realKubelet, 500*time.Millisecond)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// TestIdleStopOnRealMetrics is the idle path on a real container: an environment on the
// real node that does nothing has its real CPU usage scraped from the real kubelet, the
// rule fires, Alertmanager sends it to the event source, and the alert handler stops it.
func TestIdleStopOnRealMetrics(t *testing.T) {
	if testing.Short() {
		t.Skip("starts kube-state-metrics, Prometheus and Alertmanager against the local cluster")
	}
	lookPrometheus(t)
	kubeStateMetricsBinary(t)
	testbed.RealNode(t)
	fx := fixture.New(t, func(c *config.Config) { c.Teams[0].StopWarning = new(config.Duration(0)) })
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	defer cancel()
	team, _ := fx.Config.Team("alpha")
	ns := team.Namespace
	const idle = "realidle"
	spec := &env.Spec{Team: team.Name, Name: idle, Pool: "real", Image: "debian:bookworm", CPU: "500m", Memory: "512Mi",
		Home: "scratch", SSHPublicKeys: []string{sshKey}}
	spec.SetDefaults(fx.Config)
	if fe := validation.ValidateSpec(spec, fx.Config); fe != nil {
		t.Fatal(fe)
	}
	objs := kube.Objects{Deployment: resources.MakeDeployment(spec, team, fx.Config, "alice", time.Now()), Secret: resources.MakeSecret(spec, team, "alice")}
	if _, err := fx.Kube.Create(ctx, objs, team.MaxEnvironments); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(time.Second) {
		pods, err := fx.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: env.NameLabel + "=" + idle})
		if err != nil {
			t.Fatal(err)
		}
		if len(pods.Items) == 1 && podReady(&pods.Items[0]) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the real environment did not become Ready in 3 minutes")
		}
	}

	am := startEventPath(ctx, t, fx)
	prom := startStack(ctx, t, fx.Clientset, ns, []string{idle}, stackOptions{alertmanager: am})
	t.Logf("real usage now: %s", queryText(t, prom, `devenvs:env_cpu_utilisation_ratio{namespace="`+ns+`"}`))

	log := fx.EventLog(t)
	for start := time.Now(); ; time.Sleep(time.Second) {
		if time.Since(start) > fireTimeout+time.Minute {
			t.Fatalf("the idle real environment was not stopped within %s of loading the rules; ratio %s", fireTimeout+time.Minute,
				queryText(t, prom, `devenvs:env_cpu_utilisation_ratio{namespace="`+ns+`"}`))
		}
		events, err := log.Latest(ctx, "alpha", 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			if e.Env == idle && e.Action == eventlog.ActionIdleStop && e.Outcome == eventlog.OutcomeSuccess {
				d, err := fx.Clientset.AppsV1().Deployments(ns).Get(ctx, idle, metav1.GetOptions{})
				if err != nil || *d.Spec.Replicas != 0 {
					t.Fatalf("logged as stopped, but the Deployment: %v, %v", d.Spec.Replicas, err)
				}
				t.Logf("stopped after %.0fs: %s", time.Since(start).Seconds(), e.Reason)
				return
			}
		}
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
