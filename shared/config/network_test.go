package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNetworkDefaults: a configuration without a network section still denies the private
// ranges and the metadata endpoint, and selects the chart's SSH gateway and CoreDNS.
func TestNetworkDefaults(t *testing.T) {
	off := false
	tests := []struct {
		name    string
		network Network
		enabled bool
		denied  []string
		gateway PeerSelector
		dns     PeerSelector
	}{{
		name:    "absent section",
		enabled: true,
		denied:  []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", MetadataCIDR},
		gateway: PeerSelector{Namespace: "devenvs", PodLabels: map[string]string{"app.kubernetes.io/component": "sshgateway"}},
		dns:     PeerSelector{Namespace: "kube-system", PodLabels: map[string]string{"k8s-app": "kube-dns"}},
	}, {
		name: "own ranges, gateway namespace and DNS labels; metadata stays denied once",
		network: Network{
			Policies:     &off,
			ClusterCIDRs: []string{"10.244.0.0/16", "10.96.0.0/12", MetadataCIDR},
			SSHGateway:   PeerSelector{Namespace: "platform"},
			DNS:          PeerSelector{PodLabels: map[string]string{"app": "dns"}},
		},
		enabled: false,
		denied:  []string{"10.244.0.0/16", "10.96.0.0/12", MetadataCIDR},
		gateway: PeerSelector{Namespace: "platform", PodLabels: map[string]string{"app.kubernetes.io/component": "sshgateway"}},
		dns:     PeerSelector{Namespace: "kube-system", PodLabels: map[string]string{"app": "dns"}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.network
			got := []any{n.PoliciesEnabled(), n.DeniedCIDRs(), n.Gateway(), n.DNSServers()}
			want := []any{tt.enabled, tt.denied, tt.gateway, tt.dns}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// The defaults are not shared slices or maps a caller could change.
	n := Network{}
	n.Gateway().PodLabels["x"] = "y"
	n.DeniedCIDRs()[0] = "1.2.3.4/32"
	if _, ok := DefaultSSHGateway.PodLabels["x"]; ok || DefaultClusterCIDRs[0] != "10.0.0.0/8" {
		t.Error("defaults were changed through a returned value")
	}
}
