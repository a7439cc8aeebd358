package resources

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	networkingv1 "k8s.io/api/networking/v1"
	"sigs.k8s.io/yaml"

	"github.com/devenvs/devenvs/shared/config"
)

// TestMakeNetworkPolicies pins the policies' exact shape; hack/netpol proves what they mean.
func TestMakeNetworkPolicies(t *testing.T) {
	const defaults = `
- metadata:
    name: devenvs-ingress
    namespace: devenvs-beta
    labels: {app.kubernetes.io/managed-by: devenvs, devenvs.dev/team: beta}
  spec:
    podSelector: {}
    policyTypes: [Ingress]
    ingress:
    - from:
      - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: devenvs}}
        podSelector: {matchLabels: {app.kubernetes.io/component: sshgateway}}
      ports:
      - {protocol: TCP, port: 22}
- metadata:
    name: devenvs-egress
    namespace: devenvs-beta
    labels: {app.kubernetes.io/managed-by: devenvs, devenvs.dev/team: beta}
  spec:
    podSelector: {}
    policyTypes: [Egress]
    egress:
    - to:
      - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}
        podSelector: {matchLabels: {k8s-app: kube-dns}}
      ports:
      - {protocol: UDP, port: 53}
      - {protocol: TCP, port: 53}
    - to:
      - ipBlock:
          cidr: 0.0.0.0/0
          except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, 100.64.0.0/10, 169.254.169.254/32]
`
	off := false
	tests := []struct {
		name    string
		network config.Network
		want    string
	}{{
		name: "default configuration",
		want: defaults,
	}, {
		name:    "absent network section: the same policies",
		network: config.Network{},
		want:    defaults,
	}, {
		name:    "turned off",
		network: config.Network{Policies: &off},
		want:    "null",
	}}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config.Default()
			if i > 0 {
				cfg.Network = tc.network
			}
			team, _ := cfg.Team("beta")
			var want []networkingv1.NetworkPolicy
			if err := yaml.UnmarshalStrict([]byte(tc.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, MakeNetworkPolicies(cfg, team)); diff != "" {
				t.Errorf("MakeNetworkPolicies() (-want +got):\n%s", diff)
			}
		})
	}
}
