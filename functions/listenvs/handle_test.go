package listenvs

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/devenvs/devenvs/shared/app/apptest"
	"github.com/devenvs/devenvs/shared/kube"
)

// cluster is a lister double: the same snapshot (or error) for every namespace, and the
// namespaces it was asked for.
type cluster struct {
	snap  kube.Snapshot
	err   error
	asked []string
}

func (c *cluster) List(_ context.Context, ns string, _ kube.Page) (*kube.Snapshot, error) {
	c.asked = append(c.asked, ns)
	if c.err != nil {
		return nil, c.err
	}
	s := c.snap
	return &s, nil
}

func (c *cluster) LogTail(context.Context, string, string, string, int) (string, error) {
	return "", errors.New("no logs in the double")
}

// TestStatusAndLogging is the list's status mapping over a double; a list is not an action,
// so nothing reaches the activity log.
func TestStatusAndLogging(t *testing.T) {
	one := kube.Snapshot{Deployments: []appsv1.Deployment{{ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "alpha"}}}}
	gone := apierrors.NewResourceExpired("too old resource version")
	bad := apierrors.NewBadRequest("bad continue")
	token := cursor{Team: "alpha", Continue: "apiserver-token"}.encode()
	for _, tc := range []struct {
		name, target, user string
		cluster            *cluster
		wantStatus         int
		wantMsg            string
		wantAsked          []string
	}{
		{"the caller's teams", "/", "carol", &cluster{snap: one}, http.StatusOK, `"teams":["alpha","beta"],"environments":[{"team":"","name":"demo"`, []string{"devenvs-alpha", "devenvs-beta"}},
		{"one team", "/?team=beta", "carol", &cluster{snap: one}, http.StatusOK, `"teams":["beta"]`, []string{"devenvs-beta"}},
		{"not a member", "/?team=beta", "alice", &cluster{snap: one}, http.StatusForbidden, "not a member", nil},
		{"a bad limit", "/?limit=0", "alice", &cluster{snap: one}, http.StatusBadRequest, "limit: invalid value: 0", nil},
		{"a token that is not one", "/?continue=xyz", "alice", &cluster{snap: one}, http.StatusBadRequest, "continue: invalid value", nil},
		{"the apiserver refuses the token", "/?continue=" + token, "alice", &cluster{err: bad}, http.StatusBadRequest, "not a token from an earlier response", []string{"devenvs-alpha"}},
		{"the token expired", "/?continue=" + token, "alice", &cluster{err: gone}, http.StatusGone, "list again without continue", []string{"devenvs-alpha"}},
		{"the apiserver fails", "/", "alice", &cluster{err: apierrors.NewInternalError(errors.New("boom"))}, http.StatusBadGateway, "Bad Gateway", []string{"devenvs-alpha"}},
		{"the apiserver is not found", "/", "alice", &cluster{err: apierrors.NewNotFound(schema.GroupResource{Resource: "deployments"}, "")}, http.StatusBadGateway, "Bad Gateway", []string{"devenvs-alpha"}},
		{"older events need a team", "/?eventsBefore=1-0", "alice", &cluster{snap: one}, http.StatusBadRequest, "name the team", nil},
		{"older events of a team", "/?team=alpha&eventsBefore=1-0", "alice", &cluster{snap: one}, http.StatusBadRequest, "eventsBefore: invalid value", nil},
		{"POST", "/", "alice", &cluster{snap: one}, http.StatusMethodNotAllowed, "use GET", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := apptest.New(t, "listenvs", options)
			h := (&Function{}).wire(a, tc.cluster)
			method, body := http.MethodGet, any(nil)
			if tc.name == "POST" {
				method, body = http.MethodPost, "{}"
			}
			status, got := apptest.Do(t, h, method, tc.target, tc.user, body)
			if status != tc.wantStatus || !strings.Contains(string(got), tc.wantMsg) {
				t.Errorf("status %d %s, want %d %q", status, got, tc.wantStatus, tc.wantMsg)
			}
			if diff := cmp.Diff(tc.wantAsked, tc.cluster.asked); diff != "" {
				t.Errorf("namespaces listed (-want +got):\n%s", diff)
			}
			if logged := apptest.Logged(t, a, "alpha"); tc.wantStatus != http.StatusForbidden && len(logged) > 0 {
				t.Errorf("a list was logged: %v", logged)
			}
		})
	}
}
