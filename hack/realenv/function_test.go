package realenv

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"

	"github.com/devenvs/devenvs/shared/testbed"
)

// TestFunctionAsRealPod builds the web function's image as `make images` does, imports it
// into the real node's containerd and runs it with the chart's own container settings
// (config/50-functions.yaml): it serves, as the non-root user, on a read-only root.
func TestFunctionAsRealPod(t *testing.T) {
	testbed.RealNode(t)
	cs := testbed.Clientset(t)
	ctx := t.Context()
	image := importFunctionImage(t, "web")

	podSpec := chartPodSpec(t, "web")
	c := &podSpec.Containers[0]
	c.Image, c.ImagePullPolicy = image, corev1.PullNever
	// The chart's variables, less what comes from its ConfigMap and Secret volumes.
	var vars []corev1.EnvVar
	for _, v := range c.Env {
		switch v.Name {
		case "DEVENVS_CONFIG":
		case "DEVENVS_FUNCTION_URLS":
			vars = append(vars, corev1.EnvVar{Name: v.Name, Value: "createenv=http://a,listenvs=http://a,deleteenv=http://a,updateenv=http://a"})
		default:
			vars = append(vars, v)
		}
	}
	c.Env = vars
	podSpec.Volumes, c.VolumeMounts = nil, nil
	// Knative fills in the probes' port (the container's); a plain pod must say it.
	for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
		if p != nil && p.HTTPGet != nil {
			p.HTTPGet.Port = intstr.FromInt32(8080)
		}
	}
	podSpec.ServiceAccountName, podSpec.AutomountServiceAccountToken = "", new(false)
	podSpec.NodeSelector = map[string]string{"pool": "real"}
	podSpec.Tolerations = []corev1.Toleration{{Key: "pool", Operator: corev1.TolerationOpEqual, Value: "real", Effect: corev1.TaintEffectNoSchedule}}
	ns := testbed.Namespace(t, cs, "fnpod")
	pod, err := cs.CoreV1().Pods(ns).Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"}, Spec: *podSpec}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(300 * time.Millisecond) {
		if pod, err = cs.CoreV1().Pods(ns).Get(ctx, "web", metav1.GetOptions{}); err != nil {
			t.Fatal(err)
		}
		if pod.Status.PodIP != "" && len(pod.Status.ContainerStatuses) == 1 && pod.Status.ContainerStatuses[0].Ready {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("web pod not ready in a minute: %+v", pod.Status)
		}
	}

	resp, err := http.Get("http://" + pod.Status.PodIP + ":8080/config.json")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET /config.json from the real pod: %d", resp.StatusCode)
	}

	// What the kernel says about the running process: its user, and a read-only root.
	pid := containerPID(t, strings.TrimPrefix(pod.Status.ContainerStatuses[0].ContainerID, "containerd://"))
	status, err := os.ReadFile(fmt.Sprintf("/proc/%s/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(status), "\nUid:\t65532\t65532\t65532\t65532\n") {
		t.Errorf("the function does not run as uid 65532:\n%s", status)
	}
	mounts, err := os.ReadFile(fmt.Sprintf("/proc/%s/mounts", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 3 && f[1] == "/" && !strings.HasPrefix(f[3], "ro") {
			t.Errorf("the root filesystem is writable: %s", line)
		}
	}
}

// chartPodSpec is the pod template of one Knative Service in config/50-functions.yaml.
func chartPodSpec(t *testing.T, name string) *corev1.PodSpec {
	t.Helper()
	raw, err := os.ReadFile("../../config/50-functions.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(raw), "\n---") {
		var svc struct {
			Metadata metav1.ObjectMeta
			Spec     struct {
				Template struct{ Spec corev1.PodSpec }
			}
		}
		if err := yaml.Unmarshal([]byte(doc), &svc); err != nil {
			t.Fatal(err)
		}
		if svc.Metadata.Name == name {
			return &svc.Spec.Template.Spec
		}
	}
	t.Fatalf("no Knative Service %s in config/50-functions.yaml", name)
	return nil
}

// importFunctionImage builds cmd/<name> as an OCI layout for the machine's platform and
// imports it into the real node's containerd, returning its reference.
func importFunctionImage(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	// hack/images builds from the module root.
	cmd := exec.Command("go", "run", "./hack/images", "-out", dir, "-platforms", "linux/amd64", name)
	cmd.Dir = "../.."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build the %s image: %v\n%s", name, err, out)
	}
	ref := "devenvs/" + name + ":test"
	archive := filepath.Join(dir, name+".tar")
	run(t, "go", "run", "../realnode/mkimage", "-layout", filepath.Join(dir, name), "-tag", ref, "-out", archive)
	run(t, "ctr", "--address", realNodeSocket(), "-n", "k8s.io", "images", "import", archive)
	return ref
}

func realNodeSocket() string { return filepath.Join(testbed.StateDir(), "realnode", "containerd.sock") }

// containerPID asks the real node's containerd for a container's main process.
func containerPID(t *testing.T, id string) string {
	t.Helper()
	out := run(t, "ctr", "--address", realNodeSocket(), "-n", "k8s.io", "tasks", "ls")
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == id {
			return f[1]
		}
	}
	t.Fatalf("container %s has no task:\n%s", id, out)
	return ""
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out.String())
	}
	return out.String()
}
