package resources

import (
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/devenvs/devenvs/shared/config"
)

// Names of the team namespaces' NetworkPolicies.
const (
	IngressPolicyName = "devenvs-ingress"
	EgressPolicyName  = "devenvs-egress"
)

// NamespaceNameLabel is the label the apiserver sets on every namespace to its name, so a
// namespaceSelector can name one namespace.
const NamespaceNameLabel = "kubernetes.io/metadata.name"

// MakeNetworkPolicies builds the two NetworkPolicies of a team namespace, or nil when the
// configuration turns them off. Both select every pod of the namespace, which holds only
// environments:
//   - ingress: only the SSH gateway's pods, only on TCP 22 (the container's sshd; the Service
//     port may differ). Not even environments of the same team reach each other.
//   - egress: DNS (UDP and TCP 53) to the cluster DNS pods, and the IPv4 internet except the
//     cluster's ranges and the metadata endpoint, so packages install but nothing in the
//     cluster (other teams, the devenvs namespace with the Broker and functions, the API
//     server on a private address) and no node credentials are reachable. No IPv6 egress.
func MakeNetworkPolicies(cfg *config.Config, team *config.Team) []networkingv1.NetworkPolicy {
	n := &cfg.Network
	if !n.PoliciesEnabled() {
		return nil
	}
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	port := func(proto corev1.Protocol, p int) networkingv1.NetworkPolicyPort {
		return networkingv1.NetworkPolicyPort{Protocol: &proto, Port: new(intstr.FromInt32(int32(p)))}
	}
	meta := func(name string) metav1.ObjectMeta {
		return metav1.ObjectMeta{Name: name, Namespace: team.Namespace, Labels: teamLabels(team, nil)}
	}
	return []networkingv1.NetworkPolicy{{
		ObjectMeta: meta(IngressPolicyName),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeIngress},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				From:  []networkingv1.NetworkPolicyPeer{peer(n.Gateway())},
				Ports: []networkingv1.NetworkPolicyPort{port(tcp, 22)},
			}},
		},
	}, {
		ObjectMeta: meta(EgressPolicyName),
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{},
			PolicyTypes: []networkingv1.PolicyType{networkingv1.PolicyTypeEgress},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To:    []networkingv1.NetworkPolicyPeer{peer(n.DNSServers())},
				Ports: []networkingv1.NetworkPolicyPort{port(udp, 53), port(tcp, 53)},
			}, {
				To: []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "0.0.0.0/0", Except: n.DeniedCIDRs()}}},
			}},
		},
	}}
}

// peer selects pods by labels in the one namespace named, both in one peer (AND).
func peer(s config.PeerSelector) networkingv1.NetworkPolicyPeer {
	return networkingv1.NetworkPolicyPeer{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{NamespaceNameLabel: s.Namespace}},
		PodSelector:       &metav1.LabelSelector{MatchLabels: s.PodLabels},
	}
}
