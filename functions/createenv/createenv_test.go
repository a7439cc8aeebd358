package createenv

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/resources"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

func spec(team, name string) map[string]any {
	return map[string]any{"team": team, "name": name, "sshPublicKeys": []string{fixture.SSHKey}, "packages": []string{"git", "vim"}}
}

func TestCreateMakesEveryObject(t *testing.T) {
	fx := fixture.New(t, nil)
	srv := fx.Serve(t, New(), nil)

	s := spec("alpha", "demo")
	s["persistentHome"] = "5Gi"
	status, body := fixture.Do(t, http.MethodPost, srv.URL, "alice", s)
	if status != http.StatusCreated {
		t.Fatalf("status %d: %s", status, body)
	}
	var got env.Environment
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatal(err)
	}
	if got.Team != "alpha" || got.Name != "demo" || got.Owner != "alice" || got.Pool != "cpu-small" {
		t.Errorf("created %+v", got)
	}
	ns := fx.Namespace("alpha")
	ctx := context.Background()
	d, err := fx.Clientset.AppsV1().Deployments(ns).Get(ctx, "demo", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, get := range []func() (metav1.Object, error){
		func() (metav1.Object, error) {
			return fx.Clientset.CoreV1().Secrets(ns).Get(ctx, "demo-ssh", metav1.GetOptions{})
		},
		func() (metav1.Object, error) {
			return fx.Clientset.CoreV1().Services(ns).Get(ctx, "demo", metav1.GetOptions{})
		},
		func() (metav1.Object, error) {
			return fx.Clientset.CoreV1().PersistentVolumeClaims(ns).Get(ctx, "demo-home", metav1.GetOptions{})
		},
	} {
		obj, err := get()
		if err != nil {
			t.Fatal(err)
		}
		refs := obj.GetOwnerReferences()
		if len(refs) != 1 || refs[0].UID != d.UID || refs[0].Controller == nil || !*refs[0].Controller {
			t.Errorf("%s owner references = %+v, want the deployment %s", obj.GetName(), refs, d.UID)
		}
		if obj.GetLabels()[env.TeamLabel] != "alpha" || obj.GetLabels()[env.NameLabel] != "demo" {
			t.Errorf("%s labels = %v", obj.GetName(), obj.GetLabels())
		}
	}
}

func TestCreateRejectsBadInput(t *testing.T) {
	fx := fixture.New(t, nil)
	srv := fx.Serve(t, New(), nil)
	tests := []struct {
		name       string
		user       string
		body       any
		wantStatus int
		wantPaths  []string
	}{
		{"no token", "", spec("alpha", "a"), http.StatusUnauthorized, nil},
		{"other team", "bob", spec("alpha", "a"), http.StatusForbidden, nil},
		{"unknown team", "alice", spec("gamma", "a"), http.StatusForbidden, nil},
		{"not JSON", "alice", "{", http.StatusBadRequest, nil},
		{"unknown field", "alice", map[string]any{"team": "alpha", "name": "a", "sshPublicKeys": []string{fixture.SSHKey}, "cpus": "2"}, http.StatusBadRequest, []string{"cpus"}},
		{"bad values", "alice", func() map[string]any {
			s := spec("alpha", "Bad_Name")
			s["cpu"], s["pool"], s["packages"] = "64", "tpu", []string{"git", "x; rm -rf /"}
			return s
		}(), http.StatusUnprocessableEntity, []string{"cpu", "name", "packages[1]", "pool"}},
		{"missing key", "alice", map[string]any{"team": "alpha", "name": "a"}, http.StatusUnprocessableEntity, []string{"sshPublicKeys"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, body := fixture.Do(t, http.MethodPost, srv.URL, tc.user, tc.body)
			if status != tc.wantStatus {
				t.Fatalf("status %d, want %d: %s", status, tc.wantStatus, body)
			}
			e := fixture.ErrorBody(t, body)
			if e.Message == "" || e.RequestID == "" {
				t.Errorf("error body lacks message or request id: %s", body)
			}
			if tc.wantPaths != nil {
				if diff := cmp.Diff(tc.wantPaths, fixture.FieldPaths(e)); diff != "" {
					t.Errorf("field paths (-want +got):\n%s\nbody: %s", diff, body)
				}
			}
		})
	}
	deps, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(deps.Items) != 0 {
		t.Errorf("rejected creates left %d deployments behind", len(deps.Items))
	}
}

// largestValidSpec has every list full and every string at its longest, its environment
// values made of characters JSON escapes: the largest body a valid create can have.
func largestValidSpec() map[string]any {
	s := spec("alpha", strings.Repeat("l", env.MaxNameLength))
	var pkgs, keys []string
	vars := map[string]string{}
	for i := range env.MaxPackages {
		pkgs = append(pkgs, fmt.Sprintf("p%02d%s=%s", i, strings.Repeat("k", 97), strings.Repeat("1", 64)))
	}
	for i := range env.MaxSSHKeys {
		comment := fmt.Sprintf(" key%d-", i)
		keys = append(keys, fixture.SSHKey+comment+strings.Repeat("c", 8192-len(fixture.SSHKey)-len(comment)))
	}
	for i := range env.MaxEnvVars {
		name := fmt.Sprintf("V%02d", i)
		vars[name+strings.Repeat("_", env.MaxEnvKeyBytes-len(name))] = strings.Repeat(`"\`, env.MaxEnvValueBytes/2)
	}
	s["packages"], s["sshPublicKeys"], s["env"] = pkgs, keys, vars
	return s
}

// TestLargestValidSpecIsCreated: no valid spec is refused for its size (the body limit once
// refused the spec above with 413), and all of it reaches the cluster.
func TestLargestValidSpecIsCreated(t *testing.T) {
	fx := fixture.New(t, nil)
	srv := fx.Serve(t, New(), nil)
	s := largestValidSpec()
	body, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the largest valid spec is %d KiB of JSON", len(body)>>10)
	status, resp := fixture.Do(t, http.MethodPost, srv.URL, "alice", s)
	if status != http.StatusCreated {
		t.Fatalf("status %d: %.300s", status, resp)
	}
	secret, err := fx.Clientset.CoreV1().Secrets(fx.Namespace("alpha")).Get(context.Background(), s["name"].(string)+"-ssh", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(string(secret.Data[resources.EnvironmentKey]), "\n"); lines != env.MaxEnvVars {
		t.Errorf("the Secret's environment file has %d lines, want %d", lines, env.MaxEnvVars)
	}
}

// TestConcurrentCreatesOfOneName fires fifty creates of the same name at once: exactly one
// wins, the rest get 409, and the winner's objects are intact.
func TestConcurrentCreatesOfOneName(t *testing.T) {
	fx := fixture.New(t, nil)
	srv := fx.Serve(t, New(), nil)
	const n = 50
	codes := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body := fixture.Do(t, http.MethodPost, srv.URL, "alice", spec("alpha", "race"))
			if status == http.StatusForbidden {
				t.Logf("403: %s", body)
			}
			codes <- status
		}()
	}
	wg.Wait()
	close(codes)
	count := map[int]int{}
	for c := range codes {
		count[c]++
	}
	if diff := cmp.Diff(map[int]int{http.StatusCreated: 1, http.StatusConflict: n - 1}, count); diff != "" {
		t.Fatalf("status counts (-want +got):\n%s", diff)
	}
	ns := fx.Namespace("alpha")
	if _, err := fx.Clientset.CoreV1().Secrets(ns).Get(context.Background(), "race-ssh", metav1.GetOptions{}); err != nil {
		t.Errorf("the winner's secret is gone: %v", err)
	}
}

// TestQuotaRefusal shows the team's real ResourceQuota refusing an environment: 403 naming
// the quota and the amounts, and nothing created.
func TestQuotaRefusal(t *testing.T) {
	fx := fixture.New(t, func(c *config.Config) {
		team, _ := c.Team("alpha")
		team.Quota = mustResourceList(t, map[string]string{"requests.cpu": "2", "limits.cpu": "2"})
	})
	srv := fx.Serve(t, New(), nil)
	s := spec("alpha", "big")
	s["cpu"] = "3"
	status, body := fixture.Do(t, http.MethodPost, srv.URL, "alice", s)
	if status != http.StatusForbidden {
		t.Fatalf("status %d: %s", status, body)
	}
	msg := fixture.ErrorBody(t, body).Message
	for _, want := range []string{"exceeded quota: devenvs", "requested: ", "limited: "} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	deps, _ := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).List(context.Background(), metav1.ListOptions{})
	if len(deps.Items) != 0 {
		t.Errorf("a refused create left %d deployments", len(deps.Items))
	}
}

// TestEnvironmentLimit shows a team at its maxEnvironments refused with a 403 that says so,
// before the quota is asked, and the refused create leaving nothing behind; the limit counts
// the team's environments, not the user's.
func TestEnvironmentLimit(t *testing.T) {
	fx := fixture.New(t, func(c *config.Config) {
		team, _ := c.Team("alpha")
		team.MaxEnvironments = 2
		// Tight enough that the third environment would also fail the quota: the limit
		// must be the reason reported.
		team.Quota = mustResourceList(t, map[string]string{"requests.cpu": "2", "limits.cpu": "2"})
	})
	srv := fx.Serve(t, New(), nil)
	for i, user := range []string{"alice", "carol"} {
		s := spec("alpha", "limit-"+string(rune('a'+i)))
		if status, body := fixture.Do(t, http.MethodPost, srv.URL, user, s); status != http.StatusCreated {
			t.Fatalf("create %d: status %d: %s", i, status, body)
		}
	}
	wantLimitRefusal(t, srv.URL, "limit-c")
	ns := fx.Namespace("alpha")
	deps, err := fx.Clientset.AppsV1().Deployments(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil || len(deps.Items) != 2 {
		t.Errorf("after the refusal: %d deployments (%v), want the first 2", len(deps.Items), err)
	}
	if _, err := fx.Clientset.CoreV1().Secrets(ns).Get(context.Background(), "limit-c-ssh", metav1.GetOptions{}); err == nil {
		t.Error("the refused create left its Secret")
	}
	// Its Deployment was created alongside the count and deleted at once; a ReplicaSet the
	// deployment controller may have begun for it goes with the garbage collector.
	sel := labels.SelectorFromSet(env.SelectorLabels("alpha", "limit-c")).String()
	err = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		rs, err := fx.Clientset.AppsV1().ReplicaSets(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
		if err != nil {
			return false, err
		}
		pods, err := fx.Clientset.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: sel})
		return err == nil && len(rs.Items) == 0 && len(pods.Items) == 0, err
	})
	if err != nil {
		t.Errorf("the refused create's ReplicaSet or pod outlived it: %v", err)
	}
}

func mustResourceList(t *testing.T, m map[string]string) corev1.ResourceList {
	t.Helper()
	out := corev1.ResourceList{}
	for k, v := range m {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			t.Fatal(err)
		}
		out[corev1.ResourceName(k)] = q
	}
	return out
}

// TestEnvironmentLimitSkipsDeleted shows environments being deleted not counting toward the
// limit, also when there are more of them than the count reads in one page: four deleted
// environments are held by a finalizer (the garbage collector can hold a deleted
// environment's Deployment like that for a while), and a team with a limit of 2 can still
// create two environments, and not a third.
func TestEnvironmentLimitSkipsDeleted(t *testing.T) {
	fx := fixture.New(t, fixture.CountLimit("alpha", 2))
	srv := fx.Serve(t, New(), nil)
	ns, ctx := fx.Namespace("alpha"), context.Background()
	deployments := fx.Clientset.AppsV1().Deployments(ns)
	const hold = `{"metadata":{"finalizers":["devenvs.dev/test-hold"]}}`
	for i := 1; i <= 4; i++ {
		name := fmt.Sprintf("deleted-%d", i)
		if status, body := fixture.Do(t, http.MethodPost, srv.URL, "alice", spec("alpha", name)); status != http.StatusCreated {
			t.Fatalf("create %s: status %d: %s", name, status, body)
		}
		if _, err := deployments.Patch(ctx, name, types.MergePatchType, []byte(hold), metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			_, _ = deployments.Patch(ctx, name, types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
		})
		if err := fx.Kube.Delete(ctx, ns, name); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"live-1", "live-2"} {
		if status, body := fixture.Do(t, http.MethodPost, srv.URL, "alice", spec("alpha", name)); status != http.StatusCreated {
			t.Fatalf("create %s beside 4 deleted environments: status %d: %s", name, status, body)
		}
	}
	wantLimitRefusal(t, srv.URL, "live-3")
}

// wantLimitRefusal creates name in team alpha, whose limit is 2, and expects the 403 that
// says the team is full.
func wantLimitRefusal(t *testing.T, url, name string) {
	t.Helper()
	status, body := fixture.Do(t, http.MethodPost, url, "alice", spec("alpha", name))
	if status != http.StatusForbidden {
		t.Fatalf("create %s at the limit: status %d, want 403: %s", name, status, body)
	}
	if msg, want := fixture.ErrorBody(t, body).Message, "team alpha is at its limit of 2 environments: delete one first"; msg != want {
		t.Errorf("message %q, want %q", msg, want)
	}
}
