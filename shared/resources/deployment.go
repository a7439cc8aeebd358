package resources

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

// MakeDeployment builds an environment's Deployment: one replica (Recreate, so a restart
// never runs two pods against one home volume) of a "workspace" container that installs
// the packages and runs sshd. spec must have passed SetDefaults and Validate against cfg
// and team: a value that does not parse (a quantity, the lifetime) is left out rather than
// reported, because builders have no error path.
// owner is the authenticated user; now is the creation time.
func MakeDeployment(spec *env.Spec, team *config.Team, cfg *config.Config, owner string, now time.Time) *appsv1.Deployment {
	lifetime, _ := time.ParseDuration(spec.Lifetime)
	lbls := labels(spec, owner)
	idleStop := spec.IdleStop == nil || *spec.IdleStop

	podSpec := corev1.PodSpec{
		// Environments never talk to the API server as themselves.
		AutomountServiceAccountToken:  new(false),
		EnableServiceLinks:            new(false),
		TerminationGracePeriodSeconds: new(int64(10)),
		SecurityContext: &corev1.PodSecurityContext{
			SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
		},
		Containers: []corev1.Container{makeContainer(spec, cfg)},
		Volumes:    makeVolumes(spec),
	}
	if pool, ok := cfg.Pool(spec.Pool); ok {
		podSpec.NodeSelector = maps.Clone(pool.NodeSelector)
		podSpec.Tolerations = slices.Clone(pool.Tolerations)
	}
	if p, ok := cfg.Priority(spec.Priority); ok {
		podSpec.PriorityClassName = p.ClassName
	}

	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{
			Name:      spec.Name,
			Namespace: team.Namespace,
			Labels:    lbls,
			Annotations: map[string]string{
				env.CreatedByAnnotation:      owner,
				env.CreatedAtAnnotation:      now.UTC().Format(time.RFC3339),
				env.ExpiresAtAnnotation:      now.Add(lifetime).UTC().Format(time.RFC3339),
				env.IdleStopAnnotation:       strconv.FormatBool(idleStop),
				env.ImageAnnotation:          spec.Image,
				env.PriorityAnnotation:       spec.Priority,
				env.PersistentHomeAnnotation: spec.PersistentHome,
			},
		},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(1)),
			Strategy: appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType},
			Selector: &metav1.LabelSelector{MatchLabels: env.SelectorLabels(spec.Team, spec.Name)},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: maps.Clone(lbls)},
				Spec:       podSpec,
			},
		},
	}
}

func makeContainer(spec *env.Spec, cfg *config.Config) corev1.Container {
	return corev1.Container{
		Name:  ContainerName,
		Image: spec.Image,
		// The script is fixed text, mounted from the environment's Secret rather than
		// written into the command: at 2.4 KB it was half of every Deployment, ReplicaSet
		// and pod, and so half of what listing environments reads and decodes. Packages
		// arrive as its positional parameters ("$@"), never spliced into shell source.
		Command: []string{"/bin/sh", StartScriptPath},
		Args:    slices.Clone(spec.Packages),
		Env:     makeEnv(spec, cfg),
		Ports: []corev1.ContainerPort{{
			Name: SSHPortName, ContainerPort: SSHContainerPort, Protocol: corev1.ProtocolTCP,
		}},
		// Ready means sshd accepts connections. The startup probe looks every second, so a
		// start is reported within a second of sshd listening, and allows 15 minutes for
		// package installs; after that the readiness probe looks every 5 s.
		StartupProbe: &corev1.Probe{
			ProbeHandler:     sshProbe,
			PeriodSeconds:    1,
			FailureThreshold: 900,
		},
		ReadinessProbe: &corev1.Probe{ProbeHandler: sshProbe, PeriodSeconds: 5},
		// The start script writes "<Reason>: <what to do>" there when it fails.
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
		Resources:                makeResources(spec, cfg),
		// The container runs as root: installing packages and running sshd (which switches
		// to the login user) need it. What it cannot do is gain more privileges than it
		// starts with, e.g. through setuid binaries (sudo therefore does not work inside),
		// or use capabilities that neither needs (raw sockets, device nodes, file caps).
		SecurityContext: &corev1.SecurityContext{
			AllowPrivilegeEscalation: new(false),
			Capabilities: &corev1.Capabilities{
				Drop: []corev1.Capability{"ALL"},
				Add:  slices.Clone(environmentCapabilities),
			},
		},
		VolumeMounts: []corev1.VolumeMount{
			{Name: secretVolume, MountPath: SecretMountPath, ReadOnly: true},
			{Name: homeVolume, MountPath: homeDir(cfg), SubPath: homeSubPath},
			{Name: homeVolume, MountPath: SystemMountPath, SubPath: systemSubPath},
		},
	}
}

var sshProbe = corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromString(SSHPortName)}}

// environmentCapabilities are what package managers (owners and modes of files) and sshd
// (switching to the user, its privilege-separation chroot, port 22) need.
var environmentCapabilities = []corev1.Capability{
	"CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "NET_BIND_SERVICE", "SYS_CHROOT", "AUDIT_WRITE",
}

// makeEnv sets the platform's variables only: the user's reach their SSH sessions through
// the Secret's environment file, never the root start script.
func makeEnv(spec *env.Spec, cfg *config.Config) []corev1.EnvVar {
	return []corev1.EnvVar{
		{Name: NameVar, Value: spec.Name},
		{Name: TeamVar, Value: spec.Team},
		{Name: SSHPortVar, Value: strconv.Itoa(SSHContainerPort)},
		{Name: SSHUserVar, Value: cfg.SSH.User},
	}
}

// makeResources sets requests = limits = the asked size, so an environment gets exactly
// what it was admitted for (Guaranteed QoS) and the team quota counts it precisely; the
// pool's extra resources (e.g. nvidia.com/gpu) are added to both.
func makeResources(spec *env.Spec, cfg *config.Config) corev1.ResourceRequirements {
	list := corev1.ResourceList{}
	if q, err := resource.ParseQuantity(spec.CPU); err == nil {
		list[corev1.ResourceCPU] = q
	}
	if q, err := resource.ParseQuantity(spec.Memory); err == nil {
		list[corev1.ResourceMemory] = q
	}
	if pool, ok := cfg.Pool(spec.Pool); ok {
		for name, q := range pool.ExtraResources {
			list[name] = q.DeepCopy()
		}
	}
	return corev1.ResourceRequirements{Requests: list, Limits: list.DeepCopy()}
}

func makeVolumes(spec *env.Spec) []corev1.Volume {
	home := corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}}
	if spec.PersistentHome != "" {
		home = corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: PVCName(spec.Name)}}
	}
	return []corev1.Volume{{
		Name: secretVolume,
		VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{
			SecretName: SecretName(spec.Name),
			Items: []corev1.KeyToPath{
				{Key: StartScriptKey, Path: StartScriptKey},
				{Key: AuthorizedKeysKey, Path: strings.TrimPrefix(AuthorizedKeysPath, SecretMountPath+"/")},
				{Key: EnvironmentKey, Path: EnvironmentKey},
			},
			DefaultMode: new(int32(0o444)),
		}},
	}, {
		Name:         homeVolume,
		VolumeSource: home,
	}}
}

func homeDir(cfg *config.Config) string { return "/home/" + cfg.SSH.User }
