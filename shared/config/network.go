package config

import (
	"maps"
	"slices"
)

// Network shapes the NetworkPolicies every team namespace gets (resources.MakeNetworkPolicies).
// Every field is optional: an absent section gives the safe defaults below, so a configuration
// written before this section existed still isolates environments.
type Network struct {
	// Policies turns the team NetworkPolicies off when false (for a cluster that isolates
	// namespaces its own way). Unset means true.
	Policies *bool `json:"policies,omitempty"`
	// ClusterCIDRs are the IPv4 ranges environments must not reach: the cluster's pod,
	// service and node ranges (and anything else private). Egress to the rest of the IPv4
	// internet is allowed for package installs. Unset: DefaultClusterCIDRs.
	ClusterCIDRs []string `json:"clusterCIDRs,omitempty"`
	// SSHGateway selects the pods allowed to reach environments on port 22.
	// Unset fields: DefaultSSHGateway's.
	SSHGateway PeerSelector `json:"sshGateway,omitempty"`
	// DNS selects the cluster DNS pods environments may query on port 53.
	// Unset fields: DefaultDNS's.
	DNS PeerSelector `json:"dns,omitempty"`
}

// PeerSelector selects pods by namespace name and pod labels.
type PeerSelector struct {
	Namespace string            `json:"namespace,omitempty"`
	PodLabels map[string]string `json:"podLabels,omitempty"`
}

// MetadataCIDR is the cloud metadata endpoint (node credentials on EKS, GKE, AKS). It is
// never reachable from an environment, whatever ClusterCIDRs says.
const MetadataCIDR = "169.254.169.254/32"

// DefaultClusterCIDRs are every private IPv4 range (RFC 1918) and the shared address space
// (RFC 6598) that some providers use for pods: wider than any one cluster's ranges, so the
// default is safe without knowing the cluster.
var DefaultClusterCIDRs = []string{"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"}

// DefaultSSHGateway is the chart's SSH gateway Deployment in the devenvs namespace.
var DefaultSSHGateway = PeerSelector{Namespace: "devenvs", PodLabels: map[string]string{"app.kubernetes.io/component": "sshgateway"}}

// DefaultDNS is CoreDNS (and kube-dns), which keep the label k8s-app=kube-dns.
var DefaultDNS = PeerSelector{Namespace: "kube-system", PodLabels: map[string]string{"k8s-app": "kube-dns"}}

// PoliciesEnabled reports whether team namespaces get NetworkPolicies.
func (n *Network) PoliciesEnabled() bool { return n.Policies == nil || *n.Policies }

// DeniedCIDRs are the IPv4 ranges egress to the internet excepts: the cluster's ranges and
// the metadata endpoint.
func (n *Network) DeniedCIDRs() []string {
	cidrs := n.ClusterCIDRs
	if len(cidrs) == 0 {
		cidrs = DefaultClusterCIDRs
	}
	out := slices.Clone(cidrs)
	if !slices.Contains(out, MetadataCIDR) {
		out = append(out, MetadataCIDR)
	}
	return out
}

// Gateway is the SSH gateway selector with defaults filled in.
func (n *Network) Gateway() PeerSelector { return n.SSHGateway.or(DefaultSSHGateway) }

// DNSServers is the DNS selector with defaults filled in.
func (n *Network) DNSServers() PeerSelector { return n.DNS.or(DefaultDNS) }

func (p PeerSelector) or(def PeerSelector) PeerSelector {
	out := PeerSelector{Namespace: p.Namespace, PodLabels: maps.Clone(p.PodLabels)}
	if out.Namespace == "" {
		out.Namespace = def.Namespace
	}
	if len(out.PodLabels) == 0 {
		out.PodLabels = maps.Clone(def.PodLabels)
	}
	return out
}
