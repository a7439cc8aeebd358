package createenv

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"

	"github.com/devenvs/devenvs/shared/app/apptest"
	"github.com/devenvs/devenvs/shared/httpx"
	"github.com/devenvs/devenvs/shared/kube"
)

// createFunc is a creator double: it answers what the test says, in memory.
type createFunc func(kube.Objects, int) (*appsv1.Deployment, error)

func (c createFunc) Create(_ context.Context, objs kube.Objects, max int) (*appsv1.Deployment, error) {
	return c(objs, max)
}

// created is what the real client answers: the Deployment it was given, stored.
func created(objs kube.Objects, _ int) (*appsv1.Deployment, error) { return objs.Deployment, nil }

func failing(err error) createFunc {
	return func(kube.Objects, int) (*appsv1.Deployment, error) { return nil, err }
}

// TestStatusAndLogging is the create's status mapping and its outcome policy (app.IsActivity)
// over a double of the cluster: no apiserver, no Redis, milliseconds.
func TestStatusAndLogging(t *testing.T) {
	good := spec("alpha", "demo")
	for _, tc := range []struct {
		name       string
		method     string
		user       string
		body       any
		cluster    createFunc
		wantStatus int
		wantMsg    string   // how the error message starts
		wantLogged []string // the activity log of team alpha
	}{
		{"created", http.MethodPost, "alice", good, created, http.StatusCreated, "", []string{"create success "}},
		{"the team's limit", http.MethodPost, "alice", good, failing(&kube.LimitError{Max: 3}), http.StatusForbidden,
			"team alpha is at its limit of 3 environments", []string{"create failure team alpha is at its limit of 3 environments: delete one first"}},
		{"the name is taken", http.MethodPost, "alice", good, failing(kube.ErrExists), http.StatusConflict,
			"name: an environment named demo already exists", []string{"create failure an environment named demo already exists in team alpha: name"}},
		{"the quota refuses", http.MethodPost, "alice", good, failing(&kube.QuotaError{Message: "exceeded quota: devenvs"}), http.StatusForbidden,
			"team alpha's ResourceQuota refuses", []string{"create failure team alpha's ResourceQuota refuses this environment: exceeded quota: devenvs"}},
		{"the apiserver fails and clean-up too", http.MethodPost, "alice", good,
			failing(&kube.CleanupError{Cause: errors.New("create service: boom"), Cleanup: errors.New("delete: boom")}), http.StatusBadGateway,
			"Bad Gateway", []string{"create failure create service: boom; undoing the create failed too, objects may be left behind: delete: boom"}},
		{"an invalid spec is not activity", http.MethodPost, "alice", map[string]any{"team": "alpha", "name": "Bad_Name"}, created,
			http.StatusUnprocessableEntity, "", []string{}},
		{"an unknown field is not activity", http.MethodPost, "alice", map[string]any{"team": "alpha", "nmae": "x"}, created,
			http.StatusBadRequest, "", []string{}},
		{"no team", http.MethodPost, "alice", map[string]any{"name": "x"}, created, http.StatusUnprocessableEntity, "team: missing field(s)", []string{}},
		{"too large", http.MethodPost, "alice", `{"name":"` + strings.Repeat("x", httpx.DefaultMaxBodyBytes) + `"}`, created, http.StatusRequestEntityTooLarge, "", []string{}},
		{"not a member: a rate-limited refusal", http.MethodPost, "bob", good, created, http.StatusForbidden,
			"not a member of team", []string{"access-denied failure 403: not a member of team alpha"}},
		{"no token", http.MethodPost, "", good, created, http.StatusUnauthorized, "authentication required", []string{}},
		{"wrong method", http.MethodGet, "alice", nil, created, http.StatusMethodNotAllowed, "method GET not allowed: use POST", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := apptest.New(t, "createenv", options)
			h := (&Function{}).wire(a, tc.cluster)
			status, body := apptest.Do(t, h, tc.method, "/", tc.user, tc.body)
			if status != tc.wantStatus || !strings.Contains(string(body), tc.wantMsg) {
				t.Errorf("status %d %s, want %d %q", status, body, tc.wantStatus, tc.wantMsg)
			}
			if diff := cmp.Diff(tc.wantLogged, apptest.Logged(t, a, "alpha")); diff != "" {
				t.Errorf("activity log of alpha (-want +got):\n%s", diff)
			}
		})
	}
}
