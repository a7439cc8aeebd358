package env

import (
	"encoding/json"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/config"
)

func viewDeployment() *appsv1.Deployment {
	d := deployment(1,
		CreatedByAnnotation, "alice@example.com",
		CreatedAtAnnotation, "2026-03-01T11:00:00Z",
		ImageAnnotation, "ubuntu:24.04",
		PriorityAnnotation, "normal",
		IdleStopAnnotation, "false",
		PersistentHomeAnnotation, "10Gi")
	d.Labels = Labels("alpha", "web", "alice@example.com", "cpu-large")
	d.Spec.Template.Spec.Containers = []corev1.Container{{
		Name:  "workspace",
		Image: "ubuntu:24.04",
		Args:  []string{"git", "vim"},
		Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("1500m"),
			corev1.ResourceMemory: resource.MustParse("2Gi"),
		}},
	}}
	return d
}

func TestFromDeployment(t *testing.T) {
	withDomain := config.Default()
	withDomain.BaseDomain = "dev.example.com"
	withDomain.SSH.Port = 2200
	withGateway := config.Default()
	withGateway.BaseDomain = "dev.example.com" // the gateway wins over per-environment names
	withGateway.SSH.Gateway = config.SSHGateway{Host: "ssh.dev.example.com"}
	gatewayOffPort := config.Default()
	gatewayOffPort.SSH.Gateway = config.SSHGateway{Host: "127.0.0.1", Port: 2222}
	running := []corev1.Pod{pod(corev1.PodRunning, scheduled, ready)}

	full := Environment{
		Team: "alpha", Name: "web", Owner: "alice@example.com", Image: "ubuntu:24.04", Pool: "cpu-large",
		Priority: "normal", Phase: PhaseRunning,
		Requested: Resources{CPUMilli: 1500, MemoryBytes: 2 << 30},
		SSH:       "kubectl -n devenvs-alpha port-forward svc/web 29850:22 & ssh -o HostKeyAlias=web.alpha -p 29850 dev@127.0.0.1",
		SFTP:      "kubectl -n devenvs-alpha port-forward svc/web 29850:22 & sftp -o HostKeyAlias=web.alpha -P 29850 dev@127.0.0.1",
		CreatedAt: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC), ExpiresAt: testNow.Add(time.Hour),
		Home: "persistent", PersistentHome: "10Gi", IdleStop: false, Replicas: 1, Packages: []string{"git", "vim"},
	}
	tests := []struct {
		name   string
		mutate func(*appsv1.Deployment)
		cfg    *config.Config
		pods   []corev1.Pod
		want   func(*Environment)
	}{{
		name: "port-forward commands without a base domain",
		cfg:  config.Default(),
		pods: running,
		want: func(*Environment) {},
	}, {
		name: "DNS commands with a base domain",
		cfg:  withDomain,
		pods: running,
		want: func(e *Environment) {
			e.SSH = "ssh -p 2200 dev@web.alpha.dev.example.com"
			e.SFTP = "sftp -P 2200 dev@web.alpha.dev.example.com"
		},
	}, {
		name: "gateway commands and an ssh config entry",
		cfg:  withGateway,
		pods: running,
		want: func(e *Environment) {
			e.SSH = "ssh -J web.alpha@ssh.dev.example.com dev@web.alpha"
			e.SFTP = "sftp -J web.alpha@ssh.dev.example.com dev@web.alpha"
			e.SSHConfig = "Host web.alpha\n    HostName web.alpha\n    User dev\n    ProxyJump web.alpha@ssh.dev.example.com\n"
		},
	}, {
		name: "gateway on another port (make dev)",
		cfg:  gatewayOffPort,
		pods: running,
		want: func(e *Environment) {
			e.SSH = "ssh -J web.alpha@127.0.0.1:2222 dev@web.alpha"
			e.SFTP = "sftp -J web.alpha@127.0.0.1:2222 dev@web.alpha"
			e.SSHConfig = "Host web.alpha\n    HostName web.alpha\n    User dev\n    ProxyJump web.alpha@127.0.0.1:2222\n"
		},
	}, {
		name: "stopped",
		cfg:  config.Default(),
		mutate: func(d *appsv1.Deployment) {
			d.Spec.Replicas = new(int32(0))
			d.Annotations[StoppedReasonAnnotation] = "Idle"
		},
		want: func(e *Environment) {
			e.Phase, e.Reason, e.Replicas = PhaseStopped, "Idle", 0
		},
	}, {
		name: "fallbacks when annotations are missing",
		cfg:  config.Default(),
		mutate: func(d *appsv1.Deployment) {
			d.Annotations = nil
			d.CreationTimestamp = metav1.NewTime(testNow.Add(-time.Hour))
			d.Spec.Replicas = nil
			d.Spec.Template.Spec.Containers[0].Args = nil
		},
		pods: []corev1.Pod{pod(corev1.PodRunning, scheduled, notReady)},
		want: func(e *Environment) {
			e.Owner, e.Priority, e.Home, e.PersistentHome = "", "", "scratch", ""
			e.ExpiresAt = time.Time{}
			e.CreatedAt = testNow.Add(-time.Hour)
			e.IdleStop = true
			e.Packages = []string{}
			e.Phase, e.Reason, e.Message = PhaseStarting, ReasonNotReady, "waiting for SSH to accept connections"
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := viewDeployment()
			if tc.mutate != nil {
				tc.mutate(d)
			}
			want := full
			tc.want(&want)
			if diff := cmp.Diff(want, FromDeployment(d, tc.pods, tc.cfg, testNow)); diff != "" {
				t.Errorf("FromDeployment() (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEnvironmentJSON pins the wire names the UI reads.
func TestEnvironmentJSON(t *testing.T) {
	b, err := json.Marshal(Environment{Phase: PhaseRunning, Used: &Resources{CPUMilli: 5, MemoryBytes: 6}})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	keys := slices.Sorted(maps.Keys(got))
	want := []string{"createdAt", "expiresAt", "home", "idleStop", "image", "name", "owner", "packages", "phase", "pool",
		"priority", "replicas", "requested", "sftp", "ssh", "team", "used"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("JSON keys (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]any{"cpuMilli": 5.0, "memoryBytes": 6.0}, got["used"]); diff != "" {
		t.Errorf("used (-want +got):\n%s", diff)
	}
}

// TestForwardPortsDiffer: without a gateway, environments' port-forward commands use
// different local ports (the old commands all used 2222), inside the documented range.
func TestForwardPortsDiffer(t *testing.T) {
	seen := map[int]string{}
	for _, team := range []string{"alpha", "beta"} {
		for _, name := range []string{"web", "api", "demo", "work", "db", "ml", "ci", "docs"} {
			p := ForwardPort(team, name)
			if p < 20000 || p > 29999 {
				t.Errorf("ForwardPort(%s, %s) = %d, want 20000-29999", team, name, p)
			}
			if other, ok := seen[p]; ok {
				t.Errorf("ForwardPort(%s, %s) = %d, same as %s", team, name, p, other)
			}
			seen[p] = team + "/" + name
		}
	}
}
