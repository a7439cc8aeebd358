// Package testbed connects integration tests to the real local cluster and Redis that
// `make cluster` and `make redis` start. When either is missing a test fails under CI
// (CI set) and skips elsewhere, each time naming the make target that provides it.
package testbed

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// unavailable fails under CI and skips elsewhere: a missing real dependency must never
// count as a pass in CI, while a developer without the cluster can still run unit tests.
func unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s (CI is set, so this is a failure, not a skip)", msg)
	}
	t.Skip(msg)
}

// StateDir is where hack/ scripts keep the kubeconfig and pid files; it mirrors hack/lib.sh.
func StateDir() string {
	if d := os.Getenv("DEVENVS_STATE"); d != "" {
		return d
	}
	return filepath.Join(CacheDir(), "state")
}

// CacheDir is where hack/build-tools.sh keeps the pinned binaries; it mirrors hack/lib.sh.
func CacheDir() string {
	root := os.Getenv("DEVENVS_CACHE")
	if root == "" {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache")
		}
		root = filepath.Join(cache, "devenvs")
	}
	return root
}

// KubeconfigPath returns DEVENVS_KUBECONFIG or the kubeconfig `make cluster` writes.
func KubeconfigPath() string {
	if p := os.Getenv("DEVENVS_KUBECONFIG"); p != "" {
		return p
	}
	return filepath.Join(StateDir(), "kubeconfig")
}

// RestConfig returns a client config for the local cluster after checking it answers /readyz.
func RestConfig(t testing.TB) *rest.Config {
	t.Helper()
	path := KubeconfigPath()
	if _, err := os.Stat(path); err != nil {
		unavailable(t, "no local cluster kubeconfig at %s: run `make cluster`", path)
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatalf("load kubeconfig %s: %v", path, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("client for %s: %v", path, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
		unavailable(t, "local cluster in %s is not ready (%v): run `make cluster`", path, err)
	}
	return cfg
}

// Clientset returns a typed client for the local cluster.
func Clientset(t testing.TB) kubernetes.Interface {
	t.Helper()
	return kubernetes.NewForConfigOrDie(RestConfig(t))
}

// Namespace creates a fresh namespace named prefix-<random> and deletes it when the test ends.
func Namespace(t testing.TB, cs kubernetes.Interface, prefix string) string {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := prefix + "-" + hex.EncodeToString(b)
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"devenvs.dev/test": "true"}}}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	// Pods run as the namespace's default ServiceAccount, which a controller makes; pod
	// admission waits only a second or two for it, a loaded machine may take longer.
	var lookup error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		_, lookup = cs.CoreV1().ServiceAccounts(name).Get(ctx, "default", metav1.GetOptions{})
		return lookup == nil, nil
	})
	if err != nil {
		t.Fatalf("namespace %s has no default ServiceAccount after a minute: %v", name, lookup)
	}
	return name
}

// RedisURLOrEmpty returns the Redis URL tests use, without checking it.
func RedisURLOrEmpty() string {
	if raw := os.Getenv("DEVENVS_REDIS_URL"); raw != "" {
		return raw
	}
	port := os.Getenv("REDIS_PORT")
	if port == "" {
		port = "6390"
	}
	return "redis://127.0.0.1:" + port + "/0"
}

// RedisURL returns DEVENVS_REDIS_URL or the URL of the server `make redis` starts, after
// checking that something listens there.
func RedisURL(t testing.TB) string {
	t.Helper()
	raw := RedisURLOrEmpty()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatalf("DEVENVS_REDIS_URL %q: %v", raw, err)
	}
	conn, err := net.DialTimeout("tcp", u.Host, time.Second)
	if err != nil {
		unavailable(t, "no Redis at %s (%v): run `make redis`", u.Host, err)
	}
	_ = conn.Close()
	return raw
}

// RealNodeName is the node hack/realnode.sh joins to the local cluster: real containerd,
// runc and kubelet, in pool "real".
const RealNodeName = "devenvs-real"

// RealNode checks that the local cluster's real node is Ready, for tests of what happens
// inside an environment (SSH, packages, homes, in-place resize).
func RealNode(t testing.TB) {
	t.Helper()
	cs := Clientset(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	node, err := cs.CoreV1().Nodes().Get(ctx, RealNodeName, metav1.GetOptions{})
	if err != nil {
		unavailable(t, "no real node %s in the local cluster (%v): run `make cluster` (`hack/realnode.sh check` says why a machine cannot run one)", RealNodeName, err)
	}
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			return
		}
	}
	unavailable(t, "real node %s is not Ready: run `make cluster`", RealNodeName)
}

// ClusterPKIDir is where kwokctl keeps the local cluster's CA and admin certificate.
func ClusterPKIDir() string {
	root := os.Getenv("KWOK_WORKDIR")
	if root == "" {
		home, _ := os.UserHomeDir()
		root = filepath.Join(home, ".kwok")
	}
	name := os.Getenv("CLUSTER_NAME")
	if name == "" {
		name = "devenvs"
	}
	return filepath.Join(root, "clusters", name, "pki")
}
