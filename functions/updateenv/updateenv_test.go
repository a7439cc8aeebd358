package updateenv

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/env"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

func TestUpdateActions(t *testing.T) {
	fx := fixture.New(t, nil)
	create := fx.Serve(t, createenv.New(), nil)
	upd := fx.Serve(t, New(), nil)
	spec := map[string]any{"team": "alpha", "name": "work", "persistentHome": "2Gi", "sshPublicKeys": []string{fixture.SSHKey}}
	if status, body := fixture.Do(t, http.MethodPost, create.URL, "alice", spec); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	url := upd.URL + "/alpha/work"
	get := func() *struct {
		replicas int32
		cpu      string
		expires  string
	} {
		d, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).Get(context.Background(), "work", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		req := d.Spec.Template.Spec.Containers[0].Resources.Requests
		return &struct {
			replicas int32
			cpu      string
			expires  string
		}{*d.Spec.Replicas, req.Cpu().String(), d.Annotations[env.ExpiresAtAnnotation]}
	}

	steps := []struct {
		name       string
		body       any
		wantStatus int
		check      func(t *testing.T, e env.Environment)
	}{
		{"stop", map[string]any{"action": "stop"}, http.StatusOK, func(t *testing.T, e env.Environment) {
			if got := get().replicas; got != 0 || e.Phase != env.PhaseStopped {
				t.Errorf("after stop: replicas %d, phase %s", got, e.Phase)
			}
		}},
		{"stop again is harmless", map[string]any{"action": "stop"}, http.StatusOK, nil},
		{"start", map[string]any{"action": "start"}, http.StatusOK, func(t *testing.T, e env.Environment) {
			if got := get().replicas; got != 1 {
				t.Errorf("after start: replicas %d", got)
			}
		}},
		{"extend", map[string]any{"action": "extend", "lifetime": "20h"}, http.StatusOK, func(t *testing.T, e env.Environment) {
			exp, err := time.Parse(time.RFC3339, get().expires)
			if err != nil || time.Until(exp) < 19*time.Hour {
				t.Errorf("after extend: expires-at %s (%v)", get().expires, err)
			}
		}},
		{"extend past the team maximum", map[string]any{"action": "extend", "lifetime": "1000h"}, http.StatusUnprocessableEntity, nil},
		{"resize", map[string]any{"action": "resize", "cpu": "2"}, http.StatusOK, func(t *testing.T, e env.Environment) {
			if got := get().cpu; got != "2" || e.Requested.CPUMilli != 2000 {
				t.Errorf("after resize: cpu %s, view %+v", got, e.Requested)
			}
		}},
		{"resize beyond the team limit", map[string]any{"action": "resize", "cpu": "100"}, http.StatusUnprocessableEntity, nil},
		{"unknown action", map[string]any{"action": "explode"}, http.StatusUnprocessableEntity, nil},
		{"stray field", map[string]any{"action": "stop", "cpu": "1"}, http.StatusUnprocessableEntity, nil},
	}
	for _, s := range steps {
		status, body := fixture.Do(t, http.MethodPatch, url, "alice", s.body)
		if status != s.wantStatus {
			t.Fatalf("%s: status %d, want %d: %s", s.name, status, s.wantStatus, body)
		}
		if s.check != nil {
			var e env.Environment
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatal(err)
			}
			t.Run(s.name, func(t *testing.T) { s.check(t, e) })
		}
	}
}

// TestUpdateAuthorization is the team matrix for PATCH: members may act, others get 403
// before anything is read, and a missing environment is a 404 only for members.
func TestUpdateAuthorization(t *testing.T) {
	fx := fixture.New(t, nil)
	upd := fx.Serve(t, New(), nil)
	got := map[string]int{}
	for _, user := range []string{"", "alice", "bob", "carol"} {
		for _, team := range []string{"alpha", "beta"} {
			status, _ := fixture.Do(t, http.MethodPatch, upd.URL+"/"+team+"/absent", user, map[string]any{"action": "stop"})
			got[user+"@"+team] = status
		}
	}
	want := map[string]int{
		"@alpha": 401, "@beta": 401,
		"alice@alpha": 404, "alice@beta": 403,
		"bob@alpha": 403, "bob@beta": 404,
		"carol@alpha": 404, "carol@beta": 404,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("status by user@team (-want +got):\n%s", diff)
	}
}

// TestStopSaysWhatHappensToTheHome: the log entry of a stop says whether the home was kept,
// and never claims a scratch home was.
func TestStopSaysWhatHappensToTheHome(t *testing.T) {
	fx := fixture.New(t, nil)
	create := fx.Serve(t, createenv.New(), nil)
	upd := fx.Serve(t, New(), nil)
	for name, home := range map[string]string{"kept": "persistent", "gone": "scratch"} {
		spec := map[string]any{"team": "alpha", "name": name, "home": home, "sshPublicKeys": []string{fixture.SSHKey}}
		if status, body := fixture.Do(t, http.MethodPost, create.URL, "alice", spec); status != http.StatusCreated {
			t.Fatalf("create %s: %d %s", name, status, body)
		}
		if status, body := fixture.Do(t, http.MethodPatch, upd.URL+"/alpha/"+name, "alice", map[string]any{"action": "stop"}); status != http.StatusOK {
			t.Fatalf("stop %s: %d %s", name, status, body)
		}
	}
	events, err := fx.EventLog(t).Latest(context.Background(), "alpha", 10)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range events {
		if e.Action == "stop" {
			got[e.Env] = e.Reason
		}
	}
	if diff := cmp.Diff(map[string]string{"kept": "home kept", "gone": "scratch home discarded"}, got); diff != "" {
		t.Errorf("stop reasons (-want +got):\n%s", diff)
	}
}

// TestStartRefusedByQuota: starting a stopped environment whose pod the team's quota cannot
// hold is a 403 naming the quota, and the environment stays stopped (it used to answer 200
// and leave it without a pod).
func TestStartRefusedByQuota(t *testing.T) {
	fx := fixture.New(t, func(c *config.Config) { c.Teams[0].Quota["pods"] = resource.MustParse("1") })
	create := fx.Serve(t, createenv.New(), nil)
	upd := fx.Serve(t, New(), nil)
	mk := func(name string) (int, []byte) {
		spec := map[string]any{"team": "alpha", "name": name, "sshPublicKeys": []string{fixture.SSHKey}}
		return fixture.Do(t, http.MethodPost, create.URL, "alice", spec)
	}
	if status, body := mk("first"); status != http.StatusCreated {
		t.Fatalf("create first: %d %s", status, body)
	}
	if status, body := fixture.Do(t, http.MethodPatch, upd.URL+"/alpha/first", "alice", map[string]any{"action": "stop"}); status != http.StatusOK {
		t.Fatalf("stop: %d %s", status, body)
	}
	// The second environment takes the one pod the quota allows, once quota admission has
	// counted the stopped pod out: it reads the used count through the apiserver's cache of
	// the ResourceQuota, which lags the quota controller, which lags the pod's deletion.
	// Until then the create is refused, and nothing of it is left.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		status, body := mk("second")
		if status == http.StatusCreated {
			break
		}
		if status != http.StatusForbidden || !strings.Contains(string(body), "exceeded quota") || time.Now().After(deadline) {
			t.Fatalf("create second: %d %s", status, body)
		}
	}
	// Once its pod exists: the quota counts pods, not Deployments, and a create answers
	// before the ReplicaSet controller has made the pod.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		pods, err := fx.Clientset.CoreV1().Pods(fx.Namespace("alpha")).List(context.Background(), metav1.ListOptions{LabelSelector: env.NameLabel + "=second"})
		if err != nil {
			t.Fatal(err)
		}
		if len(pods.Items) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the second environment's pod was not created")
		}
	}
	status, body := fixture.Do(t, http.MethodPatch, upd.URL+"/alpha/first", "alice", map[string]any{"action": "start"})
	if status != http.StatusForbidden || !strings.Contains(string(body), "exceeded quota") {
		t.Fatalf("start beyond the quota: %d %s, want 403 naming the quota", status, body)
	}
	d, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).Get(context.Background(), "first", metav1.GetOptions{})
	if err != nil || *d.Spec.Replicas != 0 {
		t.Errorf("after the refused start: replicas %v, err %v; want still stopped", d.Spec.Replicas, err)
	}
}

// TestAnswerCarriesRealPhase: the answer to an action reports the environment as the list
// would, from its pods; an extended Running environment is Running, not Pending/NoPod.
func TestAnswerCarriesRealPhase(t *testing.T) {
	fx := fixture.New(t, nil)
	create := fx.Serve(t, createenv.New(), nil)
	upd := fx.Serve(t, New(), nil)
	spec := map[string]any{"team": "alpha", "name": "phase", "sshPublicKeys": []string{fixture.SSHKey}}
	if status, body := fixture.Do(t, http.MethodPost, create.URL, "alice", spec); status != http.StatusCreated {
		t.Fatalf("create: %d %s", status, body)
	}
	url := upd.URL + "/alpha/phase"
	deadline := time.Now().Add(60 * time.Second)
	for {
		status, body := fixture.Do(t, http.MethodPatch, url, "alice", map[string]any{"action": "extend", "lifetime": "4h"})
		if status != http.StatusOK {
			t.Fatalf("extend: %d %s", status, body)
		}
		var e env.Environment
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatal(err)
		}
		if e.Phase == env.PhaseRunning {
			break
		}
		// Before the pod is ready the answer may say Pending or Starting, but never NoPod
		// once the pod exists: wait for the pod and insist on Running then.
		if time.Now().After(deadline) {
			t.Fatalf("extend kept answering %s/%s, want Running once the pod is ready", e.Phase, e.Reason)
		}
		time.Sleep(time.Second)
	}
}
