package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string // every error line, in order; nil means valid
	}{{
		name:   "default is valid",
		mutate: func(*Config) {},
	}, {
		name: "network CIDRs and selectors",
		mutate: func(c *Config) {
			c.Network.ClusterCIDRs = []string{"10.0.0.0/8", "10.1.2.3/16", "fd00::/8", "0.0.0.0/0", "nonsense"}
			c.Network.SSHGateway = PeerSelector{Namespace: "Dev_Envs", PodLabels: map[string]string{"app": "bad value!"}}
		},
		want: []string{
			`network.clusterCIDRs[1]: "10.1.2.3/16" is not canonical, write "10.1.0.0/16"`,
			`network.clusterCIDRs[2]: "fd00::/8": only IPv4 ranges (environments get no IPv6 egress)`,
			`network.clusterCIDRs[3]: "0.0.0.0/0" would deny the whole internet; leave package installs possible`,
			`network.clusterCIDRs[4]: "nonsense" is not a CIDR: netip.ParsePrefix("nonsense"): no '/'`,
			`network.sshGateway.namespace: "Dev_Envs": a lowercase RFC 1123 label must consist of lower case ` +
				`alphanumeric characters or '-', and must start and end with an alphanumeric character ` +
				`(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
			`network.sshGateway.podLabels.app: value "bad value!": a valid label must be an empty string or consist of ` +
				`alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character ` +
				`(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
		},
	}, {
		name:   "unknown team pool",
		mutate: func(c *Config) { c.Teams[0].Pools[1] = "x" },
		want:   []string{`teams.alpha.pools[1]: unknown pool "x"`},
	}, {
		name:   "duplicate team priority and unknown priority",
		mutate: func(c *Config) { c.Teams[1].Priorities = []string{"low", "low", "urgent"} },
		want: []string{
			`teams.beta.priorities[1]: duplicate priority "low"`,
			`teams.beta.priorities[2]: unknown priority "urgent"`,
		},
	}, {
		// Issue 14 item 12: GPUs are an explicit team setting.
		name:   "GPU pool without GPUs",
		mutate: func(c *Config) { c.Teams[0].MaxGPUs = 0 },
		want:   []string{`teams.alpha.maxGPUs: team may use GPU pool "gpu-a100" but has no GPU quota: set maxGPUs`},
	}, {
		name:   "total lifetime shorter than one lifetime",
		mutate: func(c *Config) { c.Teams[1].MaxTotalLifetime = Duration(time.Hour) },
		want:   []string{`teams.beta.maxTotalLifetime: must be at least maxLifetime (24h), got 1h`},
	}, {
		name:   "team without pools",
		mutate: func(c *Config) { c.Teams[1].Pools = nil },
		want:   []string{`teams.beta.pools: at least one pool is required`},
	}, {
		name:   "namespace not a DNS-1123 label",
		mutate: func(c *Config) { c.Teams[0].Namespace = "Devenvs_Alpha" },
		want: []string{`teams.alpha.namespace: "Devenvs_Alpha": a lowercase RFC 1123 label must consist of lower case ` +
			`alphanumeric characters or '-', and must start and end with an alphanumeric character ` +
			`(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`},
	}, {
		name:   "namespace shared by two teams",
		mutate: func(c *Config) { c.Teams[1].Namespace = c.Teams[0].Namespace },
		want:   []string{`teams.beta.namespace: "devenvs-alpha" is already used by team "alpha"`},
	}, {
		name:   "duplicate team name is reported by index-free path",
		mutate: func(c *Config) { c.Teams[1].Name = "alpha"; c.Teams[1].Namespace = "other" },
		want:   []string{`teams.alpha.name: duplicate name "alpha"`},
	}, {
		name:   "nameless team is named by index",
		mutate: func(c *Config) { c.Teams[1].Name = "" },
		want:   []string{`teams[1].name: required`},
	}, {
		name: "limits",
		mutate: func(c *Config) {
			tm := &c.Teams[0]
			tm.MaxCPU = resource.Quantity{}
			tm.MaxMemory = resource.MustParse("-1Gi")
			tm.MaxEnvironments = 0
			tm.MaxLifetime = 0
			tm.OnExpiry = "archive"
			tm.Quota[corev1.ResourceLimitsCPU] = resource.MustParse("-1")
		},
		want: []string{
			`teams.alpha.maxCPU: must be a quantity > 0, got "0"`,
			`teams.alpha.maxMemory: must be a quantity > 0, got "-1Gi"`,
			`teams.alpha.maxEnvironments: must be > 0, got 0`,
			`teams.alpha.maxLifetime: must be > 0, got 0s`,
			`teams.alpha.onExpiry: must be stop or delete, got "archive"`,
			`teams.alpha.quota.limits.cpu: must not be negative, got "-1"`,
		},
	}, {
		name: "stop warning negative or as long as the lifetime",
		mutate: func(c *Config) {
			neg, long := Duration(-time.Minute), Duration(24*time.Hour)
			c.Teams[0].StopWarning, c.Teams[1].StopWarning = &neg, &long
		},
		want: []string{
			`teams.alpha.stopWarning: must be >= 0s and shorter than maxLifetime (72h), got -1m`,
			`teams.beta.stopWarning: must be >= 0s and shorter than maxLifetime (24h), got 24h`,
		},
	}, {
		name:   "bad image glob",
		mutate: func(c *Config) { c.Teams[0].Images = append(c.Teams[0].Images, "ubuntu:[", "") },
		want:   []string{`teams.alpha.images[4]: invalid glob "ubuntu:["`, `teams.alpha.images[5]: invalid glob ""`},
	}, {
		name: "defaults refer to unknown things",
		mutate: func(c *Config) {
			c.Defaults = Defaults{Pool: "tiny", Priority: "meh", CPU: resource.MustParse("0")}
		},
		want: []string{
			`defaults.image: required`,
			`defaults.cpu: must be a quantity > 0, got "0"`,
			`defaults.memory: must be a quantity > 0, got "0"`,
			`defaults.pool: unknown pool "tiny"`,
			`defaults.priority: unknown priority "meh"`,
			`defaults.lifetime: must be > 0, got 0s`,
		},
	}, {
		name: "ssh",
		mutate: func(c *Config) {
			c.SSH = SSH{ServiceType: corev1.ServiceTypeExternalName, Port: 70000, User: "root"}
		},
		want: []string{
			`ssh.serviceType: must be one of ClusterIP, NodePort, LoadBalancer, got "ExternalName"`,
			`ssh.port: must be between 1 and 65535, got 70000`,
			`ssh.user: must match ^[a-z_][a-z0-9_-]{0,31}$ and not be root, got "root"`,
		},
	}, {
		name:   "ssh user that would need quoting",
		mutate: func(c *Config) { c.SSH.User = "dev; id" },
		want:   []string{`ssh.user: must match ^[a-z_][a-z0-9_-]{0,31}$ and not be root, got "dev; id"`},
	}, {
		name:   "base domain",
		mutate: func(c *Config) { c.BaseDomain = "Example..com" },
		want: []string{`baseDomain: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, ` +
			`'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for ` +
			`validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`},
	}, {
		name: "pools",
		mutate: func(c *Config) {
			c.Pools[1].Name = "cpu-small"
			c.Pools[2].ExtraResources["nvidia.com/gpu"] = resource.MustParse("0")
			c.Pools[2].Tolerations[0].Effect = "Sometimes"
			c.Pools[0].NodeSelector["pool"] = "not valid!"
		},
		want: []string{
			`pools.cpu-small.nodeSelector.pool: value "not valid!": a valid label must be an empty string or consist of ` +
				`alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character ` +
				`(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
			`pools.cpu-small.name: duplicate name "cpu-small"`,
			`pools.gpu-a100.tolerations[0].effect: must be NoSchedule, PreferNoSchedule or NoExecute, got "Sometimes"`,
			`pools.gpu-a100.extraResources.nvidia.com/gpu: must be a quantity > 0, got "0"`,
			`teams.alpha.pools[1]: unknown pool "cpu-large"`,
			`teams.beta.pools[1]: unknown pool "cpu-large"`,
		},
	}, {
		name: "priorities",
		mutate: func(c *Config) {
			c.Priorities[0].ClassName = "system-cluster-critical"
			c.Priorities[1].ClassName = ""
			c.Priorities[2].Value = 2000000000
		},
		want: []string{
			`priorities.low.className: "system-cluster-critical": the system- prefix is reserved by Kubernetes`,
			`priorities.normal.className: required`,
			`priorities.high.value: must be <= 1000000000, got 2000000000`,
		},
	}, {
		name: "empty config",
		mutate: func(c *Config) {
			*c = Config{SSH: c.SSH, Defaults: Defaults{Image: "x", CPU: resource.MustParse("1"), Memory: resource.MustParse("1"), Lifetime: 1}}
		},
		want: []string{
			`pools: at least one pool is required`,
			`priorities: at least one priority is required`,
			`defaults.pool: unknown pool ""`,
			`defaults.priority: unknown priority ""`,
			`teams: at least one team is required`,
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			tc.mutate(c)
			var got []string
			if err := c.Validate(); err != nil {
				got = strings.Split(err.Error(), "\n")
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Validate() (-want +got):\n%s", diff)
			}
		})
	}
}
