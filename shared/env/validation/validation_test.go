package validation

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"knative.dev/pkg/apis"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
)

// validSpec is a defaulted, valid request of team alpha; cases change one thing.
func validSpec() *env.Spec {
	s := &env.Spec{Team: "alpha", Name: "web", SSHPublicKeys: []string{testKeyEd25519}}
	s.SetDefaults(config.Default())
	return s
}

func errString(fe *apis.FieldError) string {
	if fe == nil {
		return ""
	}
	return fe.Error()
}

func TestSpecValidate(t *testing.T) {
	pkgRule := "must match " + packageRE().String()
	tests := []struct {
		name   string
		mutate func(*env.Spec)
		want   *apis.FieldError
	}{{
		name:   "valid",
		mutate: func(*env.Spec) {},
	}, {
		name: "valid with everything",
		mutate: func(s *env.Spec) {
			s.Team, s.Image, s.Pool, s.Priority, s.CPU, s.Memory = "beta", "docker.io/library/debian:12", "cpu-large", "low", "4", "8Gi"
			s.Lifetime, s.Home, s.PersistentHome = "24h", "persistent", "500Gi"
			s.Packages = []string{"git", "libc6=2.36-9+deb12u4", "g++", "python3.11", "epoch=1:2.3~rc1"}
			s.SSHPublicKeys = []string{testKeyEd25519, testKeyRSA2048, testKeyP256}
			s.Env = map[string]string{"EDITOR": "vim", "_X1": strings.Repeat("v", env.MaxEnvValueBytes)}
		},
	}, {
		name:   "missing team",
		mutate: func(s *env.Spec) { s.Team = "" },
		want:   apis.ErrMissingField("team"),
	}, {
		name: "unknown team skips team limits but not the rest",
		mutate: func(s *env.Spec) {
			s.Team, s.CPU, s.Lifetime, s.Image = "gamma", "1000", "1000h", "nginx:1"
			s.Name = "Web"
		},
		want: apis.ErrInvalidValue("gamma", "team", "unknown team").Also(
			apis.ErrInvalidValue("Web", "name", "use lowercase letters, digits and '-', starting and ending with a letter or digit (a DNS-1123 label)")),
	}, {
		name:   "missing name",
		mutate: func(s *env.Spec) { s.Name = "" },
		want:   apis.ErrMissingField("name"),
	}, {
		name:   "name too long",
		mutate: func(s *env.Spec) { s.Name = strings.Repeat("a", 41) },
		want:   apis.ErrInvalidValue(strings.Repeat("a", 41), "name", "must be at most 40 characters"),
	}, {
		name:   "name at the limit",
		mutate: func(s *env.Spec) { s.Name = strings.Repeat("a", 40) },
	}, {
		name:   "image not a reference",
		mutate: func(s *env.Spec) { s.Image = "Ubuntu:24.04" },
		want:   apis.ErrInvalidValue("Ubuntu:24.04", "image", "not a container image reference: invalid reference format: repository name (library/Ubuntu) must be lowercase"),
	}, {
		name:   "image not allowed",
		mutate: func(s *env.Spec) { s.Team, s.Pool, s.Priority, s.Image = "beta", "cpu-small", "low", "fedora:40" },
		want:   apis.ErrInvalidValue("fedora:40", "image", `not allowed for team "beta"; allowed: ubuntu:*, debian:*`),
	}, {
		name:   "image from another registry does not match a familiar glob",
		mutate: func(s *env.Spec) { s.Image = "evil.example.com/ubuntu:24.04" },
		want:   apis.ErrInvalidValue("evil.example.com/ubuntu:24.04", "image", `not allowed for team "alpha"; allowed: ubuntu:*, debian:*, fedora:*, alpine:*`),
	}, {
		name:   "image fully qualified with tag and digest matches a familiar glob",
		mutate: func(s *env.Spec) { s.Image = "docker.io/library/alpine:3.20@sha256:" + strings.Repeat("a", 64) },
	}, {
		name:   "digest without tag does not match a tag glob",
		mutate: func(s *env.Spec) { s.Image = "alpine@sha256:" + strings.Repeat("a", 64) },
		want: apis.ErrInvalidValue("alpine@sha256:"+strings.Repeat("a", 64), "image",
			`not allowed for team "alpha"; allowed: ubuntu:*, debian:*, fedora:*, alpine:*`),
	}, {
		name:   "untagged image gets :latest",
		mutate: func(s *env.Spec) { s.Image = "ubuntu" },
	}, {
		name: "hostile package",
		mutate: func(s *env.Spec) {
			s.Packages = []string{"git", "x; rm -rf /", "--allow-unauthenticated", "$(id)", "Git"}
		},
		want: apis.ErrInvalidValue("x; rm -rf /", apis.CurrentField, pkgRule).ViaFieldIndex("packages", 1).Also(
			apis.ErrInvalidValue("--allow-unauthenticated", apis.CurrentField, pkgRule).ViaFieldIndex("packages", 2),
			apis.ErrInvalidValue("$(id)", apis.CurrentField, pkgRule).ViaFieldIndex("packages", 3),
			apis.ErrInvalidValue("Git", apis.CurrentField, pkgRule).ViaFieldIndex("packages", 4)),
	}, {
		name:   "duplicate package, also with a version",
		mutate: func(s *env.Spec) { s.Packages = []string{"git", "vim", "git=1:2.43"} },
		want:   apis.ErrGeneric(`duplicate package "git" (also packages[0])`, "packages[2]"),
	}, {
		name:   "too many packages",
		mutate: func(s *env.Spec) { s.Packages = numbered("p", 51) },
		want:   apis.ErrOutOfBoundsValue(51, 0, 50, "packages"),
	}, {
		name:   "cpu too small, memory not a quantity",
		mutate: func(s *env.Spec) { s.CPU, s.Memory = "50m", "lots" },
		want: apis.ErrOutOfBoundsValue("50m", "100m", "8", "cpu").Also(
			apis.ErrInvalidValue("lots", "memory", `not a quantity such as "500m", "2" or "4Gi"`)),
	}, {
		name: "cpu and memory over team limits",
		mutate: func(s *env.Spec) {
			s.Team, s.Pool, s.Priority, s.CPU, s.Memory = "beta", "cpu-small", "low", "4001m", "9Gi"
		},
		want: apis.ErrOutOfBoundsValue("4001m", "100m", "4", "cpu").Also(apis.ErrOutOfBoundsValue("9Gi", "128Mi", "8Gi", "memory")),
	}, {
		name:   "negative and missing quantities",
		mutate: func(s *env.Spec) { s.CPU, s.Memory = "-1", "" },
		want:   apis.ErrOutOfBoundsValue("-1", "100m", "8", "cpu").Also(apis.ErrMissingField("memory")),
	}, {
		name:   "unknown pool and priority",
		mutate: func(s *env.Spec) { s.Pool, s.Priority = "tpu", "urgent" },
		want:   apis.ErrInvalidValue("tpu", "pool", "unknown pool").Also(apis.ErrInvalidValue("urgent", "priority", "unknown priority")),
	}, {
		name:   "pool and priority not allowed for team",
		mutate: func(s *env.Spec) { s.Team, s.Pool, s.Priority = "beta", "gpu-a100", "high" },
		want: apis.ErrInvalidValue("gpu-a100", "pool", `not allowed for team "beta"; allowed: cpu-small, cpu-large, real`).Also(
			apis.ErrInvalidValue("high", "priority", `not allowed for team "beta"; allowed: low, normal`)),
	}, {
		name:   "lifetime too short",
		mutate: func(s *env.Spec) { s.Lifetime = "9m59s" },
		want:   apis.ErrOutOfBoundsValue("9m59s", "10m", "72h", "lifetime"),
	}, {
		name:   "lifetime over team max",
		mutate: func(s *env.Spec) { s.Lifetime = "73h" },
		want:   apis.ErrOutOfBoundsValue("73h", "10m", "72h", "lifetime"),
	}, {
		name:   "lifetime not a duration",
		mutate: func(s *env.Spec) { s.Lifetime = "3 days" },
		want:   apis.ErrInvalidValue("3 days", "lifetime", `not a duration such as "8h" or "90m"`),
	}, {
		name:   "no keys",
		mutate: func(s *env.Spec) { s.SSHPublicKeys = nil },
		want:   apis.ErrMissingField("sshPublicKeys"),
	}, {
		name:   "too many keys",
		mutate: func(s *env.Spec) { s.SSHPublicKeys = repeat(testKeyEd25519, 11) },
		want:   apis.ErrOutOfBoundsValue(11, 1, 10, "sshPublicKeys"),
	}, {
		name:   "bad key names its index",
		mutate: func(s *env.Spec) { s.SSHPublicKeys = []string{testKeyEd25519, testKeyEd25519 + "\nssh-rsa AAAA"} },
		want:   apis.ErrGeneric("invalid SSH public key: must be a single line without control characters", "sshPublicKeys[1]"),
	}, {
		name: "private key pasted line by line is refused once, as a private key",
		mutate: func(s *env.Spec) {
			s.SSHPublicKeys = []string{"-----BEGIN OPENSSH PRIVATE KEY-----", "QyNTUxOQAAACBzZWNyZXQ", "-----END OPENSSH PRIVATE KEY-----"}
		},
		want: apis.ErrGeneric(ErrPrivateKey.Error(), "sshPublicKeys"),
	}, {
		name:   "persistent home out of bounds",
		mutate: func(s *env.Spec) { s.Home, s.PersistentHome = "persistent", "501Gi" },
		want:   apis.ErrOutOfBoundsValue("501Gi", "1Gi", "500Gi", "persistentHome"),
	}, {
		name:   "persistent home too small",
		mutate: func(s *env.Spec) { s.Home, s.PersistentHome = "persistent", "512Mi" },
		want:   apis.ErrOutOfBoundsValue("512Mi", "1Gi", "500Gi", "persistentHome"),
	}, {
		name:   "a scratch home has no size",
		mutate: func(s *env.Spec) { s.Home, s.PersistentHome = "scratch", "10Gi" },
		want:   apis.ErrGeneric("a scratch home has no size: leave persistentHome empty, or ask for a persistent home", "persistentHome"),
	}, {
		name:   "unknown home",
		mutate: func(s *env.Spec) { s.Home = "cloud" },
		want:   apis.ErrInvalidValue("cloud", "home", "must be persistent (kept across stops) or scratch (discarded by every stop)"),
	}, {
		name:   "a variable spanning lines",
		mutate: func(s *env.Spec) { s.Env = map[string]string{"X": "a\nLD_PRELOAD=/tmp/x.so"} },
		want:   apis.ErrGeneric("value must be a single line", apis.CurrentField).ViaFieldKey("env", "X"),
	}, {
		name: "env rules",
		mutate: func(s *env.Spec) {
			s.Env = map[string]string{"1X": "", "A-B": "", "KUBERNETES_SERVICE_HOST": "", "DEVENVS_ENV": "",
				"BIG": strings.Repeat("v", env.MaxEnvValueBytes+1), "NUL": "a\x00b", "OK": "fine",
				strings.Repeat("N", env.MaxEnvKeyBytes+1): "v", strings.Repeat("K", env.MaxEnvKeyBytes): "longest name"}
		},
		want: apis.ErrInvalidKeyName("1X", "env", "must match "+envKeyRE.String()).Also(
			apis.ErrInvalidKeyName("A-B", "env", "must match "+envKeyRE.String()),
			apis.ErrGeneric("value longer than 4096 bytes", "env[BIG]"),
			apis.ErrInvalidKeyName("DEVENVS_ENV", "env", "the prefix DEVENVS_ is reserved"),
			apis.ErrInvalidKeyName(strings.Repeat("N", 32)+"…", "env", "names are at most 256 bytes"),
			apis.ErrInvalidKeyName("KUBERNETES_SERVICE_HOST", "env", "the prefix KUBERNETES_ is reserved"),
			apis.ErrGeneric("value contains a NUL byte", "env[NUL]")),
	}, {
		name:   "idle stop off where the team does not allow it",
		mutate: func(s *env.Spec) { s.Team = "beta"; s.Image = "debian:12"; s.IdleStop = new(false) },
		want:   apis.ErrInvalidValue(false, "idleStop", `team "beta" does not allow turning the idle stop off`),
	}, {
		name:   "too many env vars",
		mutate: func(s *env.Spec) { s.Env = map[string]string{}; addN(s.Env, 51) },
		want:   apis.ErrOutOfBoundsValue(51, 0, 50, "env"),
	}}
	cfg := config.Default()
	cfg.Teams[1].AllowIdleStopOff = new(false)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := validSpec()
			tc.mutate(s)
			if diff := cmp.Diff(errString(tc.want), errString(ValidateSpec(s, cfg))); diff != "" {
				t.Errorf("Validate() (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUpdateValidate(t *testing.T) {
	tests := []struct {
		name string
		team string
		in   env.Update
		want *apis.FieldError
	}{
		{"stop", "alpha", env.Update{Action: env.ActionStop}, nil},
		{"start", "alpha", env.Update{Action: env.ActionStart}, nil},
		{"stop with arguments", "alpha", env.Update{Action: env.ActionStop, CPU: "1", Lifetime: "1h"},
			&apis.FieldError{Message: "must not set the field(s)", Paths: []string{"lifetime", "cpu"}, Details: "not used by action stop"}},
		{"missing action", "alpha", env.Update{}, apis.ErrMissingField("action")},
		{"unknown action", "alpha", env.Update{Action: "pause"}, apis.ErrInvalidValue("pause", "action", "must be one of stop, start, extend, resize, idle-stop")},
		{"unknown team", "gamma", env.Update{Action: env.ActionStop}, apis.ErrInvalidValue("gamma", "team", "unknown team")},
		{"extend", "alpha", env.Update{Action: env.ActionExtend, Lifetime: "72h"}, nil},
		{"extend by minutes", "alpha", env.Update{Action: env.ActionExtend, Lifetime: "5m"}, nil},
		{"extend without lifetime", "alpha", env.Update{Action: env.ActionExtend}, apis.ErrMissingField("lifetime")},
		{"extend beyond team max", "beta", env.Update{Action: env.ActionExtend, Lifetime: "25h"}, apis.ErrOutOfBoundsValue("25h", "1m", "24h", "lifetime")},
		{"extend by nothing", "alpha", env.Update{Action: env.ActionExtend, Lifetime: "0s"}, apis.ErrOutOfBoundsValue("0s", "1m", "72h", "lifetime")},
		{"extend with memory", "alpha", env.Update{Action: env.ActionExtend, Lifetime: "1h", Memory: "1Gi"},
			&apis.FieldError{Message: "must not set the field(s)", Paths: []string{"memory"}, Details: "not used by action extend"}},
		{"resize cpu", "alpha", env.Update{Action: env.ActionResize, CPU: "2"}, nil},
		{"resize both", "beta", env.Update{Action: env.ActionResize, CPU: "4", Memory: "8Gi"}, nil},
		{"resize nothing", "alpha", env.Update{Action: env.ActionResize}, apis.ErrGeneric("resize needs cpu, memory or both", "cpu", "memory")},
		{"resize beyond team max", "beta", env.Update{Action: env.ActionResize, CPU: "5", Memory: "64Mi"},
			apis.ErrOutOfBoundsValue("5", "100m", "4", "cpu").Also(apis.ErrOutOfBoundsValue("64Mi", "128Mi", "8Gi", "memory"))},
		{"resize with lifetime", "alpha", env.Update{Action: env.ActionResize, CPU: "1", Lifetime: "1h"},
			&apis.FieldError{Message: "must not set the field(s)", Paths: []string{"lifetime"}, Details: "not used by action resize"}},
		{"idle stop off", "alpha", env.Update{Action: env.ActionIdleStop, IdleStop: new(false)}, nil},
		{"idle stop on where off is not allowed", "beta", env.Update{Action: env.ActionIdleStop, IdleStop: new(true)}, nil},
		{"idle stop off where not allowed", "beta", env.Update{Action: env.ActionIdleStop, IdleStop: new(false)},
			apis.ErrInvalidValue(false, "idleStop", `team "beta" does not allow turning the idle stop off`)},
		{"idle stop without idleStop", "alpha", env.Update{Action: env.ActionIdleStop}, apis.ErrMissingField("idleStop")},
		{"stop with idleStop", "alpha", env.Update{Action: env.ActionStop, IdleStop: new(false)},
			&apis.FieldError{Message: "must not set the field(s)", Paths: []string{"idleStop"}, Details: "not used by action stop"}},
	}
	cfg := config.Default()
	cfg.Teams[1].AllowIdleStopOff = new(false)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(errString(tc.want), errString(ValidateUpdate(&tc.in, cfg, tc.team))); diff != "" {
				t.Errorf("Validate() (-want +got):\n%s", diff)
			}
		})
	}
}

func numbered(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s%d", prefix, i)
	}
	return out
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func addN(m map[string]string, n int) {
	for _, k := range numbered("V", n) {
		m[k] = "x"
	}
}
