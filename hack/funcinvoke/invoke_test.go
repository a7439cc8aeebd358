// Package funcinvoke checks that `func invoke` (the Knative func CLI, pinned and built by
// hack/build-tools.sh) works against every function as a user would use it for testing:
// HTTP functions with a request file or GET, CloudEvents functions with an event.
package funcinvoke

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	function "github.com/devenvs/devenvs"
	"github.com/devenvs/devenvs/functions/alerthandler"
	"github.com/devenvs/devenvs/functions/alertsource"
	"github.com/devenvs/devenvs/functions/createenv"
	"github.com/devenvs/devenvs/functions/deleteenv"
	"github.com/devenvs/devenvs/functions/listenvs"
	"github.com/devenvs/devenvs/functions/reaper"
	"github.com/devenvs/devenvs/functions/updateenv"
	"github.com/devenvs/devenvs/shared/config"
	"github.com/devenvs/devenvs/shared/testbed"
	"github.com/devenvs/devenvs/shared/testbed/fixture"
)

// funcBinary is the func CLI hack/build-tools.sh builds (FUNC_VERSION in hack/lib.sh).
func funcBinary(t *testing.T) string {
	t.Helper()
	path := filepath.Join(testbed.CacheDir(), "func-v0.49.2", "func")
	if _, err := os.Stat(path); err != nil {
		msg := "the func CLI is not built: run `hack/build-tools.sh func` (make test does)"
		if os.Getenv("CI") != "" {
			t.Fatalf("%s (CI is set, so this is a failure, not a skip)", msg)
		}
		t.Skip(msg)
	}
	return path
}

// invoke runs `func invoke` for the function in functions/<dir> (or the root) and returns
// what it printed.
func invoke(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"invoke", "--path", filepath.Join("..", "..", dir)}, args...)...)
	cmd.Env = append(os.Environ(), "FUNC_VERBOSE=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("func invoke %s %v: %v\n%s", dir, args, err, out)
	}
	return string(out)
}

// withUser puts a user's token in the URL, which func invoke sends as HTTP Basic (the token
// as the password); the functions accept that as they accept a bearer token.
func withUser(raw, user, path string) string {
	u, _ := url.Parse(raw)
	u.User = url.UserPassword(user, fixture.Token(user))
	u.Path = path
	return u.String()
}

func TestFuncInvoke(t *testing.T) {
	bin := funcBinary(t)
	// The team gives no stop warning, so the invoked idle alert stops the environment at once.
	fx := fixture.New(t, func(c *config.Config) { c.Teams[0].StopWarning = new(config.Duration(0)) })
	create := fx.Serve(t, createenv.New(), nil)
	list := fx.Serve(t, listenvs.New(), nil)
	update := fx.Serve(t, updateenv.New(), nil)
	del := fx.Serve(t, deleteenv.New(), nil)
	handler, handlerAnswer := answered(t, fx, alerthandler.New())
	reap, reapAnswer := answered(t, fx, reaper.New())
	const sourceToken = "invoke-test-token"
	source := fx.Serve(t, alertsource.New(), map[string]string{"K_SINK": handler, "DEVENVS_ALERTSOURCE_TOKEN": sourceToken})
	web := fx.Serve(t, function.New(), map[string]string{
		function.FunctionURLsVar: "createenv=" + create.URL + ",listenvs=" + list.URL + ",deleteenv=" + del.URL + ",updateenv=" + update.URL,
	})

	steps := []struct {
		name, dir string
		args      []string
		want      []string
		// answer, when set, is the status the function answered, which must be 200.
		answer *atomic.Int32
	}{
		{"createenv from its example", "functions/createenv",
			[]string{"--target", withUser(create.URL, "alice", "/"), "--file", "../../functions/createenv/example.json", "--content-type", "application/json"},
			[]string{`"name":"demo"`, `"team":"alpha"`}, nil},
		{"listenvs with GET", "functions/listenvs",
			[]string{"--target", withUser(list.URL, "alice", "/"), "--request-type", "GET"},
			[]string{`"environments":[`, `"name":"demo"`}, nil},
		{"updateenv from its example", "functions/updateenv",
			[]string{"--target", withUser(update.URL, "alice", "/alpha/demo"), "--file", "../../functions/updateenv/example.json", "--content-type", "application/json"},
			[]string{`"expiresAt"`, `"name":"demo"`}, nil},
		{"alertsource from its example", "functions/alertsource",
			[]string{"--target", withToken(source.URL, sourceToken), "--file", "../../functions/alertsource/example.json", "--content-type", "application/json"},
			[]string{`"sent":1`}, nil},
		{"alerthandler with a CloudEvent", "functions/alerthandler",
			[]string{"--target", withToken(handler, fixture.EventSecret), "--format", "cloudevent", "--type", alerthandler.TypeFiring, "--id", "invoke-" + fx.Namespace("alpha"), // unique: the dedup store outlives test runs
				"--file", "../../functions/alerthandler/example.json", "--content-type", "application/json"},
			nil, handlerAnswer},
		{"reaper with a tick", "functions/reaper",
			[]string{"--target", withToken(reap, fixture.EventSecret), "--format", "cloudevent", "--type", reaper.PingType, "--data", "{}", "--content-type", "application/json"},
			nil, reapAnswer},
		{"web serves config.json", ".",
			[]string{"--target", web.URL + "/config.json", "--request-type", "GET"},
			[]string{`"functions":{`, `"catalog":{`}, nil},
		{"deleteenv with POST", "functions/deleteenv",
			[]string{"--target", withUser(del.URL, "alice", "/alpha/demo"), "--data", "{}", "--content-type", "application/json"},
			nil, nil},
	}
	for _, s := range steps {
		if s.answer != nil {
			s.answer.Store(0)
		}
		out := invoke(t, bin, s.dir, s.args...)
		if s.answer != nil && s.answer.Load() != http.StatusOK {
			t.Errorf("%s: the function answered %d, want 200:\n%s", s.name, s.answer.Load(), out)
		}
		for _, want := range s.want {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %s:\n%s", s.name, want, out)
			}
		}
		if s.name == "alerthandler with a CloudEvent" {
			// The example alert is EnvIdleCPU for alpha/demo: the environment is now stopped.
			d, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).Get(context.Background(), "demo", metav1.GetOptions{})
			if err != nil || *d.Spec.Replicas != 0 {
				t.Errorf("after the invoked alert: deployment %v, err %v; want 0 replicas", d.Spec.Replicas, err)
			}
		}
	}
	d, err := fx.Clientset.AppsV1().Deployments(fx.Namespace("alpha")).Get(context.Background(), "demo", metav1.GetOptions{})
	if err == nil && d.DeletionTimestamp == nil {
		t.Errorf("demo still exists after the invoked delete")
	}
}

// answered starts fn like fixture.Serve, behind a server that also keeps the status of its
// latest answer: func invoke succeeds and prints nothing whatever a CloudEvents function
// answers (it reports only events that were not delivered at all), so the test reads it here.
func answered(t *testing.T, fx *fixture.Fixture, fn fixture.Function) (string, *atomic.Int32) {
	t.Helper()
	if err := fn.Start(context.Background(), fx.Settings); err != nil {
		t.Fatalf("start function: %v", err)
	}
	var status atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		fn.Handle(sw, r)
		status.Store(int32(sw.status))
	}))
	t.Cleanup(func() {
		srv.Close()
		_ = fn.Stop(context.Background())
	})
	return srv.URL, &status
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func withToken(raw, token string) string {
	u, _ := url.Parse(raw)
	u.User = url.UserPassword("alertmanager", token)
	u.Path = "/"
	return u.String()
}
