// Package netpol proves what the team NetworkPolicies mean: resources.MakeNetworkPolicies for
// the default configuration, evaluated by a NetworkPolicy engine (cyclonus' matcher) against
// a truth table of who may reach whom.
package netpol

import (
	"fmt"
	"testing"

	"github.com/mattfenwick/cyclonus/pkg/matcher"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/resources"
)

// pod is an endpoint of the table: a pod (namespace set) or an address outside the cluster.
type pod struct {
	ns     string
	labels map[string]string
	ip     string
}

func (p pod) peer() *matcher.TrafficPeer {
	if p.ns == "" {
		return &matcher.TrafficPeer{IP: p.ip}
	}
	return &matcher.TrafficPeer{IP: p.ip, Internal: &matcher.InternalPeer{
		Namespace:       p.ns,
		NamespaceLabels: map[string]string{resources.NamespaceNameLabel: p.ns},
		PodLabels:       p.labels,
	}}
}

func env(team, name, ip string) pod {
	return pod{ns: "devenvs-" + team, ip: ip, labels: map[string]string{
		"devenvs.dev/team": team, "devenvs.dev/env": name, "app.kubernetes.io/managed-by": "devenvs"}}
}

var (
	alpha1 = env("alpha", "a1", "10.244.1.10")
	alpha2 = env("alpha", "a2", "10.244.1.11")
	beta1  = env("beta", "b1", "10.244.2.10")
	// The SSH gateway, and pods that look like it but are not it.
	gateway      = pod{ns: "devenvs", ip: "10.244.0.5", labels: map[string]string{"app.kubernetes.io/component": "sshgateway"}}
	fakeGateway  = pod{ns: "devenvs-beta", ip: "10.244.2.99", labels: map[string]string{"app.kubernetes.io/component": "sshgateway"}}
	otherDevenvs = pod{ns: "devenvs", ip: "10.244.0.6", labels: map[string]string{"app.kubernetes.io/component": "redis"}}
	broker       = pod{ns: "knative-eventing", ip: "10.244.0.7", labels: map[string]string{"app.kubernetes.io/component": "broker-ingress"}}
	kubeDNS      = pod{ns: "kube-system", ip: "10.244.0.2", labels: map[string]string{"k8s-app": "kube-dns"}}
	otherSystem  = pod{ns: "kube-system", ip: "10.244.0.3", labels: map[string]string{"component": "metrics-server"}}
	// Outside any pod.
	metadata   = pod{ip: "169.254.169.254"}
	internet   = pod{ip: "151.101.2.132"}
	apiserver  = pod{ip: "10.96.0.1"}
	nodeIP     = pod{ip: "192.168.1.20"}
	carrierNAT = pod{ip: "100.64.3.4"}
	linkLocal  = pod{ip: "169.254.1.1"}
)

// TestTruthTable: every row is one connection and whether the team policies allow it. Each
// denied row is also evaluated without any policy, where it must be allowed, so every "no"
// in the table is the policies' doing (and the table fails on a cluster without them).
func TestTruthTable(t *testing.T) {
	tcp, udp := corev1.ProtocolTCP, corev1.ProtocolUDP
	tests := []struct {
		name     string
		src, dst pod
		proto    corev1.Protocol
		port     int
		allowed  bool
	}{
		{"gateway -> env SSH", gateway, alpha1, tcp, 22, true},
		{"gateway -> other team's env SSH", gateway, beta1, tcp, 22, true},
		{"gateway -> env other port", gateway, alpha1, tcp, 8080, false},
		{"gateway -> env UDP 22", gateway, alpha1, udp, 22, false},
		{"env A -> env B SSH", alpha1, beta1, tcp, 22, false},
		{"env A -> env B other port", alpha1, beta1, tcp, 8080, false},
		{"env B -> env A SSH", beta1, alpha1, tcp, 22, false},
		{"env -> same team's env SSH", alpha1, alpha2, tcp, 22, false},
		{"env -> same team's env other port", alpha1, alpha2, tcp, 3000, false},
		{"gateway-labelled pod in a team namespace -> env SSH", fakeGateway, alpha1, tcp, 22, false},
		{"other devenvs pod -> env SSH", otherDevenvs, alpha1, tcp, 22, false},
		{"Broker -> env", broker, alpha1, tcp, 8080, false},
		{"kube-system pod -> env SSH", otherSystem, alpha1, tcp, 22, false},
		{"internet -> env SSH (only through the gateway)", internet, alpha1, tcp, 22, false},
		{"env -> metadata endpoint", alpha1, metadata, tcp, 80, false},
		{"env -> internet HTTPS", alpha1, internet, tcp, 443, true},
		{"env -> internet HTTP", beta1, internet, tcp, 80, true},
		{"env -> internet UDP (NTP)", alpha1, internet, udp, 123, true},
		{"env -> other link-local address", alpha1, linkLocal, tcp, 80, true},
		{"env -> devenvs pod (Redis)", alpha1, otherDevenvs, tcp, 6379, false},
		{"env -> SSH gateway", alpha1, gateway, tcp, 22, false},
		{"env -> Broker", alpha1, broker, tcp, 80, false},
		{"env -> API server service address", alpha1, apiserver, tcp, 443, false},
		{"env -> node address", alpha1, nodeIP, tcp, 10250, false},
		{"env -> shared address space", alpha1, carrierNAT, tcp, 443, false},
		{"env -> kube-dns UDP 53", alpha1, kubeDNS, udp, 53, true},
		{"env -> kube-dns TCP 53", beta1, kubeDNS, tcp, 53, true},
		{"env -> kube-dns other port", alpha1, kubeDNS, tcp, 9153, false},
		{"env -> other kube-system pod port 53", alpha1, otherSystem, udp, 53, false},
		{"SSH gateway -> internet (not a team namespace: untouched)", gateway, internet, tcp, 443, true},
	}
	cfg := config.Default()
	var policies []*networkingv1.NetworkPolicy
	for i := range cfg.Teams {
		for _, np := range resources.MakeNetworkPolicies(cfg, &cfg.Teams[i]) {
			policies = append(policies, &np)
		}
	}
	if len(policies) != 2*len(cfg.Teams) {
		t.Fatalf("%d policies for %d teams, want 2 each", len(policies), len(cfg.Teams))
	}
	engine := matcher.BuildNetworkPolicies(true, policies)
	none := matcher.BuildNetworkPolicies(true, nil)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			traffic := &matcher.Traffic{Source: tc.src.peer(), Destination: tc.dst.peer(),
				ResolvedPort: tc.port, ResolvedPortName: fmt.Sprint(tc.port), Protocol: tc.proto}
			if r := engine.IsTrafficAllowed(traffic); r.IsAllowed() != tc.allowed {
				t.Errorf("allowed = %t, want %t\n%s", r.IsAllowed(), tc.allowed, r.Table())
			}
			if !tc.allowed && !none.IsTrafficAllowed(traffic).IsAllowed() {
				t.Errorf("denied even without policies: the row proves nothing about them")
			}
		})
	}
}
