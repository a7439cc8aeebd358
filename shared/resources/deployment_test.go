package resources

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/env/validation"
)

const testKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKC+umrKFyw4R09J8gWS0CR/SdQ7SdEhD9f2T2ZPY5bZ test@devenvs"

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.FixedZone("CET", 3600))

// testSpec is a defaulted, valid spec; every case must keep it valid.
func testSpec(t *testing.T, cfg *config.Config, mutate func(*env.Spec)) (*env.Spec, *config.Team) {
	t.Helper()
	s := &env.Spec{Team: "alpha", Name: "web", SSHPublicKeys: []string{testKey}}
	if mutate != nil {
		mutate(s)
	}
	s.SetDefaults(cfg)
	if err := validation.ValidateSpec(s, cfg); err != nil {
		t.Fatalf("test spec is invalid: %v", err)
	}
	team, _ := cfg.Team(s.Team)
	return s, team
}

func wantLabels(pool string) map[string]string {
	return map[string]string{
		"app.kubernetes.io/managed-by": "devenvs",
		"devenvs.dev/team":             "alpha",
		"devenvs.dev/env":              "web",
		"devenvs.dev/owner":            "alice-example.com",
		"devenvs.dev/pool":             pool,
	}
}

// wantDeployment is the Deployment of testSpec with the defaults of config.Default().
func wantDeployment() *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name:      "web",
			Namespace: "devenvs-alpha",
			Labels:    wantLabels("cpu-small"),
			Annotations: map[string]string{
				"devenvs.dev/created-by":      "alice@example.com",
				"devenvs.dev/created-at":      "2026-03-01T11:00:00Z",
				"devenvs.dev/expires-at":      "2026-03-01T19:00:00Z",
				"devenvs.dev/idle-stop":       "true",
				"devenvs.dev/image":           "ubuntu:24.04",
				"devenvs.dev/priority":        "normal",
				"devenvs.dev/persistent-home": "",
			},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(1)),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"devenvs.dev/team": "alpha", "devenvs.dev/env": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: wantLabels("cpu-small")},
				Spec: corev1.PodSpec{
					AutomountServiceAccountToken:  new(false),
					EnableServiceLinks:            new(false),
					TerminationGracePeriodSeconds: new(int64(10)),
					SecurityContext:               &corev1.PodSecurityContext{SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault}},
					NodeSelector:                  map[string]string{"pool": "cpu-small"},
					Tolerations:                   []corev1.Toleration{{Key: "pool", Operator: corev1.TolerationOpEqual, Value: "cpu-small", Effect: corev1.TaintEffectNoSchedule}},
					PriorityClassName:             "devenvs-normal",
					Containers: []corev1.Container{{
						Name:    "workspace",
						Image:   "ubuntu:24.04",
						Command: []string{"/bin/sh", "/etc/devenvs/start.sh"},
						Env: []corev1.EnvVar{
							{Name: "DEVENVS_ENV", Value: "web"},
							{Name: "DEVENVS_TEAM", Value: "alpha"},
							{Name: "DEVENVS_SSH_PORT", Value: "22"},
							{Name: "DEVENVS_SSH_USER", Value: "dev"},
						},
						Ports: []corev1.ContainerPort{{Name: "ssh", ContainerPort: 22, Protocol: corev1.ProtocolTCP}},
						StartupProbe: &corev1.Probe{
							ProbeHandler:     corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("ssh")}},
							PeriodSeconds:    1,
							FailureThreshold: 900,
						},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString("ssh")}},
							PeriodSeconds: 5,
						},
						TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("2Gi")},
							Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("2Gi")},
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: new(false),
							Capabilities: &corev1.Capabilities{
								Drop: []corev1.Capability{"ALL"},
								Add: []corev1.Capability{"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
									"NET_BIND_SERVICE", "SYS_CHROOT", "AUDIT_WRITE"},
							},
						},
						VolumeMounts: []corev1.VolumeMount{
							{Name: "devenvs", MountPath: "/etc/devenvs", ReadOnly: true},
							{Name: "home", MountPath: "/home/dev", SubPath: "home"},
							{Name: "home", MountPath: "/var/lib/devenvs", SubPath: "system"},
						},
					}},
					Volumes: []corev1.Volume{{
						Name: "devenvs",
						VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
							SecretName: "web-ssh",
							Items: []corev1.KeyToPath{
								{Key: "start.sh", Path: "start.sh"},
								{Key: "authorized_keys", Path: "ssh/authorized_keys"},
								{Key: "environment", Path: "environment"},
							},
							DefaultMode: new(int32(0o444)),
						}},
					}, {
						Name:         "home",
						VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
					}},
				},
			},
		},
	}
}

func TestMakeDeployment(t *testing.T) {
	tests := []struct {
		name string
		cfg  func(*config.Config)
		spec func(*env.Spec)
		want func(*appsv1.Deployment)
	}{{
		name: "defaults",
		want: func(*appsv1.Deployment) {},
	}, {
		name: "gpu pool adds nvidia.com/gpu to requests and limits",
		spec: func(s *env.Spec) { s.Pool, s.Priority, s.CPU, s.Memory = "gpu-a100", "high", "8", "32Gi" },
		want: func(d *appsv1.Deployment) {
			d.Labels = wantLabels("gpu-a100")
			d.Spec.Template.Labels = wantLabels("gpu-a100")
			d.Annotations["devenvs.dev/priority"] = "high"
			ps := &d.Spec.Template.Spec
			ps.NodeSelector = map[string]string{"pool": "gpu-a100"}
			ps.Tolerations[0].Value = "gpu-a100"
			ps.PriorityClassName = "devenvs-high"
			want := corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("8"),
				corev1.ResourceMemory: resource.MustParse("32Gi"),
				"nvidia.com/gpu":      resource.MustParse("1"),
			}
			ps.Containers[0].Resources = corev1.ResourceRequirements{Requests: want, Limits: want.DeepCopy()}
		},
	}, {
		name: "persistent home mounts the claim",
		spec: func(s *env.Spec) { s.PersistentHome = "10Gi" },
		want: func(d *appsv1.Deployment) {
			d.Annotations["devenvs.dev/persistent-home"] = "10Gi"
			d.Spec.Template.Spec.Volumes[1].VolumeSource = corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "web-home"}}
		},
	}, {
		name: "packages are arguments; the user's variables stay out of the container",
		spec: func(s *env.Spec) {
			s.Packages = []string{"git", "vim=2:9.1"}
			s.Env = map[string]string{"ZED": "last", "EDITOR": "vim"}
			s.IdleStop = new(false)
			s.Lifetime = "90m"
			s.Image = "debian:12"
		},
		want: func(d *appsv1.Deployment) {
			d.Annotations["devenvs.dev/idle-stop"] = "false"
			d.Annotations["devenvs.dev/expires-at"] = "2026-03-01T12:30:00Z"
			d.Annotations["devenvs.dev/image"] = "debian:12"
			c := &d.Spec.Template.Spec.Containers[0]
			c.Image = "debian:12"
			c.Args = []string{"git", "vim=2:9.1"}
		},
	}, {
		name: "ssh user decides the home mount",
		cfg:  func(c *config.Config) { c.SSH.User = "coder" },
		want: func(d *appsv1.Deployment) {
			c := &d.Spec.Template.Spec.Containers[0]
			c.Env[3].Value = "coder"
			c.VolumeMounts[1].MountPath = "/home/coder"
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			spec, team := testSpec(t, cfg, tc.spec)
			want := wantDeployment()
			tc.want(want)
			got := MakeDeployment(spec, team, cfg, "alice@example.com", testNow)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("MakeDeployment() (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMakeDeploymentDoesNotAlias guards the config: the pod spec must not share maps or
// slices with it, or a later edit of one Deployment would change the configuration.
func TestMakeDeploymentDoesNotAlias(t *testing.T) {
	cfg := config.Default()
	spec, team := testSpec(t, cfg, func(s *env.Spec) { s.Pool = "gpu-a100"; s.Packages = []string{"git"} })
	d := MakeDeployment(spec, team, cfg, "alice", testNow)
	ps := &d.Spec.Template.Spec
	ps.NodeSelector["pool"] = "changed"
	ps.Tolerations[0].Value = "changed"
	ps.Containers[0].Args[0] = "changed"
	d.Labels["devenvs.dev/pool"] = "changed"

	pool, _ := cfg.Pool("gpu-a100")
	if pool.NodeSelector["pool"] != "gpu-a100" || pool.Tolerations[0].Value != "gpu-a100" {
		t.Errorf("pool config changed through the Deployment: %+v", pool)
	}
	if spec.Packages[0] != "git" {
		t.Errorf("spec packages changed through the Deployment: %v", spec.Packages)
	}
	if d.Spec.Template.Labels["devenvs.dev/pool"] != "gpu-a100" {
		t.Error("Deployment and pod template share their labels map")
	}
}

// TestDeploymentRoundTrip checks that the view reads back what the builder wrote.
func TestDeploymentRoundTrip(t *testing.T) {
	cfg := config.Default()
	spec, team := testSpec(t, cfg, func(s *env.Spec) {
		s.Pool, s.CPU, s.Memory, s.Home, s.PersistentHome, s.Packages = "cpu-large", "1500m", "3Gi", "persistent", "20Gi", []string{"git"}
	})
	d := MakeDeployment(spec, team, cfg, "alice@example.com", testNow)
	got := env.FromDeployment(d, nil, cfg, testNow)
	want := env.Environment{
		Team: "alpha", Name: "web", Owner: "alice@example.com", Image: "ubuntu:24.04", Pool: "cpu-large",
		Priority: "normal", Phase: env.PhasePending, Reason: env.ReasonNoPod, Message: "waiting for the pod to be created",
		Requested: env.Resources{CPUMilli: 1500, MemoryBytes: 3 << 30},
		SSH:       "kubectl -n devenvs-alpha port-forward svc/web 29850:22 & ssh -o HostKeyAlias=web.alpha -p 29850 dev@127.0.0.1",
		SFTP:      "kubectl -n devenvs-alpha port-forward svc/web 29850:22 & sftp -o HostKeyAlias=web.alpha -P 29850 dev@127.0.0.1",
		CreatedAt: testNow.UTC(), ExpiresAt: testNow.Add(8 * time.Hour).UTC(),
		Home: "persistent", PersistentHome: "20Gi", IdleStop: true, Replicas: 1, Packages: []string{"git"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FromDeployment(MakeDeployment()) (-want +got):\n%s", diff)
	}
}
