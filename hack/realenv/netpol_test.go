package realenv

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/resources"
	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// Addresses outside the pod network that a pod of the test answers on, routed there by the
// node for the test's duration: the cloud metadata endpoint, and an address outside every
// cluster range (TEST-NET-2) that stands for the internet on the same listener.
const (
	metadataIP = "169.254.169.254"
	publicIP   = "198.51.100.7"
)

// netpolEndpoint is one pod of the test on the real node.
type netpolEndpoint struct {
	name, ns string
	labels   map[string]string
	// ports it answers HTTP on (busybox httpd: the body is "ok"), and extra addresses it holds.
	ports []int
	addrs []string
	ip    string
}

// TestNetworkPoliciesEnforced replays the rows of hack/netpol's truth table with real
// connections between real pods on the real node, under the team NetworkPolicies exactly as
// apply-teams makes them (the fixture applies them with kube.ApplyTeams), enforced by the
// node's kube-network-policies. Every denied row is then checked again with the policies
// deleted, where it must succeed: each "denied" is the policies' doing, not a missing
// listener or route. The gateway and DNS selectors point at namespaces of the test (the
// chart sets the gateway's to its release namespace the same way).
func TestNetworkPoliciesEnforced(t *testing.T) {
	testbed.RealNode(t)
	cs := testbed.Clientset(t)
	gatewayLabels := map[string]string{"app.kubernetes.io/component": "sshgateway"}
	dnsLabels := map[string]string{"k8s-app": "kube-dns"}
	gwNS := testbed.Namespace(t, cs, "netpol-gw")
	dnsNS := testbed.Namespace(t, cs, "netpol-dns")
	outNS := testbed.Namespace(t, cs, "netpol-out")
	fx := fixture.New(t, func(c *config.Config) {
		c.Network.SSHGateway = config.PeerSelector{Namespace: gwNS, PodLabels: gatewayLabels}
		c.Network.DNS = config.PeerSelector{Namespace: dnsNS, PodLabels: dnsLabels}
	})
	alpha, beta := fx.Namespace("alpha"), fx.Namespace("beta")

	envA := &netpolEndpoint{name: "env-a", ns: alpha, ports: []int{22, 8080}}
	envA2 := &netpolEndpoint{name: "env-a2", ns: alpha, ports: []int{22}}
	envB := &netpolEndpoint{name: "env-b", ns: beta, ports: []int{22, 8080}}
	gateway := &netpolEndpoint{name: "gateway", ns: gwNS, labels: gatewayLabels}
	dns := &netpolEndpoint{name: "dns", ns: dnsNS, labels: dnsLabels, ports: []int{53, 8080}}
	// outside: a pod of no team, labelled like the gateway in the wrong namespace, that also
	// answers on the metadata and "internet" addresses.
	outside := &netpolEndpoint{name: "outside", ns: outNS, labels: gatewayLabels, ports: []int{80},
		addrs: []string{metadataIP, publicIP}}
	all := []*netpolEndpoint{envA, envA2, envB, gateway, dns, outside}
	for _, e := range all {
		startEndpoint(t, e)
	}
	for _, e := range all {
		e.ip = waitEndpoint(t, e)
	}
	for _, addr := range outside.addrs {
		route(t, addr, outside.ip)
	}

	mirrorHost, mirrorIP := mirror(t)
	type at struct {
		ip   string
		port int
	}
	type row struct {
		name    string
		src     *netpolEndpoint
		dst     at
		allowed bool
	}
	rows := []row{
		{"gateway -> env SSH", gateway, at{envA.ip, 22}, true},
		{"gateway -> other team's env SSH", gateway, at{envB.ip, 22}, true},
		{"gateway -> env other port", gateway, at{envA.ip, 8080}, false},
		{"env A -> env B SSH", envA, at{envB.ip, 22}, false},
		{"env A -> env B other port", envA, at{envB.ip, 8080}, false},
		{"env B -> env A SSH", envB, at{envA.ip, 22}, false},
		{"env -> same team's env SSH", envA, at{envA2.ip, 22}, false},
		{"look-alike gateway in another namespace -> env SSH", outside, at{envB.ip, 22}, false},
		{"env -> cluster DNS pod TCP 53", envA, at{dns.ip, 53}, true},
		{"env -> cluster DNS pod other port", envA, at{dns.ip, 8080}, false},
		{"env -> pod of no team (cluster range)", envA, at{outside.ip, 80}, false},
		{"env -> the same listener on an internet address", envA, at{publicIP, 80}, true},
		{"env -> metadata endpoint", envA, at{metadataIP, 80}, false},
		{"env -> package mirror (internet)", envA, at{mirrorIP, 80}, true},
	}
	check := func(t *testing.T, r row, want bool) {
		t.Helper()
		got, out := eventually(func() (bool, string) { return connect(t, r.src, r.dst.ip, r.dst.port) }, want)
		if got != want {
			t.Errorf("%s (%s/%s -> %s:%d): allowed=%v, want %v (last try: %s); is kube-network-policies running on the real node? (hack/realnode.sh check)",
				r.name, r.src.ns, r.src.name, r.dst.ip, r.dst.port, got, want, out)
		}
	}
	for _, r := range rows {
		check(t, r, r.allowed)
	}
	// DNS through the node's resolver, as environments resolve the package mirror.
	if ok, out := eventually(func() (bool, string) {
		out, err := kubectlExec(t, envA, "/bin/busybox", "nslookup", "-type=a", mirrorHost)
		return err == nil && strings.Contains(out, "Address: "+mirrorIP), out
	}, true); !ok {
		t.Errorf("env -> DNS: resolving %s failed: %s", mirrorHost, out)
	}

	// Without the policies, every denied row connects: the denials above were theirs.
	for _, ns := range []string{alpha, beta} {
		for _, name := range []string{resources.IngressPolicyName, resources.EgressPolicyName} {
			if err := cs.NetworkingV1().NetworkPolicies(ns).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
				t.Fatalf("delete NetworkPolicy %s/%s: %v", ns, name, err)
			}
		}
	}
	for _, r := range rows {
		if !r.allowed {
			check(t, r, true)
		}
	}
}

// startEndpoint creates a busybox pod on the real node that serves "ok" over HTTP on its
// ports and holds its extra addresses.
func startEndpoint(t *testing.T, e *netpolEndpoint) {
	t.Helper()
	script := "mkdir -p /w && echo ok >/w/index.html"
	for _, a := range e.addrs {
		script += " && /bin/busybox ip addr add " + a + "/32 dev eth0"
	}
	for _, p := range e.ports {
		script += fmt.Sprintf(" && /bin/busybox httpd -p %d -h /w", p)
	}
	script += " && exec /bin/busybox sleep 100000"
	sc := &corev1.SecurityContext{}
	if len(e.addrs) > 0 {
		sc.Capabilities = &corev1.Capabilities{Add: []corev1.Capability{"NET_ADMIN"}}
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: e.name, Namespace: e.ns, Labels: e.labels},
		Spec: corev1.PodSpec{
			NodeSelector:                  map[string]string{"pool": "real"},
			Tolerations:                   []corev1.Toleration{{Key: "pool", Operator: corev1.TolerationOpEqual, Value: "real", Effect: corev1.TaintEffectNoSchedule}},
			AutomountServiceAccountToken:  new(false),
			TerminationGracePeriodSeconds: new(int64(0)),
			Containers: []corev1.Container{{
				Name: "main", Image: "devenvs/busybox:1", ImagePullPolicy: corev1.PullIfNotPresent,
				Command: []string{"/bin/sh", "-c", script}, SecurityContext: sc,
				// The team namespaces' quota wants both, on every container.
				Resources: corev1.ResourceRequirements{
					Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("10m"), corev1.ResourceMemory: resource.MustParse("16Mi")},
					Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("32Mi")},
				},
			}},
		},
	}
	if _, err := testbed.Clientset(t).CoreV1().Pods(e.ns).Create(context.Background(), pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create pod %s/%s: %v", e.ns, e.name, err)
	}
}

// waitEndpoint waits until the pod runs and returns its address.
func waitEndpoint(t *testing.T, e *netpolEndpoint) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		p, err := testbed.Clientset(t).CoreV1().Pods(e.ns).Get(context.Background(), e.name, getOpts)
		if err == nil && p.Status.Phase == corev1.PodRunning && p.Status.PodIP != "" {
			return p.Status.PodIP
		}
		if time.Now().After(deadline) {
			t.Fatalf("pod %s/%s not running after a minute: %v %+v", e.ns, e.name, err, p.Status)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// route sends the node's traffic for addr to the pod at via, until the test ends.
func route(t *testing.T, addr, via string) {
	t.Helper()
	if out, err := exec.Command("ip", "route", "replace", addr+"/32", "via", via, "dev", "devenvs0").CombinedOutput(); err != nil {
		t.Fatalf("route %s via %s: %v: %s", addr, via, err, out)
	}
	t.Cleanup(func() { _ = exec.Command("ip", "route", "del", addr+"/32").Run() })
}

// connect sends an HTTP request with busybox nc from src's pod to ip:port and reports whether
// an HTTP answer came back (a denied connection times out: the agent drops its first packet;
// a missing listener would be refused at once). busybox's own wget crashes in Debian's static
// build, nc does not.
func connect(t *testing.T, src *netpolEndpoint, ip string, port int) (bool, string) {
	out, err := kubectlExec(t, src, "/bin/sh", "-c",
		fmt.Sprintf(`printf 'GET / HTTP/1.0\r\n\r\n' | /bin/busybox nc -w 3 %s %d`, ip, port))
	return err == nil && strings.HasPrefix(out, "HTTP/"), firstLine(out)
}

// eventually retries probe for up to 60 s until it returns want: the agent learns a new
// pod's address and a changed policy from the apiserver's watch, a moment after the fact.
func eventually(probe func() (bool, string), want bool) (bool, string) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		got, out := probe()
		if got == want || time.Now().After(deadline) {
			return got, out
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// kubectlExec runs a command in the endpoint's pod with the pinned kubectl.
func kubectlExec(t *testing.T, e *netpolEndpoint, command ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	args := append([]string{"--kubeconfig", testbed.KubeconfigPath(), "-n", e.ns, "exec", e.name, "--"}, command...)
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, kubectl(t), args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// kubectl is the kubectl hack/build-tools.sh built with the control plane.
func kubectl(t *testing.T) string {
	t.Helper()
	found, _ := filepath.Glob(filepath.Join(testbed.CacheDir(), "kubernetes-*", "kubectl"))
	if len(found) == 0 {
		t.Fatalf("no kubectl under %s: run hack/build-tools.sh", testbed.CacheDir())
	}
	slices.Sort(found)
	return found[len(found)-1]
}

// mirror is the host name and address of the Debian mirror apt uses: the one address beyond
// the node that the node's own firewall lets pods reach (on 80 and 443), and the one name its
// DNS answers.
func mirror(t *testing.T) (host, ip string) {
	t.Helper()
	out, err := exec.Command("sh", "-c", `sed -n 's/^URIs: *http:\/\/\([^/ ]*\).*debian\/*$/\1/p' /etc/apt/sources.list.d/debian.sources | head -1`).Output()
	host = strings.TrimSpace(string(out))
	if err != nil || host == "" {
		t.Fatalf("no Debian mirror in /etc/apt/sources.list.d/debian.sources: %v", err)
	}
	addrs, err := net.LookupIP(host)
	for _, a := range addrs {
		if a.To4() != nil {
			return host, a.String()
		}
	}
	t.Fatalf("no IPv4 address for the mirror %s: %v", host, err)
	return "", ""
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
